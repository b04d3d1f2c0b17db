package notify

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"anpei/account"
	"anpei/certs"
	"anpei/fault"
)

// KindCertDue is the kind of a reminder before a certificate's due date.
const KindCertDue = "cert_due"

// thresholds are the days before a due date at which reminders go out,
// widest first.
var thresholds = [...]int{90, 30, 7}

// Threshold returns the tightest reminder threshold reached on day today
// for a certificate due on due (both civil dates as midnight UTC), and the
// days left: 7 when 0 to 7 days are left, 30 for 8 to 30, 90 for 31 to
// 90, and 0 when more than 90 are left or the date has passed. Only the
// tightest counts, so a certificate first seen 20 days before its date
// gets the 30-day reminder and never the 90-day one, and a sweep that did
// not run on the day a threshold was crossed still sends it later.
func Threshold(due, today time.Time) (threshold, daysLeft int) {
	daysLeft = int(due.Sub(today).Round(time.Hour).Hours()) / 24
	if daysLeft < 0 {
		return 0, daysLeft
	}
	for i := len(thresholds) - 1; i >= 0; i-- {
		if daysLeft <= thresholds[i] {
			return thresholds[i], daysLeft
		}
	}
	return 0, daysLeft
}

// sweepPage is how many certificates the sweep handles per round trip.
const sweepPage = 500

// RemindCertificates sends the due reminders on the China-time day of
// now: for every active certificate whose due date is 0 to 90 days away,
// the reminder of the tightest threshold reached (90, 30 or 7 days) to the
// holder's learner accounts and to the admins of the enterprise the holder
// is on now, each at most once per certificate, due date, threshold and
// recipient. A recipient added later (a new enterprise admin, a holder
// who moved) gets the outstanding reminder on the next sweep. It returns
// how many notices it wrote; running it again, or on several servers at
// once, writes nothing twice. Errors are internal.
func (s *Store) RemindCertificates(ctx context.Context, now time.Time) (int, error) {
	if s.opt.Due == nil {
		return 0, fault.Wrap(errors.New("no certificate source configured"), "notify: remind certificates")
	}
	today := certs.Day(now)
	sent := 0
	var after uint
	for {
		page, err := s.opt.Due(ctx, today, today.AddDate(0, 0, thresholds[0]), after, sweepPage)
		if err != nil {
			return sent, err
		}
		if len(page) == 0 {
			return sent, nil
		}
		after = page[len(page)-1].ID
		n, err := s.remind(ctx, page, now)
		sent += n
		if err != nil || len(page) < sweepPage {
			return sent, err
		}
	}
}

// reminder is one certificate's reminder due today.
type reminder struct {
	cert      certs.Certificate
	due       time.Time
	threshold int
	daysLeft  int
	key       string
}

// remind sends the reminders of one page of certificates: one query for
// what was sent already, two for the recipients, then an insert per new
// (reminder, recipient).
func (s *Store) remind(ctx context.Context, page []certs.Certificate, now time.Time) (int, error) {
	today := certs.Day(now)
	var due []reminder
	var keys []string
	var people []uint
	for _, c := range page {
		d := c.Dates().DueDate()
		if d.IsZero() || c.State != certs.StateActive {
			continue
		}
		th, left := Threshold(d, today)
		if th == 0 {
			continue
		}
		r := reminder{cert: c, due: d, threshold: th, daysLeft: left, key: certDueKey(c.ID, d, th)}
		due = append(due, r)
		keys = append(keys, r.key)
		people = append(people, c.PersonID)
	}
	if len(due) == 0 {
		return 0, nil
	}
	done, err := s.sentPairs(ctx, keys)
	if err != nil {
		return 0, err
	}
	to, err := s.recipients(ctx, people)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, r := range due {
		for _, rc := range to[r.cert.PersonID] {
			if done[pair{r.key, rc.userID}] {
				continue
			}
			subject, body := s.certDueText(r, rc.role == account.RoleLearner)
			ok, err := s.Deliver(ctx, Notice{UserID: rc.userID, Kind: KindCertDue, Subject: subject, Body: body,
				Link: fmt.Sprintf("/certificates/%d", r.cert.ID), DedupKey: r.key, CreatedAt: now})
			if err != nil {
				return sent, err
			}
			if ok {
				sent++
			}
		}
	}
	return sent, nil
}

// certDueKey names a reminder: certificate, due date and threshold. A new
// due date (a review passed) starts the reminders over.
func certDueKey(certID uint, due time.Time, threshold int) string {
	return fmt.Sprintf("%s:%d:%s:%d", KindCertDue, certID, due.Format("2006-01-02"), threshold)
}

type pair struct {
	key    string
	userID uint
}

