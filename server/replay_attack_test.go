package server

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/course"
	"anpei/ident"
	"anpei/roster"
)

// learnerFixture is a learner on a roster with a published 10-minute text
// lesson to study, signed in over the API.
type learnerFixture struct {
	h        *harness
	c        *client
	personID uint
	lessonID uint
}

// newLearnerFixture creates, through the stores, a trainer and their
// published course (one text lesson of 3,000 characters: 10 minutes), an
// enterprise with one person on duty, and that person's learner account,
// and signs the learner in through POST /api/v1/login.
func newLearnerFixture(t *testing.T, h *harness, username string) learnerFixture {
	t.Helper()
	ctx := context.Background()
	trainer := h.user(account.NewUser{Username: "trainer-" + username, Role: account.RoleTrainer})
	_, lessonID := publishTextCourse(t, h.courses, trainer.Principal(), "危险化学品安全培训", 3000)
	ent, err := h.roster.CreateEnterprise(ctx, account.System(), roster.EnterpriseInput{
		Name: "曲靖安培化工有限公司", CreditCode: ident.MakeCreditCode('9', '1', "530302", ident.MakeOrgCode("MA000001")),
		TownCode: "530302001", IndustryCode: "hazchem", ContactName: "张三", ContactPhone: "13800000000",
	})
	if err != nil {
		t.Fatalf("create enterprise: %v", err)
	}
	appointed := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	person, err := h.roster.CreatePerson(ctx, account.System(), roster.PersonInput{
		EnterpriseID: ent.ID, DocNumber: ident.MakeResidentID("530302", time.Date(1985, 5, 6, 0, 0, 0, 0, time.UTC), 7, true),
		Name: "李四", Phone: "13912345678", Education: roster.EduSenior, Categories: roster.CategorySpecialOperator,
		OperationItems: []string{"1.2"}, Position: "电工", DutyStatus: roster.DutyOn, AppointedOn: &appointed,
	})
	if err != nil {
		t.Fatalf("create person: %v", err)
	}
	h.user(account.NewUser{Username: username, Role: account.RoleLearner, PersonID: person.ID})
	return learnerFixture{h: h, c: h.login(username), personID: person.ID, lessonID: lessonID}
}

// start opens a playback session of the fixture's lesson.
func (f learnerFixture) start(t *testing.T) course.PlaybackStart {
	t.Helper()
	res := f.c.do("POST", fmt.Sprintf("/api/v1/lessons/%d/playback", f.lessonID), nil)
	if res.status != 201 {
		t.Fatalf("start playback: %d %s", res.status, res.body)
	}
	var pb course.PlaybackStart
	res.decode(t, &pb)
	return pb
}

// send posts a heartbeat body as it is, byte for byte.
func (f learnerFixture) send(session string, body []byte) response {
	return f.c.do("POST", "/api/v1/playback/"+session+"/heartbeat", body)
}

// accepted posts a heartbeat and fails unless it is accepted.
func (f learnerFixture) accepted(t *testing.T, session string, body []byte) course.BeatResult {
	t.Helper()
	res := f.send(session, body)
	if res.status != 200 {
		t.Fatalf("heartbeat %s: %d %s", body, res.status, res.body)
	}
	var out course.BeatResult
	res.decode(t, &out)
	if !out.Accepted {
		t.Fatalf("heartbeat %s: not accepted: %s", body, res.body)
	}
	if ch := out.Challenge; ch != nil {
		// The presence schedule is random (the first challenge comes within
		// the policy's maximum wait): answer at once, as a learner at the
		// screen does, so that no time is excluded as idle.
		res := f.c.do("POST", "/api/v1/playback/"+session+"/challenge", map[string]string{"challenge_id": ch.ID, "code": ch.Code})
		if res.status != 204 {
			t.Fatalf("answer challenge: %d %s", res.status, res.body)
		}
		t.Logf("answered a presence challenge on session %s", session)
	}
	return out
}

// refused posts a heartbeat and fails unless it is refused as a replay or
// forgery (409 heartbeat_refused).
func (f learnerFixture) refused(t *testing.T, what, session string, body []byte) {
	t.Helper()
	res := f.send(session, body)
	if res.status != 409 || res.errCode() != "heartbeat_refused" {
		t.Fatalf("%s: heartbeat %s = %d %s, want 409 heartbeat_refused", what, body, res.status, res.body)
	}
}

