package lecture

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/fault"
)

// Seat is who p is in a session's room: its trainer (who publishes), or a
// viewer with the connection the server reports events of.
type Seat struct {
	SessionID uint   `json:"session_id"`
	Role      string `json:"role"` // "trainer" or "viewer"
	ConnID    string `json:"conn_id,omitempty"`
	PersonID  uint   `json:"person_id,omitempty"`
	Name      string `json:"name"`
	Status    Status `json:"status"`
	ChatMuted bool   `json:"chat_muted"`
}

// The roles in a room.
const (
	RoleTrainer = "trainer"
	RoleViewer  = "viewer"
)

// CanJoin says whether p may enter session id's room now, without
// entering it: the trainer of the session (or the admin) as trainer while
// it is scheduled or live; a learner in its audience as viewer from
// JoinEarly before the start while it is scheduled or live, unless the
// trainer removed them or the room is full. Refusals are ErrNotFound,
// ErrNotLearner, ErrNotInAudience, ErrRemoved, ErrNotStarted, ErrEnded,
// ErrCancelled and ErrFull, each with its own code and Chinese message.
func (s *Store) CanJoin(ctx context.Context, p account.Principal, id uint) (Seat, error) {
	ses, err := s.forJoin(ctx, p, id)
	if err != nil {
		return Seat{}, err
	}
	return s.admit(s.db.WithContext(ctx), ctx, p, ses)
}

// forJoin loads session id for p to join: a learner gets the session
// whatever its audience, so that admit can say why they may not join;
// anyone else only a session they see (Get).
func (s *Store) forJoin(ctx context.Context, p account.Principal, id uint) (Session, error) {
	if p.Role != account.RoleLearner {
		v, err := s.Get(ctx, p, id)
		return v.Session, err
	}
	var ses Session
	if err := s.db.WithContext(ctx).First(&ses, id).Error; err != nil {
		return Session{}, asFault(notFound(err, ErrNotFound))
	}
	return ses, nil
}

// admit applies CanJoin's rules to ses, reading bans and seats through db.
func (s *Store) admit(db *gorm.DB, ctx context.Context, p account.Principal, ses Session) (Seat, error) {
	seat := Seat{SessionID: ses.ID, Status: ses.Status, ChatMuted: ses.ChatMuted, Name: p.Name}
	switch ses.Status {
	case StatusEnded:
		return Seat{}, ErrEnded
	case StatusCancelled:
		return Seat{}, ErrCancelled
	}
	if canManage(p, ses) {
		seat.Role = RoleTrainer
		return seat, nil
	}
	person, err := s.learner(ctx, p)
	if err != nil {
		return Seat{}, err
	}
	ents, err := audienceOf(db, ses.ID)
	if err != nil {
		return Seat{}, asFault(err)
	}
	if !ses.Includes(person, ents) {
		return Seat{}, ErrNotInAudience
	}
	var banned int64
	if err := db.Model(&ban{}).Where("session_id = ? AND person_id = ?", ses.ID, person.ID).Count(&banned).Error; err != nil {
		return Seat{}, asFault(err)
	}
	if banned > 0 {
		return Seat{}, ErrRemoved
	}
	if ses.Status == StatusScheduled && s.now().Before(ses.ScheduledAt.Add(-JoinEarly)) {
		return Seat{}, ErrNotStarted
	}
	var others int64
	if err := db.Model(&Connection{}).Where("session_id = ? AND left_at IS NULL AND person_id <> ?", ses.ID, person.ID).
		Distinct("person_id").Count(&others).Error; err != nil {
		return Seat{}, asFault(err)
	}
	if int(others) >= ses.Capacity {
		return Seat{}, ErrFull
	}
	seat.Role, seat.PersonID, seat.Name = RoleViewer, person.ID, person.Name
	return seat, nil
}

