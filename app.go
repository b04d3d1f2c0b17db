package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/db"
	"anpei/pii"
	"anpei/roster"
	"anpei/schema"
)

// app is everything a command needs, wired once.
type app struct {
	db       *gorm.DB
	dialect  db.Dialect
	log      *slog.Logger
	keys     *pii.Keyring
	accounts *account.Store
	roster   *roster.Store
}

// openApp opens and migrates the database and builds the stores.
func openApp(ctx context.Context, s settings, log *slog.Logger) (*app, error) {
	openCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	gdb, dialect, err := db.Open(openCtx, s.DB, s.Data, log)
	if err != nil {
		return nil, err
	}
	if err := schema.Migrate(ctx, gdb); err != nil {
		db.Close(gdb)
		return nil, err
	}
	var keys *pii.Keyring
	if s.PIIKey != "" {
		keys, err = pii.FromSecret(s.PIIKey)
	} else {
		keys, err = pii.LoadOrCreate(s.Data)
	}
	if err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("ID-number keys: %w", err)
	}
	a := &app{db: gdb, dialect: dialect, log: log, keys: keys}
	a.roster = roster.NewStore(gdb, keys, time.Now)
	a.accounts = account.NewStore(gdb, account.Options{PersonEnterprise: a.roster.PersonEnterprise})
	return a, nil
}

func (a *app) close() error { return db.Close(a.db) }
