package course

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
	"anpei/db"
	"anpei/fault"
)

// PlaybackStart is what the player gets when it opens a lesson: the session
// and nonce that sign its heartbeats, and where the learner stands.
type PlaybackStart struct {
	ID              string     `json:"id"`
	Nonce           string     `json:"nonce"` // hex; keys the heartbeat tokens (see Sign)
	LessonID        uint       `json:"lesson_id"`
	DurationMS      int64      `json:"duration_ms"`
	Covered         [][2]int64 `json:"covered"` // credited parts of the lesson, ms
	CreditedMS      int64      `json:"credited_ms"`
	CreditedTodayMS int64      `json:"credited_today_ms"`
	DailyCapMS      int64      `json:"daily_cap_ms"`
	HeartbeatMS     int64      `json:"heartbeat_ms"` // how often to send heartbeats
	MaxRate         float64    `json:"max_rate"`
}

// HeartbeatInterval is how often the player sends a heartbeat while
// playing.
const HeartbeatInterval = 15 * time.Second

// ChallengeView is a presence challenge as the player shows it: tap the
// number shown among the options.
type ChallengeView struct {
	ID        string   `json:"id"`
	Code      string   `json:"code"`
	Options   []string `json:"options"`
	TimeoutMS int64    `json:"timeout_ms"`
}

// ExcludedView is one excluded stretch, for the learner.
type ExcludedView struct {
	Reason Reason `json:"reason"`
	Label  string `json:"label"`
	WallMS int64  `json:"wall_ms"`
	SegMS  int64  `json:"segment_ms"`
}

// BeatResult is what a heartbeat did, for the player.
type BeatResult struct {
	Accepted        bool           `json:"accepted"`
	CreditedMS      int64          `json:"credited_ms"`        // by this heartbeat
	LessonCredited  int64          `json:"lesson_credited_ms"` // of the lesson, in all sessions
	DurationMS      int64          `json:"duration_ms"`
	Completed       bool           `json:"completed"`
	CreditedTodayMS int64          `json:"credited_today_ms"`
	DailyCapMS      int64          `json:"daily_cap_ms"`
	Superseded      bool           `json:"superseded"`
	Challenge       *ChallengeView `json:"challenge"`
	Excluded        []ExcludedView `json:"excluded"`
}

