package certs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"anpei/db"
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
	Label  string `json:"label,omitempty"`
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
	c, found, err := s.lookupRow(ctx, n)
	if err != nil {
		return Public{}, asFault(err)
	}
	if !found {
		return Public{}, ErrUnknownCertificate
	}
	if name = strings.TrimSpace(name); name != "" && name != c.HolderName {
		return Public{}, ErrUnknownCertificate
	}
	v := s.view(c, s.now())
	out := Public{Number: c.Number, Kind: c.Kind, KindName: v.KindName, Status: v.Status, StatusLabel: v.StatusLabel, StatusReason: publicReason(v),
		HolderMasked: ident.MaskName(c.HolderName), IDLast4: last4(c.IDMasked), OperationItem: c.OperationItem,
		IssuedOn: dateText(&c.IssuedOn), ValidUntil: dateText(c.ValidUntil), NextReview: dateText(c.NextReview),
		Issuer: c.Issuer, IssuedBy: v.IssuerKind, External: c.External, Verified: c.Verified, History: []PublicEvent{}, holder: c}
	if c.PublicHistory != "" {
		if err := json.Unmarshal([]byte(c.PublicHistory), &out.History); err != nil {
			return Public{}, fault.Wrap(err, "certs: public history of "+c.Number)
		}
	}
	for i := range out.History {
		out.History[i].Label = actionLabel(out.History[i].Action)
	}
	return out, nil
}

// lookupColumns reads certificates: the columns the public view and the
// QR claims need, the history included (one row, one index).
const lookupColumns = "SELECT id, number, kind, holder_name, id_masked, id_salt, id_hash, operation_item, " +
	"issued_on, valid_until, next_review, state, state_reason, issuer, external, verified, public_history " +
	"FROM certificates WHERE number "

// lookupSQL reads a certificate by number; lookupInSQL(k) reads k of them.
const lookupSQL = lookupColumns + "= ?"

func lookupInSQL(k int) string { return lookupColumns + "IN (?" + strings.Repeat(", ?", k-1) + ")" }

// appendPublic adds event e, as the public sees it (what and when, with
// review details but not the reasons, which may name people), to the JSON
// history h.
func appendPublic(h string, e Event) (string, error) {
	var list []PublicEvent
	if h != "" {
		if err := json.Unmarshal([]byte(h), &list); err != nil {
			return "", fault.Wrap(err, "certs: public history")
		}
	}
	pe := PublicEvent{Date: e.At.In(chinaZone).Format("2006-01-02"), Action: e.Action}
	switch e.Action {
	case "reviewed", "extended", "issued", "registered", "verified", "retested":
		pe.Detail = e.Detail
	}
	b, err := json.Marshal(append(list, pe))
	return string(b), err
}

// The public lookup is the hot path (see BenchmarkCertificates), and most
// of its cost is the query's round trip, on both sides of it, whatever
// the query reads: read alone, a certificate costs about 40 µs of
// MariaDB's CPU and 35 µs of ours; read eight at a time, about 13 µs of
// each (measured on loopback, 16 lookups in flight). So lookups go
// through a db.Batcher: at most lookupQueries lookup queries run at a
// time; a lookup arriving when fewer run is read at once, alone; lookups
// arriving while they all run wait, and the next query reads all their
// certificates (up to lookupBatchMax numbers). Every lookup still reads
// its row from the database after it arrived, so a revocation shows at
// once; under load it costs a share of a round trip instead of a whole
// one. Two queries measured as well as one and better than three or four
// (whose batches are smaller), and the lookups take at most two
// connections of the pool.
const (
	lookupQueries  = 2
	lookupBatchMax = 32
)

// lookupTimeout bounds a lookup query. The queries are the batches', not
// one request's: they are not cancelled with a request, whose lookup just
// stops waiting.
const lookupTimeout = 30 * time.Second

// lookupJob is one lookup waiting for its query.
type lookupJob struct {
	number string
	done   chan lookupAnswer
}