// hours returns the learner's ledger summary as they see it.
func (f learnerFixture) hours(t *testing.T) course.HoursSummary {
	t.Helper()
	res := f.c.do("GET", fmt.Sprintf("/api/v1/people/%d/hours", f.personID), nil)
	if res.status != 200 {
		t.Fatalf("hours: %d %s", res.status, res.body)
	}
	var out course.HoursSummary
	res.decode(t, &out)
	return out
}

func excludedBy(s course.HoursSummary) map[course.Reason]course.ExclusionTotal {
	out := map[course.Reason]course.ExclusionTotal{}
	for _, e := range s.Excluded {
		out[e.Reason] = e
	}
	return out
}

// TestReplayAttack plays a lesson honestly for three minutes through the
// API, capturing every heartbeat, and then attacks the ledger with what it
// captured: replayed on the same session, replayed on a new session,
// forged ahead, and re-signed at ten times the speed. Nothing but the
// honest three minutes — and never more than the wall clock — is credited.
func TestReplayAttack(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		f := newLearnerFixture(t, h, "replay-learner")
		const step = 15 * time.Second

		// Honest: heartbeats every 15 s for 3 minutes, 15 s of the lesson each.
		honest := f.start(t)
		if honest.DurationMS != (10 * time.Minute).Milliseconds() {
			t.Fatalf("lesson lasts %d ms, want 10 minutes", honest.DurationMS)
		}
		var captured [][]byte
		for k := 0; k <= 12; k++ {
			if k > 0 {
				h.clock.Add(step)
			}
			body := signedBeat(t, honest.Nonce, honest.ID, uint64(k+1), time.Duration(k)*step, true)
			captured = append(captured, body)
			f.accepted(t, honest.ID, body)
		}
		earned := f.hours(t).OnlineMS
		if earned != (3 * time.Minute).Milliseconds() {
			t.Fatalf("honest 3 minutes credited %d ms, want %d", earned, (3 * time.Minute).Milliseconds())
		}
		last := captured[len(captured)-1]

		// (a) The captured bodies replayed on their own session at 10×.
		for _, body := range captured {
			h.clock.Add(step / 10)
			f.refused(t, "(a) replay on the same session", honest.ID, body)
		}
		if got := f.hours(t).OnlineMS; got != earned {
			t.Fatalf("(a) replay credited %d ms", got-earned)
		}

		// (b) The captured bodies on a new session: another nonce, so no
		// token verifies (the new session also supersedes the honest one).
		fresh := f.start(t)
		if fresh.Nonce == honest.Nonce || fresh.ID == honest.ID {
			t.Fatal("(b) a new playback session reused the nonce or ID")
		}
		for _, body := range captured {
			h.clock.Add(step / 10)
			f.refused(t, "(b) replay on a new session", fresh.ID, body)
		}
		if got := f.hours(t).OnlineMS; got != earned {
			t.Fatalf("(b) replay on a new session credited %d ms", got-earned)
		}

		// (c) Forged ahead: seq+1 and 10 minutes further. Without the nonce
		// the token cannot be made (the last captured token is reused) and
		// it is refused; with it — a learner knows the nonce of a session
		// they open — it is accepted as a seek and credits nothing.
		var forged beat
		if err := json.Unmarshal(last, &forged); err != nil {
			t.Fatal(err)
		}
		forged.Seq++
		forged.PositionMS += (10 * time.Minute).Milliseconds()
		h.clock.Add(step)
		stale, _ := json.Marshal(forged)
		f.refused(t, "(c) forged token", honest.ID, stale)
		seek := f.start(t)
		f.accepted(t, seek.ID, signedBeat(t, seek.Nonce, seek.ID, 1, 3*time.Minute, true))
		h.clock.Add(step)
		res := f.accepted(t, seek.ID, signedBeat(t, seek.Nonce, seek.ID, 2, 3*time.Minute+10*time.Minute, true))
		if res.CreditedMS != 0 || !hasReason(res.Excluded, course.ReasonSeek) {
			t.Fatalf("(c) signed jump of 10 minutes: credited %d ms, excluded %+v; want 0 and a seek", res.CreditedMS, res.Excluded)
		}
		if got := f.hours(t).OnlineMS; got != earned {
			t.Fatalf("(c) forged heartbeats credited %d ms", got-earned)
		}

		// (d) The captured sequence re-signed for a session the attacker
		// opened, at 10× speed (1.5 s of wall clock per 15 s of lesson):
		// first the captured positions themselves, then the same cadence
		// over content not yet credited, then at 2× (the fastest rate the
		// player offers). Together they may credit at most the wall-clock
		// time they took.
		var wall time.Duration
		speedy := f.start(t)
		seq := uint64(0)
		sendSpeedy := func(pos time.Duration, advance time.Duration) course.BeatResult {
			if seq > 0 {
				h.clock.Add(advance)
				wall += advance
			}
			seq++
			return f.accepted(t, speedy.ID, signedBeat(t, speedy.Nonce, speedy.ID, seq, pos, true))
		}
		for k := 0; k <= 12; k++ { // the captured positions, 0 to 3:00
			sendSpeedy(time.Duration(k)*step, step/10)
		}
		if got := f.hours(t).OnlineMS; got != earned {
			t.Fatalf("(d) the captured positions re-signed at 10× credited %d ms", got-earned)
		}
		for k := 1; k <= 12; k++ { // new content at 10×: 3:00 to 6:00
			sendSpeedy(3*time.Minute+time.Duration(k)*step, step/10)
		}
		for k := 1; k <= 12; k++ { // at 2×: 6:00 to 9:00 in 90 s
			sendSpeedy(6*time.Minute+time.Duration(k)*step, step/2)
		}
		after := f.hours(t)
		extra := after.OnlineMS - earned
		if extra < 0 || extra > wall.Milliseconds() {
			t.Fatalf("(d) re-signed fast playback credited %d ms in %d ms of wall clock", extra, wall.Milliseconds())
		}
		if extra > (90 * time.Second).Milliseconds() {
			t.Fatalf("(d) credited %d ms, more than the 90 s the 2× part took", extra)
		}
		t.Logf("honest %d ms; attack (d) credited %d ms in %d ms of wall clock", earned, extra, wall.Milliseconds())

		ex := excludedBy(after)
		if n := ex[course.ReasonReplay].Count; n != 2*len(captured)+1 {
			t.Errorf("replay exclusions = %d, want %d (a: %d, b: %d, c: 1)", n, 2*len(captured)+1, len(captured), len(captured))
		}
		if ex[course.ReasonSeek].Count == 0 || ex[course.ReasonSpeed].Count == 0 {
			t.Errorf("exclusions %+v: want seek and speed among them", after.Excluded)
		}
		if ex[course.ReasonSeek].SegMS < (3 * time.Minute).Milliseconds() {
			t.Errorf("seek excluded %d ms of the lesson, want at least the 3 minutes skipped at 10×", ex[course.ReasonSeek].SegMS)
		}
	})
}

