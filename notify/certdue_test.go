package notify

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/certs"
	"anpei/db/dbtest"
)

func TestThreshold(t *testing.T) {
	day := certs.Day(today)
	for _, tc := range []struct {
		left, want int
	}{
		{-30, 0}, {-1, 0}, // passed: the certificate has lapsed, no reminder
		{0, 7}, {1, 7}, {6, 7}, {7, 7},
		{8, 30}, {29, 30}, {30, 30},
		{31, 90}, {89, 90}, {90, 90},
		{91, 0}, {365, 0},
	} {
		got, left := Threshold(day.AddDate(0, 0, tc.left), day)
		if got != tc.want || left != tc.left {
			t.Errorf("due in %d days: threshold %d, %d days left; want %d, %d", tc.left, got, left, tc.want, tc.left)
		}
	}
	// Across a month and a leap day the count is in calendar days.
	feb := time.Date(2028, 2, 27, 0, 0, 0, 0, time.UTC)
	if th, left := Threshold(time.Date(2028, 3, 5, 0, 0, 0, 0, time.UTC), feb); th != 7 || left != 7 {
		t.Errorf("2028-02-27 → 2028-03-05: %d, %d; want 7, 7", th, left)
	}
}

func TestCertDueText(t *testing.T) {
	st := NewStore(nil, Options{})
	due := time.Date(2026, 12, 20, 0, 0, 0, 0, time.UTC)
	far := due.AddDate(3, 0, 0)
	special := certs.Certificate{ID: 12, Number: "T530302199001011234", Kind: "special_operation", HolderName: "张晓明", IDMasked: "530302********1234",
		OperationItem: "1.2", NextReview: &due, ValidUntil: &far, External: true, Issuer: "曲靖市应急管理局", State: certs.StateActive}
	expiring := certs.Certificate{ID: 13, Number: "Y000123", Kind: "safety_qualification", HolderName: "李四", IDMasked: "530302********432X",
		ValidUntil: &due, External: true, Issuer: "云南省应急管理厅", State: certs.StateActive}
	own := certs.Certificate{ID: 14, Number: "PX2026000001", Kind: "training_pass", HolderName: "王五", ValidUntil: &due, State: certs.StateActive}
	for _, tc := range []struct {
		name     string
		c        certs.Certificate
		left     int
		holder   bool
		subject  string
		contains []string
	}{
		{"review, holder", special, 30, true, "证书即将到期：特种作业操作证 T530302199001011234（复审日期 2026-12-20，还有 30 天）",
			[]string{"您的特种作业操作证", "准操项目 1.2", "请在到期前60日内申请复审并完成8学时复审培训、参加复审考试", "逾期未复审的，证书失效"}},
		{"review, enterprise admin", special, 7, false, "员工证书即将到期：张晓明 的特种作业操作证 T530302199001011234（复审日期 2026-12-20，还有 7 天）",
			[]string{"本企业从业人员 张晓明（530302********1234）", "请督促其在到期前60日内申请复审"}},
		{"state certificate expiring today", expiring, 0, true, "证书即将到期：安全生产知识和管理能力考核合格证 Y000123（有效期至 2026-12-20，今天到期）",
			[]string{"有效期截止日为 2026-12-20", "在到期前30日内向发证机关（云南省应急管理厅）办理延期或重新取证"}},
		{"anpei certificate expiring", own, 90, true, "证书即将到期：安全培训合格证明 PX2026000001（有效期至 2026-12-20，还有 90 天）",
			[]string{"完成培训并通过考核，重新取得证书"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			th, _ := Threshold(due, due.AddDate(0, 0, -tc.left))
			subject, body := st.certDueText(reminder{cert: tc.c, due: due, threshold: th, daysLeft: tc.left}, tc.holder)
			if subject != tc.subject {
				t.Errorf("subject\n got %s\nwant %s", subject, tc.subject)
			}
			for _, s := range tc.contains {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
		})
	}
}

// sentTo maps recipient → the thresholds of certificate c's notices they
// have, in order.
func sentTo(t *testing.T, gdb *gorm.DB, c certs.Certificate) map[uint][]string {
	t.Helper()
	out := map[uint][]string{}
	prefix := fmt.Sprintf("%s:%d:", KindCertDue, c.ID)
	for _, n := range notices(t, gdb) {
		if rest, ok := strings.CutPrefix(n.DedupKey, prefix); ok {
			out[n.UserID] = append(out[n.UserID], rest)
		}
	}
	return out
}

func equal(a, b []string) bool { return strings.Join(a, "|") == strings.Join(b, "|") }

// TestRemindEachThresholdOnce runs the sweep every day for 104 days (and
// twice on some): each recipient gets each threshold once, on the day it
// is crossed; only the tightest when a certificate is first seen late;
// the missed one after a server was down; nothing for lapsed, suspended,
// unowned certificates or to accounts that are not recipients.
func TestRemindEachThresholdOnce(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		extra := &recorder{}
		st, _ := testStore(t, gdb, extra)
		ctx := context.Background()
		a := cert(t, gdb, 1, "special_operation", 100, true, nil) // person 1: review in 100 days
		b := cert(t, gdb, 2, "safety_qualification", 20, false, func(c *certs.Certificate) { c.External = true })
		c := cert(t, gdb, 3, "special_operation", 95, true, nil)
		quiet := []certs.Certificate{
			cert(t, gdb, 1, "training_pass", 5, false, func(c *certs.Certificate) { c.State = certs.StateSuspended }),
			cert(t, gdb, 1, "special_operation", -1, true, nil),  // review missed: lapsed
			cert(t, gdb, 4, "training_pass", 3, false, nil),      // nobody to tell
			cert(t, gdb, 2, "special_operation", 200, true, nil), // review beyond 90 days…
		}
		// …even though its expiry is near: the due date is the review.
		near := certs.Day(today).AddDate(0, 0, 10)
		if err := gdb.Model(&quiet[3]).Update("valid_until", near).Error; err != nil {
			t.Fatal(err)
		}

		total := 0
		for day := 0; day <= 103; day++ {
			if day >= 5 && day <= 11 {
				continue // the server was down
			}
			now := today.AddDate(0, 0, day)
			n, err := st.RemindCertificates(ctx, now)
			if err != nil {
				t.Fatalf("day %d: %v", day, err)
			}
			total += n
			if day%10 == 0 { // a second sweep the same day sends nothing
				if again, err := st.RemindCertificates(ctx, now.Add(30*time.Minute)); err != nil || again != 0 {
					t.Fatalf("day %d, second sweep: %d, %v", day, again, err)
				}
			}
		}

		due := func(c certs.Certificate) string { return c.Dates().DueDate().Format("2006-01-02") }
		three := []string{due(a) + ":90", due(a) + ":30", due(a) + ":7"}
		checks := []struct {
			cert certs.Certificate
			want map[uint][]string
		}{
			{a, map[uint][]string{learner1: three, entAdmin1: three, entAdmin1b: three}},
			// First seen 20 days before: the 30-day reminder, never the 90.
			{b, map[uint][]string{learner2: {due(b) + ":30", due(b) + ":7"}, entAdmin1: {due(b) + ":30", due(b) + ":7"}, entAdmin1b: {due(b) + ":30", due(b) + ":7"}}},
			// The 90-day mark fell on day 5, when the server was down: sent on day 12.
			{c, map[uint][]string{learner3: {due(c) + ":90", due(c) + ":30", due(c) + ":7"}, entAdmin2: {due(c) + ":90", due(c) + ":30", due(c) + ":7"}}},
		}
		want := 0
		for _, ck := range checks {
			got := sentTo(t, gdb, ck.cert)
			if len(got) != len(ck.want) {
				t.Errorf("certificate %s went to %v, want %v", ck.cert.Number, got, ck.want)
			}
			for u, w := range ck.want {
				if !equal(got[u], w) {
					t.Errorf("certificate %s to user %d: %v, want %v", ck.cert.Number, u, got[u], w)
				}
				want += len(w)
			}
		}
		for _, q := range quiet {
			if got := sentTo(t, gdb, q); len(got) != 0 {
				t.Errorf("certificate %s (due %s, %s) reminded: %v", q.Number, due(q), q.State, got)
			}
		}
		all := notices(t, gdb)
		if total != want || len(all) != want || extra.count() != want {
			t.Errorf("sweeps reported %d, %d stored, extra sender got %d; want %d", total, len(all), extra.count(), want)
		}
		// The 90-day reminder of c went out on day 12 (83 days left).
		for _, n := range all {
			if n.DedupKey == certDueKey(c.ID, c.Dates().DueDate(), 90) && n.UserID == learner3 {
				if !n.CreatedAt.Equal(today.AddDate(0, 0, 12)) || !strings.Contains(n.Subject, "还有 83 天") || n.Link != fmt.Sprintf("/certificates/%d", c.ID) {
					t.Errorf("late 90-day reminder: %s at %s, link %s", n.Subject, n.CreatedAt, n.Link)
				}
			}
			if n.UserID == disabled1 || n.UserID == admin {
				t.Errorf("user %d is not a recipient: %s", n.UserID, n.Subject)
			}
		}
	})
}

