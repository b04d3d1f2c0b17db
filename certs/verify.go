package certs

import (
	"context"
	"strings"
	"time"

	"anpei/fault"
	"anpei/ident"
)

// Public is what anyone may learn of a certificate from its number: never
// the full name or ID number.
type Public struct {
	Number        string        `json:"number"`
	Kind          string        `json:"kind"`
	KindName      string        `json:"kind_name"`
	Status        Status        `json:"status"`
	StatusLabel   string        `json:"status_label"`
	StatusReason  string        `json:"status_reason"`
	HolderMasked  string        `json:"holder_masked"`
	IDLast4       string        `json:"id_last4"`
	OperationItem string        `json:"operation_item,omitempty"`
	IssuedOn      string        `json:"issued_on"`
	ValidUntil    string        `json:"valid_until,omitempty"`
	NextReview    string        `json:"next_review,omitempty"`
	Issuer        string        `json:"issuer"`
	IssuedBy      Issuer        `json:"issued_by"`
	External      bool          `json:"external"`
	Verified      bool          `json:"verified"`
	History       []PublicEvent `json:"history"`
	// For the signed token of the QR code, server side only.
	holder Certificate
}

// PublicEvent is a history step as the public sees it: what and when,
// with review details but without the reasons, which may name people.
type PublicEvent struct {
	Date   string `json:"date"`
	Action string `json:"action"`
	Label  string `json:"label"`
	Detail string `json:"detail,omitempty"`
}

// ErrUnknownCertificate is the one answer for a number that does not
// exist and for a name that does not match, so the lookup cannot be used
// to learn who holds what.
var ErrUnknownCertificate = fault.New(fault.NotFound, "certificate_unknown", "未查到该证书：请核对证书编号（以及持证人姓名）")

// Lookup returns the public view of certificate number; with name
// non-empty it must equal the holder's name.
func (s *Store) Lookup(ctx context.Context, number, name string) (Public, error) {
	n := NormalizeNumber(number)
	if n == "" {
		return Public{}, ErrUnknownCertificate
	}
	// One statement: the certificate with its history, through the
	// store's prepared-statement session (the lookup is the public hot
	// path; see BenchmarkCertificates).
	var rows []lookupRow
	if err := s.reads.WithContext(ctx).Raw(lookupSQL, n).Scan(&rows).Error; err != nil {
		return Public{}, asFault(err)
	}
	if len(rows) == 0 {
		return Public{}, ErrUnknownCertificate
	}
	c := rows[0].Certificate
	if name = strings.TrimSpace(name); name != "" && name != c.HolderName {
		return Public{}, ErrUnknownCertificate
	}
	v := s.view(c, s.now())
	out := Public{Number: c.Number, Kind: c.Kind, KindName: v.KindName, Status: v.Status, StatusLabel: v.StatusLabel, StatusReason: publicReason(v),
		HolderMasked: ident.MaskName(c.HolderName), IDLast4: last4(c.IDMasked), OperationItem: c.OperationItem,
		IssuedOn: dateText(&c.IssuedOn), ValidUntil: dateText(c.ValidUntil), NextReview: dateText(c.NextReview),
		Issuer: c.Issuer, IssuedBy: v.IssuerKind, External: c.External, Verified: c.Verified, History: []PublicEvent{}, holder: c}
	for _, r := range rows {
		if r.EvAction == nil {
			continue
		}
		pe := PublicEvent{Date: r.EvAt.In(chinaZone).Format("2006-01-02"), Action: *r.EvAction, Label: actionLabel(*r.EvAction)}
		switch pe.Action {
		case "reviewed", "extended", "issued", "registered", "verified":
			pe.Detail = *r.EvDetail
		}
		out.History = append(out.History, pe)
	}
	return out, nil
}

// lookupSQL reads a certificate by number with its history, oldest first.
const lookupSQL = "SELECT certificates.*, certificate_events.action AS ev_action, certificate_events.at AS ev_at, certificate_events.detail AS ev_detail " +
	"FROM certificates LEFT JOIN certificate_events ON certificate_events.certificate_id = certificates.id " +
	"WHERE certificates.number = ? ORDER BY certificate_events.id"

// lookupRow is one row of lookupSQL.
type lookupRow struct {
	Certificate
	EvAction *string
	EvAt     *time.Time
	EvDetail *string
}

// Certificate returns the stored certificate behind a public view (for
// the signed token); it is not serialized.
func (p Public) Certificate() Certificate { return p.holder }

var chinaZone = time.FixedZone("CST", 8*3600)

// publicReason keeps a revocation's ground but drops free text that may
// name people.
func publicReason(v View) string {
	switch v.Status {
	case StatusRevoked:
		if ground, _, ok := strings.Cut(v.StateReason, "："); ok {
			for _, r := range RevocationReasons() {
				if r.Label == ground {
					return "证书已被撤销（" + ground + "）"
				}
			}
		}
		return "证书已被撤销"
	case StatusSuspended:
		return "证书已暂停使用"
	case StatusCancelled:
		return "证书已注销"
	}
	return v.StatusReason
}

func last4(masked string) string {
	r := []rune(masked)
	if len(r) < 4 {
		return ""
	}
	return string(r[len(r)-4:])
}

func dateText(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.Format("2006-01-02")
}