// StartPlayback opens a playback session of lesson id for a learner and
// makes it the one session that may credit them: any other open session of
// theirs (another device, another tab) credits nothing from now on.
func (s *Store) StartPlayback(ctx context.Context, p account.Principal, lessonID uint) (PlaybackStart, error) {
	learner, err := s.learnerOf(ctx, p)
	if err != nil {
		return PlaybackStart{}, err
	}
	l, v, err := s.LessonFor(ctx, p, lessonID)
	if err != nil {
		return PlaybackStart{}, err
	}
	if v.Status != StatusPublished {
		return PlaybackStart{}, ErrLessonRetired
	}
	// The person's state row exists before the transaction locks it: a
	// locking read of a missing row takes a gap lock on MySQL, and
	// learners opening their first lesson together would deadlock.
	if err := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&WatchState{PersonID: learner.PersonID}).Error; err != nil {
		return PlaybackStart{}, asFault(err)
	}
	var out PlaybackStart
	var previous string
	defer func() { s.beats.forget(previous) }()
	err = s.write(ctx, func(tx *gorm.DB) error {
		now := s.now()
		st, err := lockState(tx, learner.PersonID)
		if err != nil {
			return err
		}
		// The previous active session first writes what it holds back,
		// which may be this lesson's coverage.
		next, err := carryOver(tx, st.ActiveSession, now)
		if err != nil {
			return err
		}
		previous = st.ActiveSession
		pr, err := loadProgress(tx, learner.PersonID, l.ContentKey)
		if err != nil {
			return err
		}
		covered, err := decodeCovered(pr.Covered)
		if err != nil {
			return err
		}
		today, err := creditedOn(tx, learner.PersonID, ChinaDay(now))
		if err != nil {
			return err
		}
		nonce := make([]byte, 32)
		if _, err := hex.Decode(nonce, []byte(randomHex(32))); err != nil {
			return err
		}
		sess, err := NewSession(s.opt.Policy, SessionInput{
			ID: randomHex(16), PersonID: learner.PersonID, LessonID: l.ID, Duration: l.Duration(),
			Covered: covered, CreditedToday: today, Nonce: nonce, NextChallengeAt: next,
		}, now)
		if err != nil {
			return err
		}
		setup, err := encodeSetup(sess)
		if err != nil {
			return err
		}
		state, err := encodeState(sess)
		if err != nil {
			return err
		}
		row := Playback{ID: sess.ID, PersonID: learner.PersonID, LessonID: l.ID, ContentKey: l.ContentKey,
			CourseID: v.CourseID, VersionID: v.ID, Category: v.Category, Setup: setup, State: state, StartedAt: now, UpdatedAt: now}
		if err := tx.Create(&row).Error; err != nil {
			return err
		}
		if err := tx.Model(&WatchState{}).Where("person_id = ?", learner.PersonID).Update("active_session", sess.ID).Error; err != nil {
			return err
		}
		out = PlaybackStart{ID: sess.ID, Nonce: hex.EncodeToString(nonce), LessonID: l.ID, DurationMS: l.DurationMS,
			Covered: msIntervals(sess.Covered), CreditedMS: sess.Covered.Total().Milliseconds(),
			CreditedTodayMS: today.Milliseconds(), DailyCapMS: s.opt.Policy.DailyCap.Milliseconds(),
			HeartbeatMS: HeartbeatInterval.Milliseconds(), MaxRate: s.opt.Policy.MaxRate}
		return nil
	})
	return out, err
}

// creditedOn returns the online time credited to a person on a China-time
// day, for the daily cap of a new session.
func creditedOn(tx *gorm.DB, personID uint, day string) (time.Duration, error) {
	var ms int64
	err := tx.Model(&CreditEntry{}).Select("COALESCE(SUM(ms), 0)").
		Where("person_id = ? AND day = ? AND online = ?", personID, day, true).Scan(&ms).Error
	return time.Duration(ms) * time.Millisecond, err
}

// carryOver hands the person's previous active session over to the new
// one and returns when the previous session would have put its next
// presence challenge: a new session (the next lesson, a reload, another
// device) keeps that schedule, and a challenge left unanswered is put
// again at once. What the previous session holds back — coverage not yet
// in lesson_progress, short stalls not yet in the ledger — is written now,
// since its heartbeats may never come again (only the active session holds
// anything back; see saveBeat).
func carryOver(tx *gorm.DB, sessionID string, now time.Time) (time.Time, error) {
	if sessionID == "" {
		return time.Time{}, nil
	}
	// A locking read: a batch of heartbeats (see beatBatch) writes the row
	// without the person's lock, and what it wrote must be what is read.
	var row Playback
	if err := forUpdate(tx).Select("id, person_id, lesson_id, content_key, setup, state").Where("id = ?", sessionID).Limit(1).Find(&row).Error; err != nil || row.State == "" {
		return time.Time{}, err
	}
	prev, err := decodeSession(row.ID, row.PersonID, row.LessonID, row.Setup, row.State)
	if err != nil {
		return time.Time{}, err
	}
	// The session's row first, then the ledger and the coverage, in the
	// order a batch of heartbeats (see beatBatch) locks them. Its version
	// changes in any case: the session is superseded now, and a heartbeat
	// that read it before must not write it.
	e, stalled := prev.TakeStall()
	var coverage *Progress
	if prev.Unsaved > 0 {
		pr, err := coverageRow(row, prev, now)
		if err != nil {
			return time.Time{}, err
		}
		coverage, prev.Unsaved = &pr, 0
	}
	if stalled || coverage != nil {
		setup, state, err := encodeFor(row, prev)
		if err != nil {
			return time.Time{}, err
		}
		if err := tx.Model(&Playback{}).Where("id = ?", row.ID).UpdateColumns(sessionColumns(setup, state)).Error; err != nil {
			return time.Time{}, err
		}
	} else if err := tx.Exec("UPDATE playback_sessions SET version = version + 1 WHERE id = ?", row.ID).Error; err != nil {
		return time.Time{}, err
	}
	if stalled {
		if err := insertExclusions(tx, row, []LedgerExclusion{e}); err != nil {
			return time.Time{}, err
		}
	}
	if coverage != nil {
		if err := tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(coverage).Error; err != nil {
			return time.Time{}, err
		}
	}
	if prev.Pending.ID != "" && prev.Pending.AnsweredAt.IsZero() {
		return prev.Pending.IssuedAt, nil
	}
	return prev.NextChallengeAt, nil
}

