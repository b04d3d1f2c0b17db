package demo

import (
	"bufio"
	"bytes"
	"context"
	_ "embed"
	"fmt"
	"strconv"
	"strings"
	"time"

	"anpei/account"
	"anpei/course"
	"anpei/exam"
	"anpei/fault"
	"anpei/hours"
	"anpei/roster"
)

// The demo question bank (data/exam/questions.tsv, written from RULES.md
// and the demo lessons; to be reviewed by the district before real use).
//
//go:embed data/exam/questions.tsv
var questionsTSV []byte

// demoBlueprint is the demo exam's paper: 20 单选 × 2 + 10 多选 × 3 + 15
// 判断 × 2 = 100 points, pass at 80, 60 minutes.
func demoBlueprint() exam.Blueprint {
	return exam.Blueprint{Sections: []exam.Section{
		{Type: exam.Single, Count: 20, Points: 2 * exam.Point},
		{Type: exam.Multiple, Count: 10, Points: 3 * exam.Point},
		{Type: exam.Judge, Count: 15, Points: 2 * exam.Point},
	}, PassMark: 80 * exam.Point, Minutes: 60, ShuffleQuestions: true, ShuffleOptions: true}
}

// demoExamTitle names the demo exam session.
const demoExamTitle = "2026年度从业人员安全生产知识考试（演示）"

// readQuestions parses the demo bank.
func readQuestions() (exam.Parsed, error) {
	var out exam.Parsed
	sc := bufio.NewScanner(bytes.NewReader(questionsTSV))
	sc.Buffer(make([]byte, 64*1024), 1<<20)
	line := 0
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 || strings.HasPrefix(text, "#") || strings.TrimSpace(text) == "" {
			continue
		}
		f := strings.Split(text, "\t")
		if len(f) != 12 {
			return exam.Parsed{}, fmt.Errorf("demo: questions.tsv line %d: %d fields, want 12", line, len(f))
		}
		t, ok := exam.ParseType(f[0])
		if !ok {
			return exam.Parsed{}, fmt.Errorf("demo: questions.tsv line %d: type %q", line, f[0])
		}
		answer, ok := exam.ParseAnswer(t, f[8])
		if !ok {
			return exam.Parsed{}, fmt.Errorf("demo: questions.tsv line %d: answer %q", line, f[8])
		}
		d, _ := strconv.Atoi(f[10])
		q := exam.Normalize(exam.Question{Type: t, Stem: f[1], Options: f[2:8], Answer: answer, Explanation: f[9],
			Difficulty: exam.Difficulty(d), Category: f[11], Status: exam.StatusActive})
		if d := exam.Validate(q); len(d) > 0 {
			return exam.Parsed{}, fmt.Errorf("demo: questions.tsv line %d: %s", line, d[0].Message)
		}
		out.Questions = append(out.Questions, q)
		out.Rows = append(out.Rows, line)
	}
	return out, sc.Err()
}

// SeedExams writes the demo bank, an open exam session and a practice
// paper of the same blueprint, and the demo learner's training record that
// makes them eligible: two offline sessions of 岗位安全操作规程 their
// enterprise held today, 900 minutes in all — at 45 minutes to an offline
// 学时, the 20 annual 学时 a high-risk worker owes.
// It skips what is already there.
func SeedExams(ctx context.Context, accounts *account.Store, rs *roster.Store, cs *course.Store, es *exam.Store, now time.Time) error {
	sys := account.System()
	parsed, err := readQuestions()
	if err != nil {
		return err
	}
	if _, err := es.ImportQuestions(ctx, sys, parsed, false); err != nil {
		return fmt.Errorf("demo: question bank: %w", err)
	}
	existing, _, err := es.Exams(ctx, sys, nil, 100, 0)
	if err != nil {
		return err
	}
	for _, e := range existing {
		if e.Title == demoExamTitle {
			return nil
		}
	}
	open := now.Add(-24 * time.Hour)
	closeAt := now.AddDate(0, 3, 0)
	if _, err := es.CreateExam(ctx, sys, exam.ExamInput{Title: demoExamTitle,
		Description: "演示考试：单选20题、多选10题、判断15题，满分100分，80分合格，限时60分钟；可补考一次。参加前须完成本年度培训学时；考试合格即颁发安全培训合格证明。",
		OpenAt:      &open, CloseAt: &closeAt, AttemptsAllowed: 2, ReviewPolicy: exam.ReviewAfterSubmit,
		RequiredRules: []string{"worker_annual_high"}, AwardsKind: "training_pass", Blueprint: demoBlueprint()}); err != nil {
		return fmt.Errorf("demo: exam: %w", err)
	}
	if _, err := es.CreateExam(ctx, sys, exam.ExamInput{Title: "模拟练习：安全生产知识（随时可练）",
		Description: "与正式考试相同的组卷方案，每题作答后立即显示对错和解析；答错的题目进入错题本。",
		Practice:    true, Blueprint: demoBlueprint()}); err != nil {
		return fmt.Errorf("demo: practice: %w", err)
	}
	return learnerTrained(ctx, accounts, rs, cs, now)
}

// learnerTrained records the demo learner's offline training.
func learnerTrained(ctx context.Context, accounts *account.Store, rs *roster.Store, cs *course.Store, now time.Time) error {
	users, _, err := accounts.ListUsers(ctx, account.System(), account.UserFilter{Text: "learner", Role: account.RoleLearner})
	if err != nil {
		return err
	}
	for _, u := range users {
		if u.Username != "learner" || u.PersonID == nil {
			continue
		}
		enterpriseID, err := rs.PersonEnterprise(ctx, *u.PersonID)
		if err != nil {
			return err
		}
		day := now.In(hours.ChinaTime()).Format(time.DateOnly)
		for _, part := range []string{"上午", "下午"} {
			_, err := cs.RecordOffline(ctx, account.System(), course.OfflineInput{EnterpriseID: enterpriseID, Category: "post_safety",
				Date: day, Minutes: 450, Content: "岗位安全操作规程与应急处置（演示数据，" + part + "）", Teacher: "安全管理部",
				Place: "公司培训室", PersonIDs: []uint{*u.PersonID}})
			if err != nil && fault.As(err).Kind != fault.Invalid {
				return fmt.Errorf("demo: learner's training: %w", err)
			}
		}
	}
	return nil
}