type lookupAnswer struct {
	c     Certificate
	found bool
	err   error
}

// newLookups returns the lookup state of a new store s.
func newLookups(s *Store) *preparedLookup {
	l := &preparedLookup{}
	l.queue = db.NewBatcher(lookupBatchMax, lookupQueries, s.readLookups)
	return l
}

// lookupRow reads the certificate numbered n (normalized), alone or with
// the lookups that wait with it.
func (s *Store) lookupRow(ctx context.Context, n string) (Certificate, bool, error) {
	j := &lookupJob{number: n, done: make(chan lookupAnswer, 1)}
	s.lookup.queue.Add(j)
	select {
	case a := <-j.done:
		return a.c, a.found, a.err
	case <-ctx.Done():
		return Certificate{}, false, ctx.Err()
	}
}

// readLookups reads the certificates of jobs in one query and answers
// each. A panic (no request's goroutine would recover it) becomes their
// error.
func (s *Store) readLookups(jobs []*lookupJob) {
	var rows []Certificate
	var err error
	defer func() {
		if r := recover(); r != nil {
			rows, err = nil, fmt.Errorf("certs: lookup of %d numbers: %v", len(jobs), r)
		}
		for _, j := range jobs {
			c, found := pickRow(rows, j.number)
			j.done <- lookupAnswer{c, found, err}
		}
	}()
	numbers := make([]string, len(jobs))
	for i, j := range jobs {
		numbers[i] = j.number
	}
	ctx, cancel := context.WithTimeout(context.Background(), lookupTimeout)
	defer cancel()
	rows, err = s.lookupRows(ctx, numbers)
}

// pickRow finds number n in rows, ignoring case as MySQL's collation does
// (numbers are stored normalized, in capitals, anyway).
func pickRow(rows []Certificate, n string) (Certificate, bool) {
	for _, c := range rows {
		if strings.EqualFold(c.Number, n) {
			return c, true
		}
	}
	return Certificate{}, false
}

// lookupRows reads the certificates numbered numbers: one number on the
// store's prepared statement, more in one query of lookupInSQL, whose
// arguments the MySQL driver interpolates (one round trip, no statement
// to prepare and close per size).
func (s *Store) lookupRows(ctx context.Context, numbers []string) ([]Certificate, error) {
	s.lookup.once.Do(func() {
		sqlDB, err := s.db.DB()
		if err != nil {
			s.lookup.err = err
			return
		}
		s.lookup.stmt, s.lookup.err = sqlDB.PrepareContext(context.Background(), lookupSQL)
	})
	if s.lookup.err != nil {
		return nil, s.lookup.err
	}
	var rs *sql.Rows
	var err error
	if len(numbers) == 1 {
		rs, err = s.lookup.stmt.QueryContext(ctx, numbers[0])
	} else {
		sqlDB, dbErr := s.db.DB()
		if dbErr != nil {
			return nil, dbErr
		}
		args := make([]any, len(numbers))
		for i, n := range numbers {
			args[i] = n
		}
		rs, err = sqlDB.QueryContext(ctx, lookupInSQL(len(numbers)), args...)
	}
	if err != nil {
		return nil, err
	}
	defer rs.Close()
	var out []Certificate
	for rs.Next() {
		var c Certificate
		var validUntil, nextReview sql.NullTime
		var history sql.NullString
		if err := rs.Scan(&c.ID, &c.Number, &c.Kind, &c.HolderName, &c.IDMasked, &c.IDSalt, &c.IDHash, &c.OperationItem,
			&c.IssuedOn, &validUntil, &nextReview, &c.State, &c.StateReason, &c.Issuer, &c.External, &c.Verified, &history); err != nil {
			return nil, err
		}
		if validUntil.Valid {
			c.ValidUntil = &validUntil.Time
		}
		if nextReview.Valid {
			c.NextReview = &nextReview.Time
		}
		c.PublicHistory = history.String
		out = append(out, c)
	}
	return out, rs.Err()
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
