package certs

import (
	"strings"
	"testing"

	"anpei/roster"
)

func TestBuiltInKinds(t *testing.T) {
	ks, err := LoadKinds()
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		code              string
		issuer            Issuer
		valid, review     int
		window, renew     int
		extended, clean   int
		reviewHours       int
		earnable, item    bool
		qualifies, denies roster.Category
	}{
		{"training_pass", IssuerAnpei, 12, 0, 0, 30, 0, 0, 0, true, false, roster.CategoryOther, 0},
		{"hours_record", IssuerAnpei, 0, 0, 0, 0, 0, 0, 0, false, false, roster.CategoryPrincipal, 0},
		{"manager_assessment", IssuerAnpei, 36, 0, 0, 30, 0, 0, 0, true, false, roster.CategorySafetyManager, roster.CategoryOther},
		{"special_op_training", IssuerAnpei, 12, 0, 0, 30, 0, 0, 0, true, true, roster.CategorySpecialOperator, roster.CategoryPrincipal},
		{"special_operation", IssuerState, 72, 36, 60, 60, 72, 10, 8, false, true, roster.CategorySpecialOperator, roster.CategoryOther},
		{"safety_qualification", IssuerState, 36, 0, 0, 30, 0, 0, 0, false, false, roster.CategoryPrincipal, roster.CategorySpecialOperator},
	}
	if got := len(ks.All()); got != len(cases) {
		t.Fatalf("%d kinds, want %d", got, len(cases))
	}
	for _, c := range cases {
		k, ok := ks.Get(c.code)
		if !ok {
			t.Fatalf("kind %s missing", c.code)
		}
		if k.Issuer != c.issuer || k.ValidMonths != c.valid || k.ReviewMonths != c.review || k.ReviewWindowDays != c.window ||
			k.RenewWindowDays != c.renew || k.ExtendedReviewMonths != c.extended || k.CleanYears != c.clean || k.ReviewHours != c.reviewHours {
			t.Errorf("%s: %+v", c.code, k)
		}
		if k.Earnable() != c.earnable || k.NeedsItem != c.item {
			t.Errorf("%s: earnable %v needs item %v", c.code, k.Earnable(), k.NeedsItem)
		}
		if !k.Qualifies(c.qualifies) || (c.denies != 0 && k.Qualifies(c.denies)) {
			t.Errorf("%s: categories %v", c.code, k.Categories)
		}
		if k.Basis == "" || k.Name == "" {
			t.Errorf("%s: no name or basis", c.code)
		}
	}
	if n := len(ks.Earnable()); n != 3 {
		t.Errorf("%d earnable kinds, want 3", n)
	}
}

func TestParseKindsRefusesBadRows(t *testing.T) {
	cases := map[string]string{
		"empty":         `{"kinds":[]}`,
		"no issuer":     `{"kinds":[{"code":"a","name":"A","categories":["other"]}]}`,
		"anpei no pfx":  `{"kinds":[{"code":"a","name":"A","issuer":"anpei","categories":["other"]}]}`,
		"anpei no text": `{"kinds":[{"code":"a","name":"A","issuer":"anpei","prefix":"A","categories":["other"]}]}`,
		"state earns":   `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"],"earn":{"exam_pass_months":12}}]}`,
		"review>=valid": `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"],"valid_months":36,"review_months":36}]}`,
		"bad category":  `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["boss"]}]}`,
		"dup code":      `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"]},{"code":"a","name":"B","issuer":"state","categories":["other"]}]}`,
		"dup prefix":    `{"kinds":[{"code":"a","name":"A","issuer":"anpei","prefix":"P","statement":"x","categories":["other"]},{"code":"b","name":"B","issuer":"anpei","prefix":"P","statement":"x","categories":["other"]}]}`,
		"extended bad":  `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"],"valid_months":72,"review_months":36,"extended_review_months":24,"clean_years":10}]}`,
		"not json":      `{`,
	}
	for name, doc := range cases {
		if _, err := ParseKinds([]byte(doc)); err == nil {
			t.Errorf("%s: accepted", name)
		} else if !strings.HasPrefix(err.Error(), "certs: kind table") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestStatementFor(t *testing.T) {
	ks := MustKinds()
	cases := []struct{ kind, date, item, hours, want string }{
		{"training_pass", "2026年11月29日", "", "", "同志于 2026年11月29日 完成安全生产教育培训，经考核合格，特发此证。"},
		{"hours_record", "2026年11月29日", "", "线上 40 学时，线下 8 学时，共 48 学时", "同志截至 2026年11月29日 参加安全生产教育培训，线上 40 学时，线下 8 学时，共 48 学时，特此证明。"},
		{"special_op_training", "2026年3月1日", "低压电工作业", "", "同志于 2026年3月1日 完成低压电工作业安全技术理论培训，经考核合格，特发此证。"},
	}
	for _, c := range cases {
		k, _ := ks.Get(c.kind)
		if got := k.StatementFor(c.date, c.item, c.hours); got != c.want {
			t.Errorf("%s: %q, want %q", c.kind, got, c.want)
		}
	}
}