// Connect enters p into session id's room: CanJoin's rules, applied under
// the session's row lock so that concurrent joins cannot pass the
// capacity, and for a viewer a new connection whose ConnID the server
// reports events of. device is the browser's own device identifier. A
// second connection of the same person is let in; only one of them
// credits (see Credit). Errors are those of CanJoin, and ErrInvalid for a
// device over 64 characters.
func (s *Store) Connect(ctx context.Context, p account.Principal, id uint, device string) (Seat, error) {
	if _, err := s.forJoin(ctx, p, id); err != nil {
		return Seat{}, err
	}
	device = CleanText(device)
	if utf8.RuneCountInString(device) > 64 {
		return Seat{}, ErrInvalid.WithDetails(fault.Detail{Field: "device", Message: "设备标识过长"})
	}
	var seat Seat
	err := s.write(ctx, func(tx *gorm.DB) error {
		var ses Session
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		var err error
		if seat, err = s.admit(tx, ctx, p, ses); err != nil || seat.Role == RoleTrainer {
			return err
		}
		seat.ConnID = newConnID()
		return tx.Create(&Connection{SessionID: id, ConnID: seat.ConnID, PersonID: seat.PersonID, Device: device, JoinedAt: s.now()}).Error
	})
	if err != nil {
		return Seat{}, err
	}
	return seat, nil
}

func newConnID() string {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return hex.EncodeToString(b)
}

// MediaStarted records that media started reaching viewer connection
// connID of session id (the server saw it in the viewer's RTCP receiver
// reports). Reporting it again while it is receiving changes nothing. It
// returns ErrConnNotFound for an unknown or closed connection.
func (s *Store) MediaStarted(ctx context.Context, id uint, connID string) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		c, err := openConn(tx, id, connID)
		if err != nil {
			return err
		}
		var n int64
		if err := tx.Model(&mediaSpan{}).Where("connection_id = ? AND to_at IS NULL", c.ID).Count(&n).Error; err != nil || n > 0 {
			return err
		}
		return tx.Create(&mediaSpan{ConnectionID: c.ID, SessionID: id, FromAt: s.now()}).Error
	})
}

// MediaStopped records that media stopped reaching connection connID (no
// receiver report for a while, or the viewer's player stalled). Reporting
// it when not receiving changes nothing. ErrConnNotFound as MediaStarted.
func (s *Store) MediaStopped(ctx context.Context, id uint, connID string) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		c, err := openConn(tx, id, connID)
		if err != nil {
			return err
		}
		return tx.Model(&mediaSpan{}).Where("connection_id = ? AND to_at IS NULL", c.ID).Update("to_at", s.now()).Error
	})
}

// Disconnected records that connection connID left session id. Reporting
// it again changes nothing; an unknown connection is ErrConnNotFound.
func (s *Store) Disconnected(ctx context.Context, id uint, connID string) error {
	return s.write(ctx, func(tx *gorm.DB) error {
		var c Connection
		if err := tx.Where("session_id = ? AND conn_id = ?", id, connID).First(&c).Error; err != nil {
			return notFound(err, ErrConnNotFound)
		}
		if c.LeftAt != nil {
			return nil
		}
		return closeConns(tx, []Connection{c}, s.now())
	})
}

func openConn(tx *gorm.DB, id uint, connID string) (Connection, error) {
	var c Connection
	if err := tx.Where("session_id = ? AND conn_id = ? AND left_at IS NULL", id, connID).First(&c).Error; err != nil {
		return Connection{}, notFound(err, ErrConnNotFound)
	}
	return c, nil
}

// closeConns ends conns and their media at now.
func closeConns(tx *gorm.DB, conns []Connection, now time.Time) error {
	if len(conns) == 0 {
		return nil
	}
	ids := make([]uint, len(conns))
	for i, c := range conns {
		ids[i] = c.ID
	}
	if err := tx.Model(&mediaSpan{}).Where("connection_id IN ? AND to_at IS NULL", ids).Update("to_at", now).Error; err != nil {
		return err
	}
	return tx.Model(&Connection{}).Where("id IN ? AND left_at IS NULL", ids).Update("left_at", now).Error
}

// Viewer is one person in a room as the trainer's list shows them.
type Viewer struct {
	PersonID  uint   `json:"person_id"`
	Name      string `json:"name"`
	Devices   int    `json:"devices"`
	Receiving bool   `json:"receiving"`
}

