package roster_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"anpei/ident"
	"anpei/roster"
)

func TestValidatePersonInput(t *testing.T) {
	items := map[string]bool{"1.1": true, "1.2": true, "5.9": true, "5.10": true, "9.9": false}
	const (
		example  = "11010519491231002X" // RULES §5.1: born 1949-12-31, female
		legacy15 = "110105491231002"
		badCheck = "110105194912310021"
	)
	foreign := ident.MakeResidentID("930302", time.Date(1985, 1, 1, 0, 0, 0, 0, time.UTC), 8, true)
	child := ident.MakeResidentID("530302", time.Date(2012, 5, 1, 0, 0, 0, 0, time.UTC), 1, true)
	valid := func() roster.PersonInput {
		return roster.PersonInput{
			DocNumber: example, Name: "李四", Phone: "13912345678", Categories: roster.CategorySpecialOperator,
			OperationItems: []string{"1.1"}, DutyStatus: roster.DutyOn, AppointedOn: date(2020, 1, 1),
		}
	}
	type want struct{ field, msg string }
	cases := []struct {
		name   string
		change func(*roster.PersonInput)
		want   []want
	}{
		{"valid", func(in *roster.PersonInput) {}, nil},
		{"lowercase x and spaces", func(in *roster.PersonInput) { in.DocNumber = " 11010519491231002x " }, nil},
		{"legacy 15 digits", func(in *roster.PersonInput) { in.DocNumber = legacy15 }, nil},
		{"defaults", func(in *roster.PersonInput) { in.DutyStatus, in.EmploymentKind, in.DocType = "", "", "" }, nil},
		{"bad check digit", func(in *roster.PersonInput) { in.DocNumber = badCheck }, []want{{"doc_number", "校验位错误"}}},
		{"empty number", func(in *roster.PersonInput) { in.DocNumber = "" }, []want{{"doc_number", "不能为空"}}},
		{"foreign number as resident ID", func(in *roster.PersonInput) { in.DocNumber = foreign }, []want{{"doc_type", "外国人永久居留身份证"}}},
		{"unknown doc type", func(in *roster.PersonInput) { in.DocType = "driving_licence" }, []want{{"doc_type", "证件类型"}}},
		{"empty name", func(in *roster.PersonInput) { in.Name = "  " }, []want{{"name", "请填写姓名"}}},
		{"long name", func(in *roster.PersonInput) { in.Name = strings.Repeat("名", 51) }, []want{{"name", "不能超过50个字"}}},
		{"sex disagrees", func(in *roster.PersonInput) { in.Sex = ident.SexMale }, []want{{"sex", "性别与证件号码不符（证件号码显示为女）"}}},
		{"birth disagrees", func(in *roster.PersonInput) { in.BirthDate = date(1950, 1, 1) }, []want{{"birth_date", "1949-12-31"}}},
		{"birth agrees", func(in *roster.PersonInput) { in.BirthDate = date(1949, 12, 31); in.Sex = ident.SexFemale }, nil},
		{"passport birth in future", func(in *roster.PersonInput) {
			in.DocType, in.DocNumber, in.BirthDate = ident.DocPassport, "E12345678", date(2030, 1, 1)
		}, []want{{"birth_date", "不能晚于今天"}}},
		{"bad phone", func(in *roster.PersonInput) { in.Phone = "12345" }, []want{{"phone", "电话号码格式不正确"}}},
		{"landline phone", func(in *roster.PersonInput) { in.Phone = "0874-3123456" }, nil},
		{"full-width mobile", func(in *roster.PersonInput) { in.Phone = "+86 １３９１２３４５６７８" }, nil},
		{"bad education", func(in *roster.PersonInput) { in.Education = "phd" }, []want{{"education", "学历"}}},
		{"no category", func(in *roster.PersonInput) { in.Categories, in.OperationItems = 0, nil }, []want{{"categories", "至少选择一个人员类别"}}},
		{"special operator without items", func(in *roster.PersonInput) { in.OperationItems = nil }, []want{{"operation_items", "至少填写一个准操项目"}}},
		{"items without special operator", func(in *roster.PersonInput) { in.Categories = roster.CategoryOther }, []want{{"operation_items", "只有特种作业人员"}}},
		{"unknown item", func(in *roster.PersonInput) { in.OperationItems = []string{"1.1", "12.1"} }, []want{{"operation_items", "“12.1”不在特种作业目录中"}}},
		{"inactive item", func(in *roster.PersonInput) { in.OperationItems = []string{"9.9"} }, []want{{"operation_items", "“9.9”已停用"}}},
		{"bad employment kind", func(in *roster.PersonInput) { in.EmploymentKind = "gig" }, []want{{"employment_kind", "用工形式"}}},
		{"bad duty status", func(in *roster.PersonInput) { in.DutyStatus = "fired" }, []want{{"duty_status", "在岗状态"}}},
		{"on duty without date", func(in *roster.PersonInput) { in.AppointedOn = nil }, []want{{"appointed_on", "请填写上岗日期"}}},
		{"appointed in future", func(in *roster.PersonInput) { in.AppointedOn = date(2025, 6, 16) }, []want{{"appointed_on", "上岗日期不能晚于今天"}}},
		{"appointed today", func(in *roster.PersonInput) { in.AppointedOn = date(2025, 6, 15) }, nil},
		{"under 16 when appointed", func(in *roster.PersonInput) { in.DocNumber = child; in.AppointedOn = date(2025, 1, 1) }, []want{{"appointed_on", "未满16周岁"}}},
		{"on duty with left date", func(in *roster.PersonInput) { in.LeftOn = date(2021, 1, 1) }, []want{{"left_on", "在岗人员不应填写离岗日期"}}},
		{"off duty without left date", func(in *roster.PersonInput) { in.DutyStatus = roster.DutyOff }, []want{{"left_on", "须填写离岗日期"}}},
		{"left before appointed", func(in *roster.PersonInput) { in.DutyStatus, in.LeftOn = roster.DutyOff, date(2019, 1, 1) }, []want{{"left_on", "不能早于上岗日期"}}},
		{"left in future", func(in *roster.PersonInput) { in.DutyStatus, in.LeftOn = roster.DutyOff, date(2026, 1, 1) }, []want{{"left_on", "不能晚于今天"}}},
		{"pending with date", func(in *roster.PersonInput) { in.DutyStatus = roster.DutyPending }, []want{{"appointed_on", "待上岗人员不应填写上岗日期"}}},
		{"pending", func(in *roster.PersonInput) { in.DutyStatus, in.AppointedOn = roster.DutyPending, nil }, nil},
		{"several problems", func(in *roster.PersonInput) { in.Name = ""; in.Phone = "x" }, []want{{"name", "姓名"}, {"phone", "电话"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := valid()
			c.change(&in)
			got := roster.ValidatePersonInput(in, today(), items)
			if len(got) != len(c.want) {
				t.Fatalf("details = %+v, want %d: %+v", got, len(c.want), c.want)
			}
			for i, w := range c.want {
				if got[i].Field != w.field || !strings.Contains(got[i].Message, w.msg) {
					t.Errorf("detail %d = {%s %q}, want field %s with %q", i, got[i].Field, got[i].Message, w.field, w.msg)
				}
			}
		})
	}
}

func TestCategoryJSONAndParse(t *testing.T) {
	c := roster.CategoryPrincipal | roster.CategorySpecialOperator
	b, err := json.Marshal(c)
	if err != nil || string(b) != `["principal","special_operator"]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back roster.Category
	if err := json.Unmarshal([]byte(`["principal","特种作业人员"]`), &back); err != nil || back != c {
		t.Fatalf("Unmarshal = %v, %v; want %v", back, err, c)
	}
	if err := json.Unmarshal([]byte(`5`), &back); err != nil || back != c {
		t.Fatalf("Unmarshal number = %v, %v", back, err)
	}
	if err := json.Unmarshal([]byte(`["boss"]`), &back); err == nil {
		t.Fatal("Unmarshal accepted an unknown category")
	}
	if got := c.Label(); got != "主要负责人、特种作业人员" {
		t.Errorf("Label = %q", got)
	}
	if got, ok := roster.ParseCategory("安全管理人员"); !ok || got != roster.CategorySafetyManager {
		t.Errorf("ParseCategory(安全管理人员) = %v, %v", got, ok)
	}
	for _, s := range []string{"在岗", "on_duty"} {
		if got, ok := roster.ParseDutyStatus(s); !ok || got != roster.DutyOn {
			t.Errorf("ParseDutyStatus(%q) = %v, %v", s, got, ok)
		}
	}
	if got, ok := roster.ParseEmploymentKind("劳务派遣"); !ok || got != roster.EmployDispatched {
		t.Errorf("ParseEmploymentKind = %v, %v", got, ok)
	}
	if got, ok := roster.ParseDutyKind("返岗"); !ok || got != roster.DutyReturn {
		t.Errorf("ParseDutyKind = %v, %v", got, ok)
	}
	if _, ok := roster.ParseEducation("博士后"); ok {
		t.Error("ParseEducation accepted an unknown level")
	}
}

// TestPersonJSONHidesSecrets checks that the model itself can never carry
// the sealed number or its hash into a response.
func TestPersonJSONHidesSecrets(t *testing.T) {
	p := roster.PersonRow{Person: roster.Person{IDCipher: "v1:SECRETCIPHER", IDHash: "SECRETHASH", IDMasked: "530302********123X"}}
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"SECRETCIPHER", "SECRETHASH", "id_cipher", "id_hash"} {
		if strings.Contains(string(b), bad) {
			t.Errorf("JSON %s contains %q", b, bad)
		}
	}
}
