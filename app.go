package main

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"

	"gorm.io/gorm"

	"anpei/account"
	"anpei/certs"
	"anpei/certs/signing"
	"anpei/compliance"
	"anpei/course"
	"anpei/course/fromroster"
	"anpei/db"
	"anpei/exam"
	"anpei/fault"
	"anpei/lecture"
	lecturefrom "anpei/lecture/fromroster"
	"anpei/media"
	"anpei/notify"
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
	courses  *course.Store
	exams    *exam.Store
	certs    *certs.Store
	signer   *signing.Keyring
	media    *media.Store
	notices  *notify.Store
	// compliance is the rules engine's store: results, roll-ups, snapshots.
	compliance *compliance.Store
	// lectures are the live sessions (直播课).
	lectures *lecture.Store
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
		keys, err = pii.LoadOrCreate(s.keysDir())
	}
	if err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("ID-number keys: %w", err)
	}
	a := &app{db: gdb, dialect: dialect, log: log, keys: keys}
	a.roster = roster.NewStore(gdb, keys, time.Now)
	a.accounts = account.NewStore(gdb, account.Options{PersonEnterprise: a.roster.PersonEnterprise, CheckRefs: userRefs(a.roster)})
	copt := fromroster.Options(a.roster)
	if copt.Policy, err = s.watchPolicy(); err != nil {
		db.Close(gdb)
		return nil, err
	}
	a.courses, err = course.NewStore(gdb, copt)
	if err != nil {
		db.Close(gdb)
		return nil, err
	}
	kinds := certs.MustKinds()
	a.exams = exam.NewStore(gdb, exam.Options{Candidate: fromroster.Candidate(a.roster), Unmet: a.courses.Unmet, CanSee: fromroster.CanSee(a.roster),
		Awardable: func(code string) bool { k, ok := kinds.Get(code); return ok && k.Earnable() },
		OnPassed:  a.issueEarned})
	if err := checkPublicURL(s.PublicURL); err != nil {
		db.Close(gdb)
		return nil, err
	}
	if s.CertNumberPattern == "" {
		s.CertNumberPattern = certs.DefaultNumberPattern
	}
	pattern, err := certs.ParseNumberPattern(s.CertNumberPattern)
	if err != nil {
		db.Close(gdb)
		return nil, err
	}
	copts := fromroster.CertOptions(a.roster, a.courses, a.exams)
	copts.Kinds, copts.Pattern, copts.Authority = kinds, pattern, s.CertAuthority
	copts.IDHash = signing.SaltedHashes
	a.certs = certs.NewStore(gdb, copts)
	a.notices = a.newNotices()
	if a.lectures, err = lecture.NewStore(gdb, lecturefrom.Options(a.roster, a.accounts, a.courses, a.notices)); err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("live lectures: %w", err)
	}
	if a.compliance, err = a.newCompliance(ctx, s.RequireVerifiedCerts); err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("compliance rules: %w", err)
	}
	if a.signer, err = signing.LoadOrCreate(filepath.Join(s.keysDir(), "cert-keys")); err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("certificate signing keys: %w", err)
	}
	if a.media, err = media.NewStore(s.uploadsDir()); err != nil {
		db.Close(gdb)
		return nil, fmt.Errorf("uploads directory: %w", err)
	}
	return a, nil
}

// userRefs checks, for the account store, that what a new user points at
// exists in the roster: their enterprise, person, town or department.
func userRefs(rs *roster.Store) func(context.Context, account.NewUser) ([]fault.Detail, error) {
	return func(ctx context.Context, n account.NewUser) ([]fault.Detail, error) {
		var d []fault.Detail
		missing := func(err error, field, msg string) error {
			if err == nil {
				return nil
			}
			if fe := fault.As(err); fe.Kind == fault.NotFound {
				d = append(d, fault.Detail{Field: field, Message: msg})
				return nil
			}
			return err
		}
		sys := account.System()
		switch n.Role {
		case account.RoleEnterpriseAdmin:
			_, err := rs.Enterprise(ctx, sys, n.EnterpriseID)
			if err := missing(err, "enterprise_id", "该企业不存在，请核对企业编号"); err != nil {
				return nil, err
			}
		case account.RoleLearner:
			_, err := rs.Person(ctx, sys, n.PersonID)
			if err := missing(err, "person_id", "该从业人员不存在，请核对人员编号"); err != nil {
				return nil, err
			}
		case account.RoleRegulator:
			var codes []string
			switch n.JurisdictionKind {
			case account.JurisdictionTown:
				towns, err := rs.Towns(ctx)
				if err != nil {
					return nil, err
				}
				for _, t := range towns {
					codes = append(codes, t.Code)
				}
			case account.JurisdictionDepartment:
				depts, err := rs.Departments(ctx)
				if err != nil {
					return nil, err
				}
				for _, x := range depts {
					codes = append(codes, x.Code)
				}
			default:
				return nil, nil
			}
			if !slices.Contains(codes, n.JurisdictionCode) {
				d = append(d, fault.Detail{Field: "jurisdiction_code", Message: "监管范围代码不存在，请从列表中选择镇（街道）或行业主管部门"})
			}
		}
		return d, nil
	}
}

func (a *app) close() error { return db.Close(a.db) }
