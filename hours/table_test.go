package hours

import (
	"regexp"
	"strings"
	"testing"
)

func TestDefaultTableLoadsAndCitesSources(t *testing.T) {
	tab := defaultTable(t)
	rules := tab.Rules()
	if len(rules) < 14 {
		t.Fatalf("default table has %d rules, want at least 14", len(rules))
	}
	article := regexp.MustCompile(`第\d+条|〔\d{4}〕`)
	section := regexp.MustCompile(`RULES §\d`)
	for _, r := range rules {
		if !article.MatchString(r.Source) || !section.MatchString(r.Source) {
			t.Errorf("rule %s: source %q cites no article or no RULES.md section", r.ID, r.Source)
		}
		if r.Setting != (r.Confidence == "C") {
			t.Errorf("rule %s: confidence %s but Setting=%v; [C] rules and only they are settings", r.ID, r.Confidence, r.Setting)
		}
		if r.Label == "" || r.Hours <= 0 || len(r.CourseCategories) == 0 {
			t.Errorf("rule %s: label %q, hours %s, %d course categories", r.ID, r.Label, r.Hours, len(r.CourseCategories))
		}
		for _, c := range r.CourseCategories {
			if tab.CourseCategoryLabel(c) == "" {
				t.Errorf("rule %s: course category %q has no label", r.ID, c)
			}
		}
	}
	// The named course categories are codes of the table.
	for code, label := range map[string]string{"law": "安全生产法律法规", "hazard_standard": "重大事故隐患判定标准",
		"emergency": "应急处置与逃生", "special_theory": "特种作业理论", "occupational_health": "职业健康"} {
		if got := tab.CourseCategoryLabel(code); got != label {
			t.Errorf("course category %s = %q, want %q", code, got, label)
		}
	}
}

func TestRulesReturnsACopy(t *testing.T) {
	tab := defaultTable(t)
	rules := tab.Rules()
	rules[0].CourseCategories[0] = "changed"
	rules[0].Hours = 1
	if again := tab.Rules(); again[0].CourseCategories[0] == "changed" || again[0].Hours == 1 {
		t.Error("changing the slice from Rules changed the table")
	}
}

// row builds a rules.tsv line from the good row with field i replaced.
func row(replace map[int]string) string {
	f := []string{"r1", "annual", "other", "any", "8", "-", "-", "law", "-", "30", "0", "B", "3号令第13条；RULES §1.2", "年度再培训"}
	for i, v := range replace {
		f[i] = v
	}
	return strings.Join(f, "\t")
}

func TestParseTableRejects(t *testing.T) {
	const cats = "law\t安全生产法律法规\nemergency\t应急处置与逃生\n"
	tests := []struct {
		name, rules, cats, want string
	}{
		{"no rules", "# only a comment\n", cats, "no rules"},
		{"field count", "r1\tannual\n", cats, "fields, want 14"},
		{"empty field", row(map[int]string{13: " "}), cats, "field 14 is empty"},
		{"bad id", row(map[int]string{0: "R-1"}), cats, "lower-case code"},
		{"unknown trigger", row(map[int]string{1: "promotion"}), cats, "unknown trigger"},
		{"unknown person category", row(map[int]string{2: "other,boss"}), cats, "unknown person category"},
		{"unknown sector", row(map[int]string{3: "mining"}), cats, "unknown sector"},
		{"zero hours", row(map[int]string{4: "0"}), cats, "must be positive"},
		{"bad hours", row(map[int]string{4: "eight"}), cats, "not a decimal"},
		{"annual with a window", row(map[int]string{5: "-6m", 6: "0d"}), cats, "calendar year"},
		{"event without a window", row(map[int]string{1: "transfer"}), cats, "offset"},
		{"due before from", row(map[int]string{1: "transfer", 5: "0d", 6: "-1d"}), cats, "is before from"},
		{"unknown course category", row(map[int]string{7: "law,cooking"}), cats, "course category"},
		{"repeated course category", row(map[int]string{7: "law,law"}), cats, "course category"},
		{"bad alert", row(map[int]string{9: "-3"}), cats, "alert_days"},
		{"bad assessment", row(map[int]string{10: "yes"}), cats, "assessment"},
		{"bad confidence", row(map[int]string{11: "D"}), cats, "confidence"},
		{"no source", row(map[int]string{12: "-"}), cats, "cites no source"},
		{"no label", row(map[int]string{13: "-"}), cats, "no label"},
		{"repeated id", row(nil) + "\n" + row(map[int]string{3: "high_risk"}), cats, "repeated"},
		{"ambiguous overlap", row(nil) + "\n" + row(map[int]string{0: "r2", 2: "other,principal"}), cats, "overlaps"},
		{"bad course category code", row(nil), "Law\t法律\n", "malformed or repeated"},
		{"course categories field count", row(nil), "law\n", "course_categories.tsv line 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTable(strings.NewReader(tt.rules), strings.NewReader(tt.cats))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("ParseTable error = %v, want one containing %q", err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "hours: ") {
				t.Errorf("error %q does not name the package", err)
			}
		})
	}
}

func TestParseTableAcceptsADeploymentSetting(t *testing.T) {
	// A district raising the transfer retraining to 12 学时 and sharing it
	// with annual training writes its own row; the table takes it.
	rules := row(map[int]string{0: "worker_transfer", 1: "transfer", 4: "12", 5: "-3m", 6: "+1m", 8: "annual", 11: "C"})
	tab, err := ParseTable(strings.NewReader(rules), strings.NewReader("law\t安全生产法律法规\n"))
	if err != nil {
		t.Fatal(err)
	}
	r, ok := tab.Rule("worker_transfer")
	if !ok || r.Hours != Whole(12) || !r.Setting || r.Due != (Offset{Months: 1}) || r.Share != "annual" {
		t.Errorf("rule = %+v, %v", r, ok)
	}
}
