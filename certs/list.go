package certs

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/fault"
)

// View is a certificate with what it is today.
type View struct {
	Certificate
	KindName     string     `json:"kind_name"`
	IssuerKind   Issuer     `json:"issuer_kind"`
	Status       Status     `json:"status"`
	StatusLabel  string     `json:"status_label"`
	StatusReason string     `json:"status_reason"`
	DueOn        *time.Time `json:"due_on"`
}

// Detail is a certificate with its history.
type Detail struct {
	View
	Events []EventView `json:"events"`
}

// EventView is a history step as pages show it.
type EventView struct {
	Event
	Label string `json:"label"`
}

func (s *Store) view(c Certificate, at time.Time) View {
	k, _ := s.opt.Kinds.Get(c.Kind)
	st, why := k.Evaluate(c.State, c.Dates(), at)
	v := View{Certificate: c, KindName: k.Name, IssuerKind: k.Issuer, Status: st, StatusLabel: st.Label(), StatusReason: why.Message}
	if c.State == StateSuspended || c.State == StateRevoked || c.State == StateCancelled {
		v.StatusReason = c.StateReason
	}
	if due := c.Dates().DueDate(); !due.IsZero() {
		v.DueOn = &due
	}
	return v
}

// Filter selects certificates for lists.
type Filter struct {
	PersonID     uint
	EnterpriseID uint
	Kind         string
	Status       Status
	// DueBefore keeps certificates whose next review or expiry is on or
	// before the date.
	DueBefore *time.Time
	External  *bool
	Number    string
	Limit     int
	Offset    int
}

// MaxLimit bounds list pages.
const MaxLimit = 1000

// List returns the certificates p may see that match f, newest first, with
// the total.
func (s *Store) List(ctx context.Context, p account.Principal, f Filter) ([]View, int64, error) {
	q, err := s.scoped(ctx, p)
	if err != nil {
		return nil, 0, err
	}
	if f.Status != "" && !f.Status.Valid() {
		return nil, 0, ErrInvalid.WithDetails(fault.Detail{Field: "status", Message: "状态须为 valid、expiring、review_due、expired、suspended、revoked 或 cancelled"})
	}
	if f.Kind != "" {
		if _, ok := s.opt.Kinds.Get(f.Kind); !ok {
			return nil, 0, ErrInvalid.WithDetails(fault.Detail{Field: "kind", Message: "证书种类不存在"})
		}
		q = q.Where("certificates.kind = ?", f.Kind)
	}
	if f.PersonID != 0 {
		q = q.Where("certificates.person_id = ?", f.PersonID)
	}
	if f.EnterpriseID != 0 {
		q = q.Where("certificates.person_id IN (SELECT id FROM people WHERE enterprise_id = ?)", f.EnterpriseID)
	}
	if f.External != nil {
		q = q.Where("certificates.external = ?", *f.External)
	}
	if f.Number != "" {
		q = q.Where("certificates.number = ?", NormalizeNumber(f.Number))
	}
	if f.DueBefore != nil {
		d := civilDate(*f.DueBefore)
		q = q.Where("(certificates.next_review IS NOT NULL AND certificates.next_review <= ?) OR "+
			"(certificates.next_review IS NULL AND certificates.valid_until IS NOT NULL AND certificates.valid_until <= ?)", d, d)
	}
	now := s.now()
	if f.Status != "" {
		q = q.Where(s.statusCondition(q.Session(&gorm.Session{NewDB: true}), f.Status, Day(now)))
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, asFault(err)
	}
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxLimit)
	var rows []Certificate
	if err := q.Order("certificates.id DESC").Limit(limit).Offset(max(f.Offset, 0)).Find(&rows).Error; err != nil {
		return nil, 0, asFault(err)
	}
	out := make([]View, len(rows))
	for i, c := range rows {
		out[i] = s.view(c, now)
	}
	return out, total, nil
}

