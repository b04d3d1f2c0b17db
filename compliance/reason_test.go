package compliance

import (
	"strings"
	"testing"
)

func TestDefaultReasons(t *testing.T) {
	tab, err := DefaultReasons()
	if err != nil {
		t.Fatal(err)
	}
	all := tab.All()
	if len(all) != len(Codes()) {
		t.Fatalf("%d rows for %d codes", len(all), len(Codes()))
	}
	want := map[Code]struct {
		sev      Status
		m        Measure
		op, mgr  bool
		deadline bool // has a 即将到期 stage before its deadline
	}{
		CodeNoCertificate:           {bad, MeasureCertified, true, false, false},
		CodeCertExpired:             {bad, MeasureCertified, true, true, false},
		CodeCertSuspended:           {bad, MeasureCertified, true, true, false},
		CodeCertRevoked:             {bad, MeasureCertified, true, true, false},
		CodeReviewOverdue:           {bad, MeasureCertified, true, true, false},
		CodeCertDueSoon:             {soon, MeasureCertified, false, false, false},
		CodeManagerUnassessed:       {bad, MeasureCertified, false, true, true},
		CodePrejobTrainingMissing:   {bad, MeasurePreJob, false, false, true},
		CodeInitialTrainingMissing:  {bad, MeasurePreJob, false, false, true},
		CodeAnnualHoursShort:        {bad, MeasureAnnual, false, false, true},
		CodeSpecialRetestMissing:    {bad, MeasurePreJob, false, false, false},
		CodeReturnRetrainingMissing: {bad, MeasurePreJob, false, false, true},
		CodeCertUnverified:          {bad, MeasureCertified, false, false, false},
	}
	for _, info := range all {
		w, ok := want[info.Code]
		if !ok {
			t.Errorf("%s: not expected", info.Code)
			continue
		}
		if info.Severity != w.sev || info.Measure != w.m || info.MajorOperator != w.op || info.MajorManager != w.mgr ||
			(info.MessageBefore != "") != w.deadline {
			t.Errorf("%s: %+v", info.Code, info)
		}
		if info.Label == "" || info.Basis == "" || info.Message == "" {
			t.Errorf("%s: empty label, basis or message", info.Code)
		}
		if got, ok := ParseCode(info.Code.String()); !ok || got != info.Code {
			t.Errorf("%s: does not parse back", info.Code)
		}
	}
	// The hazard standards of RULES §6 for the two kinds of 重大事故隐患.
	if h := tab.Info(CodeNoCertificate).HazardBasis; !strings.Contains(h, "121号第2项") || !strings.Contains(h, "第三条第（二）项") {
		t.Errorf("no_certificate hazard basis %q", h)
	}
	if h := tab.Info(CodeManagerUnassessed).HazardBasis; !strings.Contains(h, "121号第1项") || !strings.Contains(h, "第三条第（三）项") {
		t.Errorf("manager_unassessed hazard basis %q", h)
	}
	if tab.Info(0).Code != 0 || tab.Info(codeEnd).Code != 0 {
		t.Error("unknown code has a row")
	}
}

func TestParseReasonsRejects(t *testing.T) {
	good := string(reasonsTSV)
	row := func(code string) string {
		for line := range strings.SplitSeq(good, "\n") {
			if strings.HasPrefix(line, code+"\t") {
				return line
			}
		}
		t.Fatalf("no row %s", code)
		return ""
	}
	replace := func(code, old, new string) string {
		r := row(code)
		return strings.Replace(good, r, strings.Replace(r, old, new, 1), 1)
	}
	cases := []struct {
		name, text, want string
	}{
		{"missing row", strings.Replace(good, row("cert_unverified")+"\n", "", 1), "no row for cert_unverified"},
		{"repeated row", good + row("cert_expired") + "\n", "repeated"},
		{"unknown code", good + strings.Replace(row("cert_expired"), "cert_expired", "cert_lost", 1) + "\n", "unknown code"},
		{"field count", replace("cert_expired", "\t证书过期", ""), "9 fields"},
		{"empty field", replace("cert_expired", "证书过期", " "), "empty"},
		{"severity", replace("cert_expired", "\t不合规\t", "\t严重\t"), "severity"},
		{"measure", replace("cert_expired", "\tcertified\t", "\tpeople\t"), "measure"},
		{"major", replace("cert_expired", "operator,high_risk_manager", "operator,boss"), "major"},
		{"major without standard", replace("no_certificate", "特种作业人员未持证上岗：安监总管三〔2017〕121号第2项；应急管理部令第10号第三条第（二）项", "-"), "hazard_basis"},
		{"major when due soon", replace("cert_due_soon", "\tcertified\t-\t", "\tcertified\toperator\t"), "only a 不合规"},
		{"placeholder", replace("cert_expired", "{due}", "{date}"), "unknown placeholder {date}"},
		{"unbalanced", replace("cert_expired", "{due}", "{due"), "unbalanced"},
		{"no basis", replace("cert_due_soon", "30号令第22条（复审或延期复审须在期满前60日内提出申请）", "-"), "basis is required"},
	}
	for _, c := range cases {
		_, err := ParseReasons(strings.NewReader(c.text))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.name, err, c.want)
		}
	}
}

func TestVocabulary(t *testing.T) {
	labels := map[Status]string{StatusNone: "不参评", StatusCompliant: "合规", StatusDueSoon: "即将到期", StatusNonCompliant: "不合规"}
	for s, l := range labels {
		if s.Label() != l || s.Code() == "" {
			t.Errorf("%d: %s %s", s, s.Label(), s.Code())
		}
	}
	if len(Statuses()) != 3 || !(StatusCompliant < StatusDueSoon && StatusDueSoon < StatusNonCompliant) {
		t.Error("statuses out of order")
	}
	for _, m := range Measures() {
		if m.Code() == "" || m.Label() == "" {
			t.Errorf("measure %d", m)
		}
	}
	if Code(200).String() != "" {
		t.Error("unknown code has a name")
	}
	if _, ok := ParseCode("nope"); ok {
		t.Error("unknown code parsed")
	}
}