// TestRemindNewRecipient: an enterprise admin appointed after a reminder,
// and the admins of the enterprise a holder moved to, get the outstanding
// reminder on the next sweep; nobody gets theirs twice.
func TestRemindNewRecipient(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		st, _ := testStore(t, gdb)
		ctx := context.Background()
		c := cert(t, gdb, 1, "special_operation", 25, true, nil)
		if n, err := st.RemindCertificates(ctx, today); err != nil || n != 3 {
			t.Fatalf("first sweep: %d, %v; want 3", n, err)
		}
		if err := gdb.Exec("UPDATE people SET enterprise_id = 2 WHERE id = 1").Error; err != nil {
			t.Fatal(err)
		}
		if n, err := st.RemindCertificates(ctx, today.Add(time.Hour)); err != nil || n != 1 {
			t.Fatalf("after the move: %d, %v; want 1 (enterprise 2's admin)", n, err)
		}
		got := sentTo(t, gdb, c)
		if len(got[entAdmin2]) != 1 || len(got[learner1]) != 1 || len(got[entAdmin1]) != 1 {
			t.Errorf("recipients: %v", got)
		}
	})
}

// TestConcurrentSweepsSendOnce: eight sweeps at once (eight servers)
// write each reminder once and call the extra sender once per notice.
func TestConcurrentSweepsSendOnce(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		extra := &recorder{}
		st, _ := testStore(t, gdb, extra)
		for i := range 20 {
			cert(t, gdb, uint(1+i%3), "special_operation", 1+i*4, true, nil) // 1..77 days: every threshold
		}
		// Recipients per person: 1 → 3, 2 → 3, 3 → 2.
		want := 0
		for i := range 20 {
			want += []int{3, 3, 2}[i%3]
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		sum := 0
		errs := make(chan error, 8)
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n, err := st.RemindCertificates(context.Background(), today)
				if err != nil {
					errs <- err
					return
				}
				mu.Lock()
				sum += n
				mu.Unlock()
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Errorf("sweep: %v", err)
		}
		stored := len(notices(t, gdb))
		if sum != want || stored != want || extra.count() != want {
			t.Errorf("sweeps wrote %d, stored %d, extra sender called %d times; want %d", sum, stored, extra.count(), want)
		}
		var dups int64
		gdb.Raw("SELECT COUNT(*) FROM (SELECT dedup_key, user_id FROM notices GROUP BY dedup_key, user_id HAVING COUNT(*) > 1) d").Scan(&dups)
		if dups != 0 {
			t.Errorf("%d (key, recipient) pairs stored twice", dups)
		}
	})
}

// TestFailingSenderKeepsInbox: an extra sender's failure is logged; the
// inbox has the notice and the sweep does not fail or send it again.
func TestFailingSenderKeepsInbox(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		extra := &recorder{fail: true}
		st, logs := testStore(t, gdb, extra)
		ctx := context.Background()
		cert(t, gdb, 3, "training_pass", 7, false, nil)
		if n, err := st.RemindCertificates(ctx, today); err != nil || n != 2 {
			t.Fatalf("sweep: %d, %v; want 2", n, err)
		}
		if n, _, err := st.Inbox(ctx, principal(learner3), true, 10, 0); err != nil || len(n) != 1 {
			t.Fatalf("holder's inbox: %v, %v", n, err)
		}
		if !strings.Contains(logs.String(), "sms gateway down") {
			t.Errorf("the sender's failure is not logged: %s", logs)
		}
		for _, n := range extra.got {
			if n.ID == 0 || n.UserID == 0 || n.Subject == "" {
				t.Errorf("extra sender got an incomplete notice: %+v", n)
			}
		}
		if n, err := st.RemindCertificates(ctx, today); err != nil || n != 0 || extra.count() != 2 {
			t.Errorf("second sweep: %d, %v, sender called %d times", n, err, extra.count())
		}
	})
}