// coverageRow is the lesson_progress row of session row's coverage.
func coverageRow(row Playback, sess *Session, now time.Time) (Progress, error) {
	covered, err := json.Marshal(msIntervals(sess.Covered))
	if err != nil {
		return Progress{}, err
	}
	return Progress{PersonID: row.PersonID, ContentKey: row.ContentKey, Covered: string(covered),
		CreditedMS: sess.Covered.Total().Milliseconds(), DurationMS: sess.Duration.Milliseconds(), Completed: complete(sess), UpdatedAt: now}, nil
}

// liveProgress returns the coverage of the person's active playback
// session, as lesson_progress will hold it once the session writes it: the
// stored row may lag the active session by a few heartbeats (see
// saveBeat), and the session's coverage always contains the stored row's.
// ok is false when the person has no active session.
func liveProgress(tx *gorm.DB, personID uint) (pr Progress, ok bool, err error) {
	var row struct {
		ID         string
		LessonID   uint
		ContentKey string
		Setup      string
		State      string
	}
	err = tx.Table("watch_states").Select("playback_sessions.id, playback_sessions.lesson_id, playback_sessions.content_key, playback_sessions.setup, playback_sessions.state").
		Joins("JOIN playback_sessions ON playback_sessions.id = watch_states.active_session").
		Where("watch_states.person_id = ?", personID).Limit(1).Scan(&row).Error
	if err != nil || row.State == "" {
		return Progress{}, false, err
	}
	sess, err := decodeSession(row.ID, personID, row.LessonID, row.Setup, row.State)
	if err != nil {
		return Progress{}, false, err
	}
	return Progress{PersonID: personID, ContentKey: row.ContentKey, CreditedMS: sess.Covered.Total().Milliseconds(),
		DurationMS: sess.Duration.Milliseconds(), Completed: complete(sess)}, true, nil
}

// bufferedStall returns the stall time buffered in the person's active
// session (see SettleStall) and when it was last excluded, for
// summaries of the ledger; zero if none.
func bufferedStall(tx *gorm.DB, personID uint, session string) (StallBuffer, error) {
	var state string
	q := tx.Table("watch_states").Select("playback_sessions.state").
		Joins("JOIN playback_sessions ON playback_sessions.id = watch_states.active_session").
		Where("watch_states.person_id = ?", personID)
	if session != "" {
		q = q.Where("playback_sessions.id = ?", session)
	}
	if err := q.Limit(1).Scan(&state).Error; err != nil || state == "" {
		return StallBuffer{}, err
	}
	var sess Session
	if err := json.Unmarshal([]byte(state), &sess); err != nil {
		return StallBuffer{}, err
	}
	return sess.Stall, nil
}

// lockState returns the person's watch state (StartPlayback creates it
// beforehand), locked for the rest of the transaction.
func lockState(tx *gorm.DB, personID uint) (WatchState, error) {
	var st WatchState
	err := forUpdate(tx).Where("person_id = ?", personID).First(&st).Error
	return st, err
}