// TestSecondDeviceSupersedes opens a lesson on two devices: once the second
// starts, the first one's heartbeats are still answered but credit nothing
// (superseded), and only the second one's time counts.
func TestSecondDeviceSupersedes(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		f := newLearnerFixture(t, h, "two-devices")
		const step = 15 * time.Second

		phone := f.start(t)
		f.accepted(t, phone.ID, signedBeat(t, phone.Nonce, phone.ID, 1, 0, true))
		h.clock.Add(step)
		if res := f.accepted(t, phone.ID, signedBeat(t, phone.Nonce, phone.ID, 2, step, true)); res.CreditedMS != step.Milliseconds() || res.Superseded {
			t.Fatalf("first device alone: %+v", res)
		}

		desk := f.start(t)
		f.accepted(t, desk.ID, signedBeat(t, desk.Nonce, desk.ID, 1, step, true))
		for k := 2; k <= 5; k++ {
			h.clock.Add(step)
			old := f.accepted(t, phone.ID, signedBeat(t, phone.Nonce, phone.ID, uint64(k+1), time.Duration(k)*step, true))
			if !old.Superseded || old.CreditedMS != 0 || !hasReason(old.Excluded, course.ReasonParallel) {
				t.Fatalf("first device after the second started: %+v; want superseded, nothing credited, parallel", old)
			}
			cur := f.accepted(t, desk.ID, signedBeat(t, desk.Nonce, desk.ID, uint64(k), time.Duration(k)*step, true))
			if cur.Superseded || cur.CreditedMS != step.Milliseconds() {
				t.Fatalf("second device: %+v; want %d ms credited", cur, step.Milliseconds())
			}
		}
		sum := f.hours(t)
		if want := (5 * step).Milliseconds(); sum.OnlineMS != want {
			t.Fatalf("online = %d ms, want %d (one device's time only)", sum.OnlineMS, want)
		}
		if p := excludedBy(sum)[course.ReasonParallel]; p.WallMS != (4 * step).Milliseconds() {
			t.Errorf("parallel exclusion = %+v, want %d ms", p, (4 * step).Milliseconds())
		}
	})
}

func hasReason(ex []course.ExcludedView, r course.Reason) bool {
	for _, e := range ex {
		if e.Reason == r {
			return true
		}
	}
	return false
}
