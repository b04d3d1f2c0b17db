package course

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"anpei/account"
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
	err = s.write(ctx, func(tx *gorm.DB) error {
		now := s.now()
		st, err := lockState(tx, learner.PersonID)
		if err != nil {
			return err
		}
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
		next, err := carriedChallenge(tx, st.ActiveSession)
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
		state, err := json.Marshal(sess)
		if err != nil {
			return err
		}
		row := Playback{ID: sess.ID, PersonID: learner.PersonID, LessonID: l.ID, ContentKey: l.ContentKey,
			CourseID: v.CourseID, VersionID: v.ID, Category: v.Category, State: string(state), StartedAt: now, UpdatedAt: now}
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

// carriedChallenge returns when the person's previous active session
// would have put its next presence challenge: a new session (the next
// lesson, a reload, another device) keeps that schedule, and a challenge
// left unanswered is put again at once.
func carriedChallenge(tx *gorm.DB, sessionID string) (time.Time, error) {
	if sessionID == "" {
		return time.Time{}, nil
	}
	var row Playback
	if err := tx.Select("state").Where("id = ?", sessionID).Limit(1).Find(&row).Error; err != nil || row.State == "" {
		return time.Time{}, err
	}
	var prev Session
	if err := json.Unmarshal([]byte(row.State), &prev); err != nil {
		return time.Time{}, err
	}
	if prev.Pending.ID != "" && prev.Pending.AnsweredAt.IsZero() {
		return prev.Pending.IssuedAt, nil
	}
	return prev.NextChallengeAt, nil
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
	var row struct {
		Playback
		ActiveSession string
	}
	err := forUpdate(tx.Table("playback_sessions")).
		Select("playback_sessions.*, watch_states.active_session").
		Joins("JOIN watch_states ON watch_states.person_id = playback_sessions.person_id").
		Where("playback_sessions.id = ? AND playback_sessions.person_id = ?", id, personID).
		Limit(1).Scan(&row).Error
	if err != nil {
		return Playback{}, nil, err
	}
	if row.ID == "" {
		return Playback{}, nil, ErrPlaybackNotFound
	}
	var sess Session
	if err := json.Unmarshal([]byte(row.State), &sess); err != nil {
		return Playback{}, nil, err
	}
	if row.ActiveSession != sess.ID && !sess.Superseded {
		Supersede(&sess)
	}
	return row.Playback, &sess, nil
}

// Heartbeat accounts for a heartbeat of session id, in one transaction
// that holds the person's watch-state row: the session, the lesson's
// coverage, the day's count, and the ledger's new credits and exclusions
// change together or not at all. A refused heartbeat (replayed, forged,
// reordered) changes nothing but is itself recorded as an exclusion, and
// answers ErrHeartbeatRefused.
func (s *Store) Heartbeat(ctx context.Context, p account.Principal, id string, hb Heartbeat) (BeatResult, error) {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return BeatResult{}, ErrNotLearner
	}
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
		credited, err := s.saveBeat(tx, now, row, sess, res)
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
// credited in ms. While a session is the person's active one its Covered
// is the truth about the lesson (no other session can credit), so the
// coverage row is written only when something was credited.
func (s *Store) saveBeat(tx *gorm.DB, now time.Time, row Playback, sess *Session, res Result) (int64, error) {
	state, err := json.Marshal(sess)
	if err != nil {
		return 0, err
	}
	if err := tx.Model(&Playback{}).Where("id = ?", row.ID).Updates(map[string]any{"state": string(state), "updated_at": now}).Error; err != nil {
		return 0, err
	}
	var credited int64
	credits := make([]CreditEntry, 0, len(res.Credited))
	for _, c := range res.Credited {
		ms := c.Segment.Len().Milliseconds()
		credited += ms
		credits = append(credits, CreditEntry{PersonID: row.PersonID, Online: true, Category: row.Category, Day: c.Day,
			CourseID: row.CourseID, LessonID: row.LessonID, SessionID: row.ID,
			SegStart: c.Segment.Start.Milliseconds(), SegEnd: c.Segment.End.Milliseconds(),
			FromAt: c.From.UTC(), ToAt: c.To.UTC(), MS: ms, CreatedAt: now})
	}
	if len(credits) > 0 {
		if err := tx.Create(&credits).Error; err != nil {
			return 0, err
		}
	}
	var excl []ExclusionEntry
	for _, e := range res.Excluded {
		excl = append(excl, ExclusionEntry{PersonID: row.PersonID, Day: ChinaDay(now), SessionID: row.ID, LessonID: row.LessonID,
			Reason: e.Reason, SegStart: e.Segment.Start.Milliseconds(), SegEnd: e.Segment.End.Milliseconds(),
			WallMS: e.Wall.Milliseconds(), At: now})
	}
	if len(excl) > 0 {
		if err := tx.Create(&excl).Error; err != nil {
			return 0, err
		}
	}
	if credited == 0 {
		return 0, nil
	}
	covered, err := json.Marshal(msIntervals(sess.Covered))
	if err != nil {
		return 0, err
	}
	pr := Progress{PersonID: row.PersonID, ContentKey: row.ContentKey, Covered: string(covered),
		CreditedMS: sess.Covered.Total().Milliseconds(), DurationMS: sess.Duration.Milliseconds(), Completed: complete(sess), UpdatedAt: now}
	return credited, tx.Clauses(clause.OnConflict{UpdateAll: true}).Create(&pr).Error
}

// Answer records the learner's answer to a presence challenge: the code
// they tapped must be the one shown.
func (s *Store) Answer(ctx context.Context, p account.Principal, id, challengeID, code string) error {
	if p.Role != account.RoleLearner || p.PersonID == 0 {
		return ErrNotLearner
	}
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
		state, err := json.Marshal(sess)
		if err != nil {
			return err
		}
		return tx.Model(&Playback{}).Where("id = ?", row.ID).Updates(map[string]any{"state": string(state), "updated_at": now}).Error
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