func loadProgress(tx *gorm.DB, personID uint, key string) (Progress, error) {
	var pr Progress
	err := tx.Where("person_id = ? AND content_key = ?", personID, key).Limit(1).Find(&pr).Error
	if pr.PersonID == 0 {
		pr = Progress{PersonID: personID, ContentKey: key, Covered: "[]"}
	}
	return pr, err
}

func decodeCovered(s string) (Intervals, error) {
	var ms [][2]int64
	if s == "" {
		return nil, nil
	}
	if err := json.Unmarshal([]byte(s), &ms); err != nil {
		return nil, err
	}
	ivs := make([]Interval, 0, len(ms))
	for _, m := range ms {
		ivs = append(ivs, Interval{time.Duration(m[0]) * time.Millisecond, time.Duration(m[1]) * time.Millisecond})
	}
	return NewIntervals(ivs...), nil
}

func msIntervals(s Intervals) [][2]int64 {
	out := make([][2]int64, 0, len(s))
	for _, iv := range s {
		out = append(out, [2]int64{iv.Start.Milliseconds(), iv.End.Milliseconds()})
	}
	return out
}

// loadPlayback loads session id of a person and locks it together with
// the person's watch state in one statement; a session of someone else is
// not found. A session that is no longer the person's active one is
// marked superseded.
func (s *Store) loadPlayback(tx *gorm.DB, personID uint, id string) (Playback, *Session, error) {
	// One plain row scan of the columns a heartbeat or an answer needs.
	// On MySQL the person's state row is locked first, then the session,
	// in the order StartPlayback locks them (its state row, then the
	// previous session's row, see carryOver), so the two never deadlock.
	// SQLite's immediate transactions already serialize writers.
	join, lock := "JOIN", ""
	if tx.Dialector.Name() == "mysql" {
		join, lock = "STRAIGHT_JOIN", " FOR UPDATE"
	}
	var row Playback
	var active string
	err := tx.Raw("SELECT p.id, p.person_id, p.lesson_id, p.content_key, p.course_id, p.version_id, p.category, p.setup, p.state, w.active_session "+
		"FROM watch_states w "+join+" playback_sessions p ON p.person_id = w.person_id "+
		"WHERE w.person_id = ? AND p.id = ? LIMIT 1"+lock, personID, id).Row().
		Scan(&row.ID, &row.PersonID, &row.LessonID, &row.ContentKey, &row.CourseID, &row.VersionID, &row.Category, &row.Setup, &row.State, &active)
	if errors.Is(err, sql.ErrNoRows) {
		return Playback{}, nil, ErrPlaybackNotFound
	}
	if err != nil {
		return Playback{}, nil, err
	}
	sess, err := decodeSession(row.ID, row.PersonID, row.LessonID, row.Setup, row.State)
	if err != nil {
		return Playback{}, nil, err
	}
	if active != sess.ID && !sess.Superseded {
		Supersede(sess)
	}
	return row, sess, nil
}

// Heartbeat accounts for a heartbeat of session id, in one transaction
// that holds the person's watch-state row: the session, the lesson's
// coverage, the day's count, and the ledger's new credits and exclusions
// change together or not at all. A refused heartbeat (replayed, forged,
// reordered) changes nothing but is itself recorded as an exclusion, and
// answers ErrHeartbeatRefused.
//
// Most heartbeats are accepted and take the short way (fastBeat): the
// session as this server last wrote it, checked and written in a batch
// with other learners' heartbeats. The rest take the long way described
// above (lockedBeat).
func (s *Store) Heartbeat(ctx context.Context, p account.Principal, id string, hb Heartbeat) (BeatResult, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return BeatResult{}, ErrNotLearner
	}
	if out, ok := s.fastBeat(ctx, p, id, hb); ok {
		return out, nil
	}
	return s.lockedBeat(ctx, p, id, hb)
}

