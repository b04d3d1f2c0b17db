package roster_test

import (
	"bytes"
	"testing"
	"time"

	"gorm.io/gorm"

	"anpei/db/dbtest"
	"anpei/ident"
	"anpei/roster"
)

// The import's target (issue 3) is to stay within 3× of a bare GORM batch
// insert of the same people rows. Run both in one go on every dialect:
//
//	ANPEI_TEST_MYSQL_DSN='root@tcp(127.0.0.1:3306)/' go test -run=NONE -bench='Import20k|BareInsert20k' -benchtime=3x ./roster

const benchRows = 20000

// xlBenchDialects runs fn as a sub-benchmark per dialect with a fresh env.
func xlBenchDialects(b *testing.B, fn func(b *testing.B, e *xlEnv)) {
	b.Run("sqlite", func(b *testing.B) { fn(b, xlNewEnv(b, dbtest.SQLite(b, xlMigrate))) })
	b.Run("mysql", func(b *testing.B) { fn(b, xlNewEnv(b, dbtest.MySQL(b, xlMigrate))) })
}

// clearPeople empties the tables an import writes (the audit ledger is
// append-only and stays).
func (e *xlEnv) clearPeople(b *testing.B) {
	b.Helper()
	for _, table := range []string{"person_operation_items", "duty_events", "people"} {
		if err := e.db.Session(&gorm.Session{AllowGlobalUpdate: true}).Exec("DELETE FROM " + table).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImport20k imports a 20,000-row roster into an empty enterprise:
// parsing, every check, sealing and hashing the numbers, and the writes
// (people, their operation items, duty events, the audit entry).
func BenchmarkImport20k(b *testing.B) {
	file := xlLargeRoster(b, benchRows)
	xlBenchDialects(b, func(b *testing.B, e *xlEnv) {
		p := xlEntAdmin(e.a.ID)
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			e.clearPeople(b)
			b.StartTimer()
			rep, err := e.store.ImportRoster(e.ctx, p, e.a.ID, bytes.NewReader(file), int64(len(file)), false, nil)
			if err != nil || rep.Created != benchRows {
				b.Fatalf("import: %+v, %v", rep, xlErr(err))
			}
		}
	})
}

// BenchmarkBareInsert20k is the floor: the same 20,000 people rows, built
// (numbers sealed and hashed) before the clock starts, written with GORM's
// CreateInBatches of 500 and nothing else.
func BenchmarkBareInsert20k(b *testing.B) {
	xlBenchDialects(b, func(b *testing.B, e *xlEnv) {
		today := time.Date(2025, 6, 15, 0, 0, 0, 0, time.UTC)
		people := make([]roster.Person, benchRows)
		for i := range people {
			r := xlPerson(i)
			id, err := ident.ParseID(ident.DocResidentID, r[1].(string), today)
			if err != nil {
				b.Fatal(err)
			}
			sealed, err := e.keys.Seal(id.Number)
			if err != nil {
				b.Fatal(err)
			}
			appointed := r[9].(time.Time)
			people[i] = roster.Person{
				DocType: id.Type, IDHash: e.keys.Hash(id.Number), IDCipher: sealed, IDMasked: ident.MaskID(id.Number),
				Name: r[2].(string), Sex: id.Sex, BirthDate: &id.Birth, Phone: r[3].(string), Education: roster.EduSenior,
				EnterpriseID: e.a.ID, Categories: roster.CategoryOther, Position: r[7].(string), DutyStatus: roster.DutyOn,
				AppointedOn: &appointed, EmploymentKind: roster.EmployFormal,
			}
		}
		b.ReportAllocs()
		b.ResetTimer()
		for range b.N {
			b.StopTimer()
			e.clearPeople(b)
			rows := make([]roster.Person, len(people))
			copy(rows, people)
			b.StartTimer()
			if err := e.db.CreateInBatches(&rows, 500).Error; err != nil {
				b.Fatal(err)
			}
		}
	})
}
