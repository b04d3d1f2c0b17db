package roster_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/pii"
	"anpei/roster"
)

// BenchmarkUpsertPeople imports a fresh 20,000-row roster per iteration:
// validation, sealing, people, their operation items and duty events, and
// the audit entry. BenchmarkBareInsert is the floor to compare it with.
func BenchmarkUpsertPeople(b *testing.B) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		b.Run(dialect, func(b *testing.B) {
			e := benchEnv(b, dialect)
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				ent := e.enterprise(b, fmt.Sprintf("企业%d", i), townA, industryA)
				rows := make([]roster.PersonInput, 20000)
				for j := range rows {
					rows[j] = e.personInput(0, fmt.Sprintf("工人%05d", j))
				}
				b.StartTimer()
				res, err := e.store.UpsertPeople(e.ctx, admin, ent.ID, rows)
				b.StopTimer()
				if err != nil || res.Created != len(rows) {
					b.Fatalf("import = %+v, %v", res, err)
				}
			}
		})
	}
}

// BenchmarkBareInsert inserts 20,000 ready-made people rows with one GORM
// CreateInBatches of 500 and nothing else.
func BenchmarkBareInsert(b *testing.B) {
	for _, dialect := range []string{"sqlite", "mysql"} {
		b.Run(dialect, func(b *testing.B) {
			e := benchEnv(b, dialect)
			b.StopTimer()
			for i := 0; i < b.N; i++ {
				ent := e.enterprise(b, fmt.Sprintf("企业%d", i), townA, industryA)
				people := make([]roster.Person, 20000)
				for j := range people {
					number := e.idNumber()
					sealed, _ := e.keys.Seal(number)
					people[j] = roster.Person{
						DocType: "resident_id", IDHash: e.keys.Hash(number), IDCipher: sealed, IDMasked: number,
						Name: fmt.Sprintf("工人%05d", j), Phone: "13912345678", EnterpriseID: ent.ID,
						Categories: roster.CategorySpecialOperator, DutyStatus: roster.DutyOn,
						AppointedOn: date(2024, 3, 1), EmploymentKind: roster.EmployFormal,
					}
				}
				b.StartTimer()
				err := e.db.CreateInBatches(&people, 500).Error
				b.StopTimer()
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func benchEnv(b *testing.B, dialect string) *env {
	var gdb *gorm.DB
	if dialect == "sqlite" {
		gdb = dbtest.SQLite(b, migrate)
	} else {
		gdb = dbtest.MySQL(b, migrate)
	}
	keys, err := pii.LoadOrCreate(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	return &env{ctx: context.Background(), db: gdb, keys: keys, store: roster.NewStore(gdb, keys, func() time.Time { return now })}
}