// lockedBeat is Heartbeat in the transaction that holds the person's
// watch state and the session's row.
func (s *Store) lockedBeat(ctx context.Context, p account.Principal, id string, hb Heartbeat) (BeatResult, error) {
	defer s.beats.forget(id)
	var out BeatResult
	err := s.write(ctx, func(tx *gorm.DB) error {
		now := s.now()
		row, sess, err := s.loadPlayback(tx, p.PersonID, id)
		if err != nil {
			return err
		}
		res, err := sess.Heartbeat(hb, now)
		if err != nil {
			return err
		}
		if !res.Accepted {
			out = BeatResult{Accepted: false, Excluded: excludedViews(res.Excluded)}
			return tx.Create(&ExclusionEntry{PersonID: p.PersonID, Day: ChinaDay(now), SessionID: row.ID,
				LessonID: row.LessonID, Reason: ReasonReplay, At: now}).Error
		}
		var challenge *ChallengeView
		if cid, due := sess.Challenge(now, s.opt.Rand); due {
			challenge = challengeView(sess, cid)
		}
		credited, err := s.saveBeat(tx, now, row, sess, res, hb.Playing)
		if err != nil {
			return err
		}
		out = BeatResult{Accepted: true, CreditedMS: credited, LessonCredited: sess.Covered.Total().Milliseconds(),
			DurationMS: sess.Duration.Milliseconds(), Completed: complete(sess),
			CreditedTodayMS: sess.CreditedToday.Milliseconds(), DailyCapMS: s.opt.Policy.DailyCap.Milliseconds(),
			Superseded: sess.Superseded, Challenge: challenge, Excluded: excludedViews(res.Excluded)}
		return nil
	})
	if err != nil {
		return BeatResult{}, err
	}
	if !out.Accepted {
		return out, ErrHeartbeatRefused
	}
	return out, nil
}

// complete reports whether all of the lesson is credited but for the
// jitter the engine may still carry as lag at the end.
func complete(s *Session) bool {
	return s.Duration-s.Covered.Total() <= s.Policy.Tolerance+time.Second
}

// saveBeat persists what an accepted heartbeat did and returns the time it
// credited in ms (see planBeat), in the transaction that holds the
// session's row.
func (s *Store) saveBeat(tx *gorm.DB, now time.Time, row Playback, sess *Session, res Result, playing bool) (int64, error) {
	w, credited, err := planBeat(now, row, sess, res, playing)
	if err != nil {
		return 0, err
	}
	if err := w.writeLedger(tx); err != nil {
		return 0, err
	}
	cols := sessionColumns(w.setup, w.state)
	cols["updated_at"] = now
	return credited, tx.Model(&Playback{}).Where("id = ?", row.ID).UpdateColumns(cols).Error
}

// beatWrite is what an accepted heartbeat writes: the ledger's new credits
// and exclusions, now and then the lesson's coverage, and the session's
// new state, which replaces the state of version version.
type beatWrite struct {
	row      Playback
	credits  []CreditEntry
	excluded []LedgerExclusion
	coverage *Progress
	setup    string // for a row of the old format only (see encodeFor)
	state    string
	at       time.Time
	version  int64
}

