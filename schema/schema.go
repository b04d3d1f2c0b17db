// Package schema is the numbered list of anpei's migrations. Each domain
// package owns its tables; this list says in which order they came to be.
// Migrations are forward-only: a released entry is never edited, only
// followed by a new one.
package schema

import (
	"context"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/audit"
	"anpei/certs"
	"anpei/compliance"
	"anpei/course"
	"anpei/db"
	"anpei/exam"
	"anpei/jobs"
	"anpei/lecture"
	"anpei/notify"
	"anpei/roster"
)

// Migrations returns every migration this binary knows.
func Migrations() []db.Migration {
	return []db.Migration{
		{Version: 1, Name: "accounts, sessions and the audit ledger", Up: func(tx *gorm.DB) error {
			if err := audit.AutoMigrate(tx); err != nil {
				return err
			}
			return account.AutoMigrate(tx)
		}},
		{Version: 2, Name: "roster: reference data, enterprises, people", Up: roster.AutoMigrate},
		{Version: 3, Name: "courses, playback sessions, the training ledger, offline training", Up: course.AutoMigrate},
		{Version: 4, Name: "question bank, exams, attempts, the wrong-question book", Up: exam.AutoMigrate},
		{Version: 5, Name: "certificates and their history; exams award a certificate kind", Up: func(tx *gorm.DB) error {
			if err := exam.AutoMigrate(tx); err != nil {
				return err
			}
			return certs.AutoMigrate(tx)
		}},
		{Version: 6, Name: "notices (reminders)", Up: notify.AutoMigrate},
		{Version: 7, Name: "compliance results and month-end snapshots", Up: compliance.AutoMigrate},
		{Version: 8, Name: "live lectures: sessions, audiences, connections, presence checks, attendance, chat", Up: lecture.AutoMigrate},
		{Version: 9, Name: "background jobs run once across servers: job periods and sweep leases", Up: jobs.AutoMigrate},
		{Version: 10, Name: "playback sessions count their writes (heartbeats written in batches); the change feed of the session caches", Up: func(tx *gorm.DB) error {
			if err := tx.AutoMigrate(&course.Playback{}); err != nil {
				return err
			}
			return account.MigrateChanges(tx)
		}},
		{Version: 11, Name: "playback sessions keep what never changes apart from what heartbeats write", Up: func(tx *gorm.DB) error {
			return tx.AutoMigrate(&course.Playback{})
		}},
	}
}

// Migrate brings gdb up to the newest schema. It returns
// db.ErrSchemaTooNew when the database is ahead of this binary.
func Migrate(ctx context.Context, gdb *gorm.DB) error {
	return db.Migrate(ctx, gdb, Migrations())
}

// Latest is the newest schema version this binary knows.
func Latest() int {
	m := Migrations()
	return m[len(m)-1].Version
}
