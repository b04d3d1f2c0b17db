package roster_test

import (
	"slices"
	"testing"

	"anpei/roster"
)

func TestReferenceData(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		towns, err := e.store.Towns(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(towns) != 15 || towns[0].Code != "530302001" || towns[0].Name != "南宁街道" {
			t.Fatalf("towns = %d, first %+v; want 15 starting with 530302001 南宁街道", len(towns), towns[0])
		}
		streets := 0
		for _, tw := range towns {
			if tw.Kind == "street" {
				streets++
			}
		}
		if streets != 12 {
			t.Errorf("%d streets, want 12 (and 3 towns)", streets)
		}

		depts, err := e.store.Departments(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		deptCodes := map[string]bool{}
		for _, d := range depts {
			deptCodes[d.Code] = true
		}
		if len(depts) != 13 {
			t.Errorf("%d departments, want 13", len(depts))
		}

		inds, err := e.store.Industries(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		var high, assess []string
		regulated := map[string]bool{}
		for _, in := range inds {
			if !deptCodes[in.DepartmentCode] {
				t.Errorf("industry %s names unknown department %q", in.Code, in.DepartmentCode)
			}
			regulated[in.DepartmentCode] = true
			if in.HighRisk {
				high = append(high, in.Code)
				if !in.AssessmentRequired {
					t.Errorf("high-risk industry %s does not require the assessment", in.Code)
				}
			}
			if in.AssessmentRequired {
				assess = append(assess, in.Code)
			}
		}
		slices.Sort(high)
		if want := []string{"coal", "fireworks", "hazchem", "metallurgy", "mine_noncoal"}; !slices.Equal(high, want) {
			t.Errorf("high-risk industries = %v, want the five of 3号令 %v", high, want)
		}
		for _, code := range []string{"construction", "transport"} {
			if !slices.Contains(assess, code) {
				t.Errorf("industry %s should require the principal assessment (Safety Law Art.27)", code)
			}
		}
		for code := range deptCodes {
			if !regulated[code] {
				t.Errorf("department %s regulates no industry, so its regulators would see nothing", code)
			}
		}

		cats, err := e.store.OperationCategories(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if len(cats) != 11 {
			t.Errorf("%d operation categories, want 11", len(cats))
		}
		items, err := e.store.OperationItems(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		codes := make([]string, len(items))
		for i, it := range items {
			codes[i] = it.Code
			if !it.Active {
				t.Errorf("item %s shipped inactive", it.Code)
			}
			if !slices.ContainsFunc(cats, func(c roster.OperationCategory) bool { return c.Code == it.CategoryCode }) {
				t.Errorf("item %s has unknown category %s", it.Code, it.CategoryCode)
			}
		}
		for _, want := range []string{"1.1", "1.4", "1.5", "1.6", "5.10", "9.16", "10.5"} {
			if !slices.Contains(codes, want) {
				t.Errorf("catalogue lacks item %s", want)
			}
		}
		if i, j := slices.Index(codes, "5.9"), slices.Index(codes, "5.10"); i < 0 || j != i+1 {
			t.Errorf("5.10 should follow 5.9 in display order: %v", codes)
		}
		if len(items) != 54 {
			t.Errorf("%d operation items, want 54", len(items))
		}
	})
}

func TestSeedReferenceKeepsEdits(t *testing.T) {
	each(t, func(t *testing.T, e *env) {
		if err := e.db.Model(&roster.OperationItem{}).Where("code = ?", "1.3").Update("active", false).Error; err != nil {
			t.Fatal(err)
		}
		if err := e.db.Where("code = ?", "530302012").Delete(&roster.Town{}).Error; err != nil {
			t.Fatal(err)
		}
		if err := roster.AutoMigrate(e.db); err != nil {
			t.Fatalf("second AutoMigrate: %v", err)
		}
		set, err := e.store.OperationItemSet(e.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if active, ok := set["1.3"]; !ok || active {
			t.Errorf("item 1.3 after re-seed: known %v active %v; want the edit (inactive) kept", ok, active)
		}
		towns, _ := e.store.Towns(e.ctx)
		if len(towns) != 15 {
			t.Errorf("re-seed restored %d towns, want the missing one back (15)", len(towns))
		}
		var n int64
		e.db.Model(&roster.OperationItem{}).Count(&n)
		if n != 54 {
			t.Errorf("re-seed left %d items, want 54 (no duplicates)", n)
		}
	})
}