// planBeat works out what an accepted heartbeat writes and the time it
// credited in ms: the new credits and exclusions (short stalls kept in the
// session, see SettleStall), the session, and now and then the lesson's
// coverage. While a session is the person's active one its Covered is the
// truth about the lesson (no other session can credit, and readers take
// the active session's coverage: see liveProgress), so the coverage row is
// written only every SaveCoverageEvery crediting heartbeats, when the
// player pauses or stops, when the lesson is complete, and when another
// session takes over (carryOver).
func planBeat(now time.Time, row Playback, sess *Session, res Result, playing bool) (beatWrite, int64, error) {
	w := beatWrite{row: row, at: now, version: row.Version}
	var credited int64
	w.credits = make([]CreditEntry, 0, len(res.Credited))
	for _, c := range res.Credited {
		ms := c.Segment.Len().Milliseconds()
		credited += ms
		w.credits = append(w.credits, CreditEntry{PersonID: row.PersonID, Online: true, Category: row.Category, Day: c.Day,
			CourseID: row.CourseID, LessonID: row.LessonID, SessionID: row.ID,
			SegStart: c.Segment.Start.Milliseconds(), SegEnd: c.Segment.End.Milliseconds(),
			FromAt: c.From.UTC(), ToAt: c.To.UTC(), MS: ms, CreatedAt: now})
	}
	w.excluded = sess.SettleStall(res.Excluded, now, playing)
	if credited > 0 {
		sess.Unsaved++
	}
	if sess.Unsaved > 0 && (sess.Unsaved >= SaveCoverageEvery || !playing || complete(sess)) {
		pr, err := coverageRow(row, sess, now)
		if err != nil {
			return beatWrite{}, 0, err
		}
		w.coverage = &pr
		sess.Unsaved = 0
	}
	var err error
	if w.setup, w.state, err = encodeFor(row, sess); err != nil {
		return beatWrite{}, 0, err
	}
	return w, credited, nil
}

// writeLedger writes w's credits, exclusions and coverage.
func (w *beatWrite) writeLedger(tx *gorm.DB) error {
	if err := insertCredits(tx, w.credits); err != nil {
		return err
	}
	if err := insertExclusions(tx, w.row, w.excluded); err != nil {
		return err
	}
	if w.coverage != nil {
		return tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(w.coverage).Error
	}
	return nil
}

// SaveCoverageEvery is how many crediting heartbeats of the active session
// (a minute's worth) may pass before its coverage is written to
// lesson_progress.
const SaveCoverageEvery = 4

// insertCredits appends rows to the ledger in one statement.
func insertCredits(tx *gorm.DB, rows []CreditEntry) error {
	if len(rows) == 0 {
		return nil
	}
	st := creditsStmt(rows)
	_, err := rawExec(tx, st.SQL, st.Args...)
	return err
}

// creditsStmt is the INSERT of insertCredits.
func creditsStmt(rows []CreditEntry) db.Stmt {
	const cols = "(`person_id`, `online`, `category`, `day`, `course_id`, `lesson_id`, `session_id`, `seg_start`, `seg_end`, `offline_id`, `from_at`, `to_at`, `ms`, `created_at`)"
	args := make([]any, 0, 14*len(rows))
	for _, c := range rows {
		args = append(args, c.PersonID, c.Online, c.Category, c.Day, c.CourseID, c.LessonID, c.SessionID,
			c.SegStart, c.SegEnd, c.OfflineID, c.FromAt, c.ToAt, c.MS, c.CreatedAt)
	}
	return db.Stmt{SQL: "INSERT INTO training_credits " + cols + " VALUES " + placeholders(len(rows), 14), Args: args}
}

// insertExclusions writes the exclusions of session row to the ledger in
// one statement.
func insertExclusions(tx *gorm.DB, row Playback, ex []LedgerExclusion) error {
	return insertExclusionsOf(tx, []Playback{row}, [][]LedgerExclusion{ex})
}

// insertExclusionsOf writes the exclusions ex[i] of session rows[i], for
// every i, in one statement.
func insertExclusionsOf(tx *gorm.DB, rows []Playback, ex [][]LedgerExclusion) error {
	st, ok := exclusionsStmt(rows, ex)
	if !ok {
		return nil
	}
	_, err := rawExec(tx, st.SQL, st.Args...)
	return err
}

