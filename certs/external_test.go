package certs

import (
	"context"
	"errors"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/fault"
)

func TestRegisterExternal(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, _ := testStore(t, gdb, c)
		ctx := context.Background()
		good := ExternalInput{PersonID: 1, Kind: "special_operation", Number: "t530302199001011234", OperationItem: "1.2", IssuedOn: "2024-03-15"}
		type badCase struct {
			name  string
			in    ExternalInput
			field string
		}
		mod := func(f func(*ExternalInput)) ExternalInput { in := good; f(&in); return in }
		for _, cs := range []badCase{
			{"anpei kind", mod(func(in *ExternalInput) { in.Kind = "training_pass" }), "kind"},
			{"T number of someone else", mod(func(in *ExternalInput) { in.Number = "T110105194912310020" }), "number"},
			{"no number", mod(func(in *ExternalInput) { in.Number = "" }), "number"},
			{"item not on roster", mod(func(in *ExternalInput) { in.OperationItem = "9.1" }), "operation_item"},
			{"future date", mod(func(in *ExternalInput) { in.IssuedOn = "2027-01-01" }), "issued_on"},
			{"bad date", mod(func(in *ExternalInput) { in.IssuedOn = "去年" }), "issued_on"},
			{"expiry before issue", mod(func(in *ExternalInput) { in.ValidUntil = "2020-01-01" }), "valid_until"},
			{"review after expiry", mod(func(in *ExternalInput) { in.NextReview = "2031-01-01" }), "next_review"},
		} {
			_, err := st.RegisterExternal(ctx, entAdmin, cs.in)
			fe := fault.As(err)
			if !errors.Is(err, ErrInvalid) || len(fe.Details) == 0 || fe.Details[0].Field != cs.field {
				t.Errorf("%s: %v %+v", cs.name, err, fe.Details)
			}
		}
		var n int64
		gdb.Model(&Certificate{}).Count(&n)
		if n != 0 {
			t.Fatalf("%d rows after refusals", n)
		}
		if _, err := st.RegisterExternal(ctx, entAdmin, mod(func(in *ExternalInput) { in.PersonID = 3 })); fault.As(err).Kind != fault.NotFound {
			t.Fatalf("another enterprise's worker: %v", err)
		}
		cert, err := st.RegisterExternal(ctx, entAdmin, good)
		if err != nil {
			t.Fatal(err)
		}
		if cert.Number != "T530302199001011234" || cert.Verified || !cert.External || cert.Issuer != "曲靖市应急管理局" ||
			cert.ValidUntil.Format("2006-01-02") != "2030-03-15" || cert.NextReview.Format("2006-01-02") != "2027-03-15" {
			t.Fatalf("registered %+v", cert)
		}
		if _, err := st.RegisterExternal(ctx, entAdmin, good); !errors.Is(err, ErrDuplicate) {
			t.Fatalf("second registration: %v", err)
		}
		if _, err := st.MarkVerified(ctx, entAdmin, cert.ID, ""); !errors.Is(err, ErrForbidden) {
			t.Fatalf("enterprise admin verified: %v", err)
		}
		if v, err := st.MarkVerified(ctx, townReg, cert.ID, "已查询 cx.mem.gov.cn"); err != nil || !v.Verified {
			t.Fatalf("verify: %v", err)
		}
		if _, err := st.MarkVerified(ctx, townReg, cert.ID, ""); !errors.Is(err, ErrStateChange) {
			t.Fatalf("verified twice: %v", err)
		}
	})
}

func TestRecordReview(t *testing.T) {
	dbtest.Each(t, migrateAll, func(t *testing.T, gdb *gorm.DB) {
		c := &clock{t: today}
		st, col := testStore(t, gdb, c)
		ctx := context.Background()
		// Issued 2023-12-20: review due 2026-12-20, window opens 10-21.
		cert, err := st.RegisterExternal(ctx, admin, ExternalInput{PersonID: 1, Kind: "special_operation", Number: "T530302199001011234",
			OperationItem: "1.2", IssuedOn: "2023-12-20"})
		if err != nil {
			t.Fatal(err)
		}
		if v, _ := st.Get(ctx, admin, cert.ID); v.Status != StatusReviewDue {
			t.Fatalf("status %s", v.Status)
		}
		col.unmet[1] = []string{"特种作业操作证复审培训：还差 8 学时"}
		day := func(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }
		if _, err := st.RecordReview(ctx, admin, cert.ID, ReviewInput{ReviewedOn: day("2026-11-20"), ExamPassed: true}); !errors.Is(err, ErrNotEarned) {
			t.Fatalf("hours not done: %v", err)
		}
		col.mu.Lock()
		col.unmet[1] = nil
		col.mu.Unlock()
		for _, cs := range []struct {
			in    ReviewInput
			field string
		}{
			{ReviewInput{ReviewedOn: day("2026-10-01"), ExamPassed: true}, "reviewed_on"},
			{ReviewInput{ReviewedOn: day("2026-12-01"), ExamPassed: true}, "reviewed_on"},
			{ReviewInput{ReviewedOn: day("2026-11-20")}, "exam_passed"},
		} {
			_, err := st.RecordReview(ctx, admin, cert.ID, cs.in)
			if fe := fault.As(err); len(fe.Details) == 0 || fe.Details[0].Field != cs.field {
				t.Errorf("%+v: %v", cs.in, err)
			}
		}
		v, err := st.RecordReview(ctx, admin, cert.ID, ReviewInput{ReviewedOn: day("2026-11-20"), ExamPassed: true, Note: "复审考试92分"})
		if err != nil {
			t.Fatal(err)
		}
		// The next review would reach the expiry (2029-12-20): none pending.
		if v.NextReview != nil || v.LastReview.Format("2006-01-02") != "2026-11-20" {
			t.Fatalf("after review: %+v", v)
		}
		got, _ := st.Get(ctx, admin, cert.ID)
		if got.Status != StatusValid || got.Events[len(got.Events)-1].Action != "reviewed" {
			t.Fatalf("after review %s %+v", got.Status, got.Events)
		}
		if _, err := st.RecordReview(ctx, admin, cert.ID, ReviewInput{ExamPassed: true}); !errors.Is(err, ErrStateChange) {
			t.Fatalf("second review: %v", err)
		}
	})
}