// Viewers lists the people connected to session id now, for its trainer
// (or the admin): ErrForbidden for anyone else.
func (s *Store) Viewers(ctx context.Context, p account.Principal, id uint) ([]Viewer, error) {
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return nil, err
	}
	if !canManage(p, v.Session) {
		return nil, ErrForbidden
	}
	type row struct {
		PersonID  uint
		Devices   int
		Receiving int
	}
	var rows []row
	err = s.db.WithContext(ctx).Model(&Connection{}).
		Select("lecture_connections.person_id, COUNT(DISTINCT lecture_connections.id) AS devices, COUNT(lecture_media.id) AS receiving").
		Joins("LEFT JOIN lecture_media ON lecture_media.connection_id = lecture_connections.id AND lecture_media.to_at IS NULL").
		Where("lecture_connections.session_id = ? AND lecture_connections.left_at IS NULL", id).
		Group("lecture_connections.person_id").Order("lecture_connections.person_id").Scan(&rows).Error
	if err != nil {
		return nil, asFault(err)
	}
	out := make([]Viewer, 0, len(rows))
	for _, r := range rows {
		name := ""
		if person, err := s.opt.Person(ctx, r.PersonID); err == nil {
			name = person.Name
		}
		out = append(out, Viewer{PersonID: r.PersonID, Name: name, Devices: r.Devices, Receiving: r.Receiving > 0})
	}
	return out, nil
}

// ViewerCount is how many people are connected to session id now.
func (s *Store) ViewerCount(ctx context.Context, id uint) (int, error) {
	var n int64
	err := s.db.WithContext(ctx).Model(&Connection{}).Where("session_id = ? AND left_at IS NULL", id).Distinct("person_id").Count(&n).Error
	return int(n), asFault(err)
}

// EndResult is what ending a session did.
type EndResult struct {
	View
	// Credited is how many viewers the ledger was credited for by this
	// call; Already is set when the session had ended before it.
	Credited int  `json:"credited"`
	Already  bool `json:"already"`
}

// End ends live session id (its trainer or the admin) and credits every
// viewer, in one transaction: the open connections are closed, each
// viewer's outcome (Credit) goes into lecture_attendance, whose primary
// key (session, person) lets it be written once, and into the training
// ledger with its exclusions. Ending an ended session credits nothing
// again (Already). It returns ErrWrongStatus for a session that is not
// live, and the errors of Get.
func (s *Store) End(ctx context.Context, p account.Principal, id uint) (EndResult, error) {
	cur, err := s.Get(ctx, p, id)
	if err != nil {
		return EndResult{}, err
	}
	if !canManage(p, cur.Session) {
		return EndResult{}, ErrForbidden
	}
	return s.end(ctx, p, id)
}

func (s *Store) end(ctx context.Context, p account.Principal, id uint) (EndResult, error) {
	var res EndResult
	var ses Session
	err := s.write(ctx, func(tx *gorm.DB) error {
		res = EndResult{}
		if err := forUpdate(tx).First(&ses, id).Error; err != nil {
			return notFound(err, ErrNotFound)
		}
		switch ses.Status {
		case StatusEnded:
			res.Already = true
			return nil
		case StatusLive:
		default:
			return ErrWrongStatus
		}
		before := statusView(ses)
		now := s.now()
		ses.Status, ses.EndedAt = StatusEnded, &now
		if err := tx.Save(&ses).Error; err != nil {
			return err
		}
		var open []Connection
		if err := tx.Where("session_id = ? AND left_at IS NULL", id).Find(&open).Error; err != nil {
			return err
		}
		if err := closeConns(tx, open, now); err != nil {
			return err
		}
		outs, nChecks, err := outcomes(tx, ses, now)
		if err != nil {
			return err
		}
		for _, pid := range sortedKeys(outs) {
			if err := s.credit(ctx, tx, ses, pid, outs[pid], nChecks, now); err != nil {
				return err
			}
			res.Credited++
		}
		return record(tx, p, "live.end", id, before, map[string]any{"status": ses.Status, "ended_at": now, "credited": res.Credited})
	})
	if err != nil {
		return EndResult{}, err
	}
	v, err := s.view(ctx, ses)
	res.View = v
	return res, err
}