// sentPairs returns which recipients already have a notice with one of
// keys (read through the unique index on key and recipient).
func (s *Store) sentPairs(ctx context.Context, keys []string) (map[pair]bool, error) {
	var rows []struct {
		DedupKey string
		UserID   uint
	}
	err := s.db.WithContext(ctx).Model(&Notice{}).Select("dedup_key, user_id").Where("dedup_key IN ?", keys).Scan(&rows).Error
	if err != nil {
		return nil, fault.Wrap(err, "notify: read sent reminders")
	}
	out := make(map[pair]bool, len(rows))
	for _, r := range rows {
		out[pair{r.DedupKey, r.UserID}] = true
	}
	return out, nil
}

type recipient struct {
	userID uint
	role   account.Role
}

// recipients returns, per person, the enabled accounts to tell about
// their certificate: their learner accounts, then the enterprise admins of
// the enterprise whose roster they are on now (none when on no roster).
// Both are read at sweep time from the users and people tables.
func (s *Store) recipients(ctx context.Context, people []uint) (map[uint][]recipient, error) {
	type row struct {
		UserID   uint
		PersonID uint
	}
	db := s.db.WithContext(ctx)
	var holders, admins []row
	err := db.Table("users").Select("users.id AS user_id, users.person_id AS person_id").
		Where("users.role = ? AND users.disabled = ? AND users.person_id IN ?", account.RoleLearner, false, people).
		Order("users.id").Scan(&holders).Error
	if err != nil {
		return nil, fault.Wrap(err, "notify: read holders' accounts")
	}
	err = db.Table("users").Select("users.id AS user_id, people.id AS person_id").
		Joins("JOIN people ON people.enterprise_id = users.enterprise_id").
		Where("users.role = ? AND users.disabled = ? AND people.id IN ? AND people.enterprise_id <> 0", account.RoleEnterpriseAdmin, false, people).
		Order("users.id").Scan(&admins).Error
	if err != nil {
		return nil, fault.Wrap(err, "notify: read enterprise admins")
	}
	out := map[uint][]recipient{}
	for _, r := range holders {
		out[r.PersonID] = append(out[r.PersonID], recipient{r.UserID, account.RoleLearner})
	}
	for _, r := range admins {
		out[r.PersonID] = append(out[r.PersonID], recipient{r.UserID, account.RoleEnterpriseAdmin})
	}
	return out, nil
}

// certDueText is a reminder's subject and body in Chinese, for the holder
// or for their enterprise admin.
func (s *Store) certDueText(r reminder, toHolder bool) (subject, body string) {
	c := r.cert
	k, ok := s.opt.Kinds.Get(c.Kind)
	name := c.Kind
	if ok {
		name = k.Name
	}
	review := !c.Dates().NextReview.IsZero()
	dateLabel := "有效期至"
	if review {
		dateLabel = "复审日期"
	}
	date := r.due.Format("2006-01-02")
	left := fmt.Sprintf("还有 %d 天", r.daysLeft)
	if r.daysLeft == 0 {
		left = "今天到期"
	}
	subject = fmt.Sprintf("证书即将到期：%s %s（%s %s，%s）", name, c.Number, dateLabel, date, left)
	if !toHolder {
		subject = fmt.Sprintf("员工证书即将到期：%s 的%s %s（%s %s，%s）", c.HolderName, name, c.Number, dateLabel, date, left)
	}

	var b strings.Builder
	if toHolder {
		b.WriteString("您的")
	} else {
		fmt.Fprintf(&b, "本企业从业人员 %s（%s）的", c.HolderName, c.IDMasked)
	}
	fmt.Fprintf(&b, "%s（编号 %s", name, c.Number)
	if c.OperationItem != "" {
		fmt.Fprintf(&b, "，准操项目 %s", c.OperationItem)
	}
	what := "有效期截止日"
	if review {
		what = "复审日期"
	}
	fmt.Fprintf(&b, "）%s为 %s，%s。", what, date, left)
	if !toHolder {
		b.WriteString("请督促其")
	} else {
		b.WriteString("请")
	}
	if review {
		if ok && k.ReviewWindowDays > 0 {
			fmt.Fprintf(&b, "在到期前%d日内申请复审", k.ReviewWindowDays)
		} else {
			b.WriteString("按期申请复审")
		}
		if ok && k.ReviewHours > 0 {
			fmt.Fprintf(&b, "并完成%d学时复审培训", k.ReviewHours)
		}
		if ok && k.ReviewExam {
			b.WriteString("、参加复审考试")
		}
		b.WriteString("。逾期未复审的，证书失效。")
	} else {
		if ok && k.RenewWindowDays > 0 {
			fmt.Fprintf(&b, "在到期前%d日内", k.RenewWindowDays)
		} else {
			b.WriteString("及时")
		}
		if c.External {
			fmt.Fprintf(&b, "向发证机关（%s）办理延期或重新取证。", c.Issuer)
		} else {
			b.WriteString("完成培训并通过考核，重新取得证书。")
		}
		b.WriteString("证书过期后不再有效。")
	}
	return subject, b.String()
}