// statusCondition is the SQL form of Kind.Evaluate for one status on day:
// the same dates and windows, per kind.
func (s *Store) statusCondition(db *gorm.DB, st Status, day time.Time) *gorm.DB {
	switch st {
	case StatusSuspended:
		return db.Where("certificates.state = ?", StateSuspended)
	case StatusRevoked:
		return db.Where("certificates.state = ?", StateRevoked)
	case StatusCancelled:
		return db.Where("certificates.state = ?", StateCancelled)
	}
	lapsed := "((certificates.valid_until IS NOT NULL AND certificates.valid_until < ?) OR (certificates.next_review IS NOT NULL AND certificates.next_review < ?))"
	if st == StatusExpired {
		return db.Where("certificates.state = ? AND "+lapsed, StateActive, day, day)
	}
	// Per kind: in the review window, or in the renewal window.
	reviewDue := db.Where("1 = 0")
	expiring := db.Where("1 = 0")
	for _, k := range s.opt.Kinds.All() {
		reviewDue = reviewDue.Or("certificates.kind = ? AND certificates.next_review IS NOT NULL AND certificates.next_review <= ?",
			k.Code, day.AddDate(0, 0, k.ReviewWindowDays))
		expiring = expiring.Or("certificates.kind = ? AND certificates.valid_until IS NOT NULL AND certificates.valid_until <= ?",
			k.Code, day.AddDate(0, 0, k.RenewWindowDays))
	}
	base := db.Where("certificates.state = ?", StateActive).Not(lapsed, day, day)
	switch st {
	case StatusReviewDue:
		return base.Where(reviewDue)
	case StatusExpiring:
		return base.Not(reviewDue).Where(expiring)
	}
	return base.Not(reviewDue).Not(expiring)
}

// Get returns certificate id with its history, if p may see it.
func (s *Store) Get(ctx context.Context, p account.Principal, id uint) (Detail, error) {
	c, err := s.visible(s.db.WithContext(ctx), p, id, false)
	if err != nil {
		return Detail{}, asFault(err)
	}
	events, err := s.events(ctx, id)
	if err != nil {
		return Detail{}, err
	}
	return Detail{View: s.view(c, s.now()), Events: events}, nil
}

func (s *Store) events(ctx context.Context, id uint) ([]EventView, error) {
	var rows []Event
	if err := s.db.WithContext(ctx).Where("certificate_id = ?", id).Order("id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	out := make([]EventView, len(rows))
	for i, e := range rows {
		out[i] = EventView{Event: e, Label: actionLabel(e.Action)}
	}
	return out, nil
}

// ByIDs returns the certificates p may see among ids (for batch
// downloads), in id order.
func (s *Store) ByIDs(ctx context.Context, p account.Principal, ids []uint) ([]View, error) {
	q, err := s.scoped(ctx, p)
	if err != nil {
		return nil, err
	}
	var rows []Certificate
	if err := q.Where("certificates.id IN ?", ids).Order("certificates.id").Find(&rows).Error; err != nil {
		return nil, asFault(err)
	}
	now := s.now()
	out := make([]View, len(rows))
	for i, c := range rows {
		out[i] = s.view(c, now)
	}
	return out, nil
}

// OfPeople returns the certificates of many people at once, for the
// compliance sweep (no scope: the caller is the system), one query per
// thousand people.
func (s *Store) OfPeople(ctx context.Context, personIDs []uint) (map[uint][]Certificate, error) {
	out := make(map[uint][]Certificate, len(personIDs))
	for chunk := range slices.Chunk(personIDs, 1000) {
		var rows []Certificate
		if err := s.db.WithContext(ctx).Omit("public_history").Where("person_id IN ?", chunk).Order("person_id, id").Find(&rows).Error; err != nil {
			return nil, asFault(err)
		}
		for _, c := range rows {
			out[c.PersonID] = append(out[c.PersonID], c)
		}
	}
	return out, nil
}