// credit writes one viewer's attendance row and ledger entries.
func (s *Store) credit(ctx context.Context, tx *gorm.DB, ses Session, pid uint, o Outcome, nChecks int, now time.Time) error {
	person, err := s.opt.Person(ctx, pid)
	if err != nil && fault.As(err).Kind != fault.NotFound {
		return err
	}
	ex := o.Excluded()
	a := Attendance{SessionID: ses.ID, PersonID: pid, Name: clipText(person.Name, 50), EnterpriseID: person.EnterpriseID,
		EnterpriseName: clipText(person.EnterpriseName, 200), IDMasked: clipText(person.IDMasked, 32),
		FirstJoin: o.FirstJoin.UTC(), LastLeave: o.LastLeave.UTC(), ConnectedMS: o.Connected.Milliseconds(),
		ReceivingMS: o.Receiving.Milliseconds(), CreditedMS: o.Credited.Milliseconds(),
		NoMediaMS: ex[course.ReasonNoMedia].Milliseconds(), MissedCheckMS: ex[course.ReasonMissedCheck].Milliseconds(),
		SecondDevMS: ex[course.ReasonSecondDevice].Milliseconds(), MissedChecks: o.MissedChecks, Checks: nChecks, CreatedAt: now}
	if a.LastLeave.IsZero() {
		a.LastLeave = now
	}
	// The primary key decides: a second crediting of this viewer fails
	// here and rolls the whole transaction back.
	if err := tx.Create(&a).Error; err != nil {
		return err
	}
	c := course.LiveCredit{PersonID: pid, SessionID: LedgerID(ses.ID, pid), CourseID: ses.CourseID, Category: ses.Category, Start: *ses.StartedAt}
	for _, sp := range o.CreditedSpans {
		c.Credited = append(c.Credited, course.LiveSpan{From: sp.From, To: sp.To})
	}
	for _, e := range o.Exclusions {
		c.Excluded = append(c.Excluded, course.LiveExclusion{Reason: e.Reason, From: e.Span.From, To: e.Span.To, WallMS: e.Wall.Milliseconds()})
	}
	return s.opt.Ledger(tx, c)
}

// LedgerID is the ledger's session ID of a viewer's credit for a lecture:
// "live-<session>-<person>", at most 26 characters.
func LedgerID(sessionID, personID uint) string {
	return "live-" + strconv.FormatUint(uint64(sessionID), 10) + "-" + strconv.FormatUint(uint64(personID), 10)
}

// outcomes computes every viewer's outcome of ses up to until (its end, or
// now while live) from the logs, and how many presence checks it had.
func outcomes(db *gorm.DB, ses Session, until time.Time) (map[uint]Outcome, int, error) {
	out := map[uint]Outcome{}
	if ses.StartedAt == nil {
		return out, 0, nil
	}
	window := Span{From: *ses.StartedAt, To: until}
	if ses.EndedAt != nil && ses.EndedAt.Before(until) {
		window.To = *ses.EndedAt
	}
	var conns []Connection
	if err := db.Where("session_id = ?", ses.ID).Order("id").Find(&conns).Error; err != nil {
		return nil, 0, err
	}
	var spans []mediaSpan
	if err := db.Where("session_id = ?", ses.ID).Order("id").Find(&spans).Error; err != nil {
		return nil, 0, err
	}
	var checks []presenceCheck
	if err := db.Where("session_id = ? AND issued_at <= ?", ses.ID, window.To).Order("issued_at").Find(&checks).Error; err != nil {
		return nil, 0, err
	}
	var answers []checkAnswer
	if err := db.Where("session_id = ?", ses.ID).Find(&answers).Error; err != nil {
		return nil, 0, err
	}
	byConn := map[uint][]Span{}
	for _, m := range spans {
		sp := Span{From: m.FromAt}
		if m.ToAt != nil {
			sp.To = *m.ToAt
		}
		byConn[m.ConnectionID] = append(byConn[m.ConnectionID], sp)
	}
	perPerson := map[uint][]Conn{}
	for _, c := range conns {
		cc := Conn{ID: c.ConnID, Joined: c.JoinedAt, Receiving: byConn[c.ID]}
		if c.LeftAt != nil {
			cc.Left = *c.LeftAt
		}
		perPerson[c.PersonID] = append(perPerson[c.PersonID], cc)
	}
	cs := make([]Check, len(checks))
	for i, c := range checks {
		cs[i] = Check{ID: c.ID, Issued: c.IssuedAt, Deadline: c.Deadline}
	}
	answered := map[uint]map[uint]time.Time{}
	for _, a := range answers {
		if answered[a.PersonID] == nil {
			answered[a.PersonID] = map[uint]time.Time{}
		}
		answered[a.PersonID][a.CheckID] = a.AnsweredAt
	}
	for pid, pc := range perPerson {
		// A check whose deadline is still ahead is not missed yet.
		var due []Check
		for _, c := range cs {
			if !c.Deadline.After(until) {
				due = append(due, c)
			}
		}
		out[pid] = Credit(window, pc, due, answered[pid])
	}
	return out, len(cs), nil
}

