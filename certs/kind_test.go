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
		"state earns":   `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"],"earn":{"exam_pass_months":12}}]}`,
		"review>=valid": `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"],"valid_months":36,"review_months":36}]}`,
		"bad category":  `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["boss"]}]}`,
		"dup code":      `{"kinds":[{"code":"a","name":"A","issuer":"state","categories":["other"]},{"code":"a","name":"B","issuer":"state","categories":["other"]}]}`,
		"dup prefix":    `{"kinds":[{"code":"a","name":"A","issuer":"anpei","prefix":"P","categories":["other"]},{"code":"b","name":"B","issuer":"anpei","prefix":"P","categories":["other"]}]}`,
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
