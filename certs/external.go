package certs

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// ExternalInput registers a certificate a state authority issued: a
// special-operation certificate (新证号为 "T" + 身份证号) or a 安全合格证.
// Dates are written 2006-01-02; empty expiry and review dates follow
// from the kind.
type ExternalInput struct {
	PersonID      uint   `json:"person_id"`
	Kind          string `json:"kind"`
	Number        string `json:"number"`
	OperationItem string `json:"operation_item"`
	IssuedOn      string `json:"issued_on"`
	ValidUntil    string `json:"valid_until"`
	NextReview    string `json:"next_review"`
	Authority     string `json:"authority"`
	// ScanKey is an uploaded photo or scan (media key), optional.
	ScanKey string `json:"scan_key"`
}

func parseDate(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02", "2006/1/2", "2006.1.2", "2006年1月2日"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// checkExternal validates in for holder h and returns the certificate to
// store, or every problem with its field.
func (s *Store) checkExternal(in ExternalInput, h Holder, today time.Time) (Certificate, []fault.Detail) {
	var d []fault.Detail
	bad := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	kind, ok := s.opt.Kinds.Get(strings.TrimSpace(in.Kind))
	if !ok {
		for _, k := range s.opt.Kinds.All() {
			if k.Name == strings.TrimSpace(in.Kind) || k.Short == strings.TrimSpace(in.Kind) {
				kind, ok = k, true
			}
		}
	}
	if !ok || kind.Issuer != IssuerState {
		bad("kind", "证书种类须为主管部门颁发的证书（特种作业操作证或安全生产知识和管理能力考核合格证）")
		return Certificate{}, d
	}
	number := NormalizeNumber(in.Number)
	switch {
	case number == "":
		bad("number", "请填写证书编号（字母、数字，不超过40位）")
	case kind.Code == "special_operation" && len(number) == 19 && number[0] == 'T' && h.IDNumber != "" && number[1:] != strings.ToUpper(h.IDNumber):
		bad("number", "特种作业操作证编号为“T+身份证号”，与该人员的身份证号不一致")
	}
	if !kind.Qualifies(h.Categories) {
		bad("kind", h.Name+" 的人员类别不适用“"+kind.Name+"”，请先在花名册中修改人员类别")
	}
	item := strings.TrimSpace(in.OperationItem)
	if kind.NeedsItem {
		if item == "" || !slices.Contains(h.Items, item) {
			bad("operation_item", "请填写准操项目代码，且须是该人员在花名册中登记的项目")
		}
	} else {
		item = ""
	}
	issued, ok := parseDate(in.IssuedOn)
	switch {
	case !ok:
		bad("issued_on", "请填写初领（发证）日期，格式如 2024-03-15")
	case issued.After(today):
		bad("issued_on", "发证日期不能晚于今天")
	}
	dates := kind.Schedule(issued, false)
	if in.ValidUntil != "" {
		if t, ok := parseDate(in.ValidUntil); !ok || !t.After(issued) {
			bad("valid_until", "有效期至须为日期且晚于发证日期")
		} else {
			dates.ValidUntil = t
		}
	}
	if in.NextReview != "" {
		if t, ok := parseDate(in.NextReview); !ok || !t.After(issued) || (!dates.ValidUntil.IsZero() && t.After(dates.ValidUntil)) {
			bad("next_review", "下次复审日期须为日期，晚于发证日期且不晚于有效期")
		} else {
			dates.NextReview = t
		}
	}
	authority := strings.TrimSpace(in.Authority)
	if authority == "" {
		authority = kind.Authority
	}
	if utf8.RuneCountInString(authority) > 100 {
		bad("authority", "发证机关不超过100字")
	}
	if len(in.ScanKey) > 80 {
		bad("scan_key", "扫描件标识无效")
	}
	c := Certificate{Kind: kind.Code, Number: number, PersonID: h.PersonID, EnterpriseID: h.EnterpriseID, HolderName: h.Name, IDMasked: h.IDMasked,
		OperationItem: item, State: StateActive, Issuer: authority, External: true, ScanKey: in.ScanKey}
	c.setDates(dates)
	return c, d
}

// RegisterExternal registers a state certificate of a person p may see
// (an enterprise admin: their own workers). It stays unverified until an
// admin or regulator checks it against the national query service.
func (s *Store) RegisterExternal(ctx context.Context, p account.Principal, in ExternalInput) (Certificate, error) {
	if !mayRegister(p) {
		return Certificate{}, ErrForbidden
	}
	if err := s.personVisible(ctx, p, in.PersonID); err != nil {
		return Certificate{}, err
	}
	h, err := s.opt.Holder(ctx, in.PersonID)
	if err != nil {
		return Certificate{}, err
	}
	c, d := s.checkExternal(in, h, Day(s.now()))
	if len(d) > 0 {
		return Certificate{}, ErrInvalid.WithDetails(d...)
	}
	var out Certificate
	err = s.write(ctx, func(tx *gorm.DB) error {
		out = c // a fresh copy on each try: a rolled-back try leaves its ID behind
		return s.insertExternal(tx, p, &out, h.IDNumber)
	})
	if err != nil {
		return Certificate{}, err
	}
	return out, nil
}

// insertExternal stores the checked state certificate c of the holder with
// ID number idNumber in tx, with its "registered" event and audit entry.
// A number already registered is ErrDuplicate.
func (s *Store) insertExternal(tx *gorm.DB, p account.Principal, c *Certificate, idNumber string) error {
	if s.opt.IDHash != nil && idNumber != "" {
		c.IDSalt, c.IDHash, c.BadgeHash = s.opt.IDHash(idNumber)
	}
	c.CreatedBy = p.UserID
	if err := tx.Create(c).Error; err != nil {
		if errors.Is(err, gorm.ErrDuplicatedKey) {
			return ErrDuplicate.WithDetails(fault.Detail{Field: "number", Message: "证书编号 " + c.Number + " 已登记"})
		}
		return err
	}
	return s.event(tx, p, c, "registered", "", "登记主管部门颁发的证书，待核验")
}
