package server

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/compliance"
	"anpei/db/dbtest"
)

// TestComplianceAPI: after a sweep the summary, breakdown and gaps answer
// within each principal's jurisdiction only; the export's totals are the
// summary's; learners and trainers see nothing.
func TestComplianceAPI(t *testing.T) {
	eachDB(t, func(t *testing.T, gdb *gorm.DB) {
		h := newHarness(t, gdb)
		tn := seedTenants(t, h)
		ctx := context.Background()
		// One registered special-operation certificate, so someone holds one.
		if _, err := h.certs.Issue(ctx, account.System(), certs.ManualInput{PersonID: tn.ownPerson, Kind: "hours_record", Reason: "测试"}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.compliance.Refresh(ctx, h.clock.Now()); err != nil {
			t.Fatal(err)
		}
		var district compliance.Summary
		res := tn.sessions["admin"].do("GET", "/api/v1/compliance/summary", nil)
		res.decode(t, &district)
		if res.status != 200 || district.Scope.Kind != "district" || district.Tally.People == 0 || district.Tally.Certified.Overall.Den == 0 {
			t.Fatalf("district summary: %d %s", res.status, res.body)
		}
		var town compliance.Summary
		tn.sessions["town-reg"].do("GET", "/api/v1/compliance/summary", nil).decode(t, &town)
		if town.Scope.Kind != "town" || town.Tally.People >= district.Tally.People {
			t.Errorf("town regulator's summary: %+v", town.Scope)
		}
		if r := tn.sessions["town-reg"].do("GET", "/api/v1/compliance/summary?scope=district", nil); r.status != 403 {
			t.Errorf("town regulator asks for the district: %d", r.status)
		}
		var ent compliance.Summary
		tn.sessions["enterprise"].do("GET", "/api/v1/compliance/summary", nil).decode(t, &ent)
		if ent.Scope.Kind != "enterprise" || ent.Scope.ID != tn.ownEnt {
			t.Errorf("enterprise admin's scope %+v", ent.Scope)
		}
		if r := tn.sessions["enterprise"].do("GET", "/api/v1/compliance/gaps?scope=enterprise:"+itoa(tn.otherEnt), nil); r.status != 403 {
			t.Errorf("enterprise admin asks for another enterprise: %d", r.status)
		}
		for _, who := range []string{"learner", "trainer"} {
			if r := tn.sessions[who].do("GET", "/api/v1/compliance/summary", nil); r.status != 403 {
				t.Errorf("%s: %d", who, r.status)
			}
		}
		var towns []compliance.Group
		tn.sessions["admin"].do("GET", "/api/v1/compliance/breakdown?by=town", nil).decode(t, &towns)
		sum := 0
		for _, g := range towns {
			sum += g.Tally.People
		}
		if sum != district.Tally.People {
			t.Errorf("towns add up to %d people, district %d", sum, district.Tally.People)
		}
		var gaps list[compliance.Gap]
		tn.sessions["admin"].do("GET", "/api/v1/compliance/gaps?limit=1000", nil).decode(t, &gaps)
		if int(gaps.Total) != district.Tally.NonCompliant+district.Tally.DueSoon {
			t.Errorf("gaps %d, summary %d + %d", gaps.Total, district.Tally.NonCompliant, district.Tally.DueSoon)
		}
		if r := tn.sessions["admin"].do("GET", "/api/v1/compliance/summary?date=2026-02-28&scope="+url.QueryEscape("district"), nil); r.status != 200 ||
			!strings.Contains(r.body, `"as_of":"2026-02-28"`) {
			t.Errorf("summary at a past date: %d %s", r.status, r.body)
		}

		// The export: its totals are the summary's.
		x := tn.sessions["admin"].do("GET", "/api/v1/compliance/export.xlsx", nil)
		if x.status != 200 {
			t.Fatalf("export: %d %s", x.status, x.body)
		}
		f, err := excelize.OpenReader(strings.NewReader(x.body))
		if err != nil {
			t.Fatal(err)
		}
		people, _ := f.GetCellValue("概况", "B3")
		certNum, _ := f.GetCellValue("概况", "C10")
		certDen, _ := f.GetCellValue("概况", "D10")
		if people != strconv.Itoa(district.Tally.People) || certNum != strconv.Itoa(district.Tally.Certified.Overall.Num) ||
			certDen != strconv.Itoa(district.Tally.Certified.Overall.Den) {
			t.Errorf("export 概况: people %s num %s den %s; summary %+v", people, certNum, certDen, district.Tally.Certified.Overall)
		}
		rows, _ := f.GetRows("缺口")
		reasons := 0
		for _, g := range gaps.Items {
			reasons += len(g.Reasons)
		}
		if len(rows)-1 != reasons {
			t.Errorf("export 缺口 has %d rows, the gaps %d reasons", len(rows)-1, reasons)
		}
		// Pages: the dashboard and the person page show the standing.
		page := tn.sessions["regulator"].do("GET", "/compliance", nil)
		if page.status != 200 || !strings.Contains(page.body, "持证上岗率") || !strings.Contains(page.body, "<svg") {
			t.Errorf("dashboard: %d", page.status)
		}
		_ = time.Now
	})
}

// TestComplianceMonthlyReport: the report of the last month-end reads as a
// PDF and a workbook whose figures are the snapshot's.
func TestComplianceMonthlyReport(t *testing.T) {
	h := newHarness(t, dbtest.SQLite(t, migrate))
	tn := seedTenants(t, h)
	ctx := context.Background()
	if r := tn.sessions["admin"].do("GET", "/api/v1/compliance/report", nil); r.status != 404 {
		t.Fatalf("report before any snapshot: %d %s", r.status, r.body)
	}
	if _, err := h.compliance.SnapshotDue(ctx, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	if _, err := h.compliance.Refresh(ctx, h.clock.Now()); err != nil {
		t.Fatal(err)
	}
	pdf := tn.sessions["regulator"].do("GET", "/api/v1/compliance/report", nil)
	if pdf.status != 200 || !strings.HasPrefix(pdf.body, "%PDF-") {
		t.Fatalf("pdf: %d %.200s", pdf.status, pdf.body)
	}
	x := tn.sessions["regulator"].do("GET", "/api/v1/compliance/report?format=xlsx", nil)
	f, err := excelize.OpenReader(strings.NewReader(x.body))
	if err != nil {
		t.Fatalf("xlsx: %d %v", x.status, err)
	}
	month, _ := f.GetCellValue("月报", "B1")
	trend, err := h.compliance.Trend(ctx, account.System(), "", 1)
	if err != nil || len(trend) != 1 || month != trend[0].Month {
		t.Fatalf("report month %q, trend %+v %v", month, trend, err)
	}
	rate, _ := f.GetCellValue("月报", "B5")
	want := trend[0].Tally.Certified.Overall
	if rate != want.Percent+"（"+strconv.Itoa(want.Num)+"/"+strconv.Itoa(want.Den)+"）" {
		t.Errorf("report rate %q, snapshot %+v", rate, want)
	}
	if r := tn.sessions["regulator"].do("GET", "/api/v1/compliance/report?format=doc", nil); r.status != 400 {
		t.Errorf("bad format: %d", r.status)
	}
}