func sortedKeys(m map[uint]Outcome) []uint {
	keys := make([]uint, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// EndOverdue ends, as anpei itself, every session still live an hour
// after its planned end (the trainer's browser closed without ending it),
// crediting its viewers. It returns how many it ended.
func (s *Store) EndOverdue(ctx context.Context) (int, error) {
	var live []Session
	if err := s.db.WithContext(ctx).Where("status = ?", StatusLive).Find(&live).Error; err != nil {
		return 0, asFault(err)
	}
	n := 0
	now := s.now()
	for _, ses := range live {
		start := ses.ScheduledAt
		if ses.StartedAt != nil && ses.StartedAt.After(start) {
			start = *ses.StartedAt
		}
		if now.Before(start.Add(time.Duration(ses.Minutes)*time.Minute + overdueGrace)) {
			continue
		}
		res, err := s.end(ctx, account.System(), ses.ID)
		if err != nil {
			return n, err
		}
		if !res.Already {
			n++
		}
	}
	return n, nil
}

// MyAttendance is what a learner sees of their own attendance: final once
// the session ended, provisional while it is live.
type MyAttendance struct {
	SessionID       uint            `json:"session_id"`
	Final           bool            `json:"final"`
	ReceivingMS     int64           `json:"receiving_ms"`
	CreditedMS      int64           `json:"credited_ms"`
	CreditedMinutes int             `json:"credited_minutes"`
	MissedChecks    int             `json:"missed_checks"`
	Excluded        []ExcludedTotal `json:"excluded"`
}

// ExcludedTotal is time not credited for one reason.
type ExcludedTotal struct {
	Reason course.Reason `json:"reason"`
	Label  string        `json:"label"`
	MS     int64         `json:"ms"`
}

// MyAttendance returns learner p's attendance of session id. It returns
// ErrNotLearner for anyone but a learner and ErrNotFound for a session
// they do not see.
func (s *Store) MyAttendance(ctx context.Context, p account.Principal, id uint) (MyAttendance, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return MyAttendance{}, ErrNotLearner
	}
	v, err := s.Get(ctx, p, id)
	if err != nil {
		return MyAttendance{}, err
	}
	out := MyAttendance{SessionID: id, Excluded: []ExcludedTotal{}}
	if v.Status == StatusEnded {
		var a Attendance
		err := s.db.WithContext(ctx).Where("session_id = ? AND person_id = ?", id, p.PersonID).First(&a).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			out.Final = true
			return out, nil
		}
		if err != nil {
			return MyAttendance{}, asFault(err)
		}
		out.Final, out.ReceivingMS, out.CreditedMS, out.MissedChecks = true, a.ReceivingMS, a.CreditedMS, a.MissedChecks
		out.Excluded = excludedTotals(map[course.Reason]int64{course.ReasonNoMedia: a.NoMediaMS,
			course.ReasonMissedCheck: a.MissedCheckMS, course.ReasonSecondDevice: a.SecondDevMS})
	} else {
		outs, _, err := outcomes(s.db.WithContext(ctx), v.Session, s.now())
		if err != nil {
			return MyAttendance{}, asFault(err)
		}
		o := outs[p.PersonID]
		out.ReceivingMS, out.CreditedMS, out.MissedChecks = o.Receiving.Milliseconds(), o.Credited.Milliseconds(), o.MissedChecks
		ms := map[course.Reason]int64{}
		for r, d := range o.Excluded() {
			ms[r] = d.Milliseconds()
		}
		out.Excluded = excludedTotals(ms)
	}
	out.CreditedMinutes = int(out.CreditedMS / time.Minute.Milliseconds())
	return out, nil
}

func excludedTotals(ms map[course.Reason]int64) []ExcludedTotal {
	out := []ExcludedTotal{}
	for _, r := range []course.Reason{course.ReasonNoMedia, course.ReasonMissedCheck, course.ReasonSecondDevice} {
		if ms[r] > 0 {
			out = append(out, ExcludedTotal{Reason: r, Label: r.Label(), MS: ms[r]})
		}
	}
	return out
}

// clipText cuts s to at most n characters.
func clipText(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n])
}