// exclusionsStmt is the INSERT of insertExclusionsOf; ok is false when
// there is nothing to insert.
func exclusionsStmt(rows []Playback, ex [][]LedgerExclusion) (st db.Stmt, ok bool) {
	n := 0
	for _, e := range ex {
		n += len(e)
	}
	if n == 0 {
		return db.Stmt{}, false
	}
	const cols = "(`person_id`, `day`, `session_id`, `lesson_id`, `reason`, `seg_start`, `seg_end`, `wall_ms`, `at`)"
	args := make([]any, 0, 9*n)
	for i, row := range rows {
		for _, e := range ex[i] {
			args = append(args, row.PersonID, e.Day, row.ID, row.LessonID, string(e.Reason),
				e.Segment.Start.Milliseconds(), e.Segment.End.Milliseconds(), e.Wall.Milliseconds(), e.At.UTC())
		}
	}
	return db.Stmt{SQL: "INSERT INTO watch_exclusions " + cols + " VALUES " + placeholders(n, 9), Args: args}, true
}

// placeholders returns n groups of k "?" for a multi-row INSERT.
func placeholders(n, k int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j := range k {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteByte('?')
		}
		b.WriteByte(')')
	}
	return b.String()
}

// Answer records the learner's answer to a presence challenge: the code
// they tapped must be the one shown.
func (s *Store) Answer(ctx context.Context, p account.Principal, id, challengeID, code string) error {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return ErrNotLearner
	}
	defer s.beats.forget(id)
	return s.write(ctx, func(tx *gorm.DB) error {
		now := s.now()
		row, sess, err := s.loadPlayback(tx, p.PersonID, id)
		if err != nil {
			return err
		}
		if sess.Pending.ID != challengeID {
			return ErrUnknownChallenge
		}
		if !hmac.Equal([]byte(challengeCode(sess, challengeID)), []byte(code)) {
			return ErrWrongAnswer
		}
		if err := sess.Answer(challengeID, now); err != nil {
			return err
		}
		setup, state, err := encodeFor(row, sess)
		if err != nil {
			return err
		}
		cols := sessionColumns(setup, state)
		cols["updated_at"] = now
		return tx.Model(&Playback{}).Where("id = ?", row.ID).UpdateColumns(cols).Error
	})
}

// challengeCode is the two-digit number a challenge asks the learner to
// tap, derived from the session's nonce like the challenge ID.
func challengeCode(sess *Session, id string) string {
	m := hmac.New(sha256.New, sess.Nonce)
	m.Write([]byte("anpei/challenge-code/v1\n" + id))
	sum := m.Sum(nil)
	return strconv.Itoa(10 + int(sum[0])%90)
}

func challengeView(sess *Session, id string) *ChallengeView {
	code := challengeCode(sess, id)
	m := hmac.New(sha256.New, sess.Nonce)
	m.Write([]byte("anpei/challenge-decoys/v1\n" + id))
	sum := m.Sum(nil)
	opts := []string{code}
	for i := 0; len(opts) < 3; i++ {
		d := strconv.Itoa(10 + int(sum[i%len(sum)]+byte(i*7))%90)
		if d != opts[0] && (len(opts) < 2 || d != opts[1]) {
			opts = append(opts, d)
		}
	}
	k := int(sum[31]) % 3
	opts[0], opts[k] = opts[k], opts[0]
	return &ChallengeView{ID: id, Code: code, Options: opts, TimeoutMS: sess.Policy.ChallengeTimeout.Milliseconds()}
}

func excludedViews(ex []Exclusion) []ExcludedView {
	out := []ExcludedView{}
	for _, e := range ex {
		out = append(out, ExcludedView{Reason: e.Reason, Label: e.Reason.Label(), WallMS: e.Wall.Milliseconds(), SegMS: e.Segment.Len().Milliseconds()})
	}
	return out
}

// ErrHeartbeatRefused: a heartbeat was replayed, reordered or forged; it
// credited nothing and was recorded.
var ErrHeartbeatRefused = fault.New(fault.Conflict, "heartbeat_refused", "本次学习进度未被接受（重复、乱序或校验失败），请刷新页面后继续学习")
