package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/bcrypt"
	"gorm.io/gorm"

	"anpei/audit"
	"anpei/fault"
)

// Options tune the account store; zero values take the defaults.
type Options struct {
	Now         func() time.Time
	BcryptCost  int           // default bcrypt.DefaultCost
	IdleTimeout time.Duration // a session unused this long ends (default 2h)
	MaxAge      time.Duration // a session ends this long after login (default 12h)
	MaxFailures int           // wrong passwords in a row before the lock (default 5)
	LockFor     time.Duration // how long the lock lasts (default 15m)
	// PersonEnterprise resolves the enterprise a learner's person record is
	// on duty in; the roster owns that fact. Optional.
	PersonEnterprise func(ctx context.Context, personID uint) (uint, error)
	// CheckRefs reports which of a new user's references (enterprise,
	// person, town or department) do not exist; the roster knows. Optional.
	CheckRefs func(ctx context.Context, n NewUser) ([]fault.Detail, error)
	// SessionCacheTTL is how long an authenticated session is reused from
	// memory before it is read again (default 1m, when its once-a-minute
	// touch is due anyway; negative turns the cache off). Changes made
	// through any store apply at once on its server and within about a
	// second on the others (another node, the admin command), through the
	// change feed (see Change); a change made behind the stores' back (a
	// person moved to another enterprise in the roster) within this time.
	SessionCacheTTL time.Duration
}

// Store is the account use cases over the database.
type Store struct {
	db       *gorm.DB
	opt      Options
	fake     string // a hash compared against when the user does not exist
	sessions *sessionCache
	feed     changeFeed
}

// NewStore returns a store over db.
func NewStore(db *gorm.DB, opt Options) *Store {
	if opt.Now == nil {
		opt.Now = time.Now
	}
	if opt.BcryptCost == 0 {
		opt.BcryptCost = bcrypt.DefaultCost
	}
	if opt.IdleTimeout == 0 {
		opt.IdleTimeout = 2 * time.Hour
	}
	if opt.MaxAge == 0 {
		opt.MaxAge = 12 * time.Hour
	}
	if opt.MaxFailures == 0 {
		opt.MaxFailures = 5
	}
	if opt.LockFor == 0 {
		opt.LockFor = 15 * time.Minute
	}
	if opt.SessionCacheTTL == 0 {
		opt.SessionCacheTTL = time.Minute
	}
	fake, _ := bcrypt.GenerateFromPassword([]byte("anpei-no-such-user"), opt.BcryptCost)
	return &Store{db: db, opt: opt, fake: string(fake), sessions: newSessionCache(opt.SessionCacheTTL, 100_000)}
}

// AutoMigrate creates the account tables.
func AutoMigrate(tx *gorm.DB) error {
	if err := tx.AutoMigrate(&User{}, &Session{}); err != nil {
		return err
	}
	return migrateChanges(tx)
}

// MigrateChanges creates the change feed of the servers' session caches
// (schema version 10).
func MigrateChanges(tx *gorm.DB) error { return migrateChanges(tx) }

func (s *Store) now() time.Time { return s.opt.Now().UTC().Truncate(time.Microsecond) }

// Login is the result of a successful login: the cookie token (shown once,
// stored only as a hash), the session's CSRF token and the user.
type Login struct {
	Token     string
	CSRFToken string
	User      User
	ExpiresAt time.Time
}

// Login checks a username (or phone number) and password and opens a
// session. It returns ErrBadCredentials, ErrDisabled, or ErrLocked (with the
// unlock time in its message) after MaxFailures wrong passwords in a row.
func (s *Store) Login(ctx context.Context, username, password, ip, userAgent string) (Login, error) {
	u, err := s.findLogin(ctx, username)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		passwordMatches(s.fake, password) // same cost as a real check
		return Login{}, ErrBadCredentials
	}
	if err != nil {
		return Login{}, fault.Wrap(err, "account: find user")
	}
	now := s.now()
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		return Login{}, lockedError(*u.LockedUntil)
	}
	actor := audit.Actor{UserID: u.ID, Username: u.Username, IP: ip}
	if !passwordMatches(u.PasswordHash, password) {
		return Login{}, s.recordFailure(ctx, u, actor, now)
	}
	if u.Disabled {
		return Login{}, ErrDisabled
	}
	var out Login
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			Updates(map[string]any{"failed_logins": 0, "locked_until": nil}).Error; err != nil {
			return err
		}
		var err error
		out, err = s.openSession(tx, u, ip, userAgent, now)
		if err != nil {
			return err
		}
		return audit.Record(tx, actor, "login", "user", fmt.Sprint(u.ID), nil, nil)
	})
	if err != nil {
		return Login{}, fault.Wrap(err, "account: login")
	}
	return out, nil
}

// findLogin finds the user a login name means: a username (any case), or
// else the one user with that phone number. A phone number shared by
// several users identifies nobody. It returns gorm.ErrRecordNotFound.
func (s *Store) findLogin(ctx context.Context, login string) (User, error) {
	login = strings.ToLower(strings.TrimSpace(login))
	var u User
	if login == "" {
		return u, gorm.ErrRecordNotFound
	}
	err := s.db.WithContext(ctx).Where("username = ?", login).First(&u).Error
	if !errors.Is(err, gorm.ErrRecordNotFound) {
		return u, err
	}
	var byPhone []User
	if err := s.db.WithContext(ctx).Where("phone = ?", login).Limit(2).Find(&byPhone).Error; err != nil {
		return u, err
	}
	if len(byPhone) != 1 {
		return u, gorm.ErrRecordNotFound
	}
	return byPhone[0], nil
}

func (s *Store) recordFailure(ctx context.Context, u User, actor audit.Actor, now time.Time) error {
	var locked *time.Time
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Count in the database so concurrent attempts on several servers
		// all add up.
		if err := tx.Model(&User{}).Where("id = ?", u.ID).
			UpdateColumn("failed_logins", gorm.Expr("failed_logins + 1")).Error; err != nil {
			return err
		}
		var n int
		if err := tx.Model(&User{}).Where("id = ?", u.ID).Select("failed_logins").Scan(&n).Error; err != nil {
			return err
		}
		if n >= s.opt.MaxFailures {
			until := now.Add(s.opt.LockFor)
			locked = &until
			if err := tx.Model(&User{}).Where("id = ?", u.ID).
				Updates(map[string]any{"failed_logins": 0, "locked_until": until}).Error; err != nil {
				return err
			}
		}
		return audit.Record(tx, actor, "login_failed", "user", fmt.Sprint(u.ID), nil, map[string]any{"failures": n, "locked": locked != nil})
	})
	if err != nil {
		return fault.Wrap(err, "account: record failure")
	}
	if locked != nil {
		return lockedError(*locked)
	}
	return ErrBadCredentials
}

// beijing is China Standard Time, for messages people read.
var beijing = time.FixedZone("CST", 8*3600)

func lockedError(until time.Time) error {
	return ErrLocked.WithMessage("登录失败次数过多，账号已临时锁定，请于 %s 后再试", until.In(beijing).Format("15:04"))
}

func (s *Store) openSession(tx *gorm.DB, u User, ip, userAgent string, now time.Time) (Login, error) {
	token, err := randomToken()
	if err != nil {
		return Login{}, err
	}
	csrf, err := randomToken()
	if err != nil {
		return Login{}, err
	}
	if len(userAgent) > 255 {
		userAgent = userAgent[:255]
	}
	sess := Session{ID: hashToken(token), UserID: u.ID, CSRFToken: csrf, IP: ip, UserAgent: userAgent,
		CreatedAt: now, LastSeenAt: now, ExpiresAt: s.expiry(now, now)}
	if err := tx.Create(&sess).Error; err != nil {
		return Login{}, err
	}
	return Login{Token: token, CSRFToken: csrf, User: u, ExpiresAt: sess.ExpiresAt}, nil
}

// expiry is the earlier of the idle deadline and the absolute one.
func (s *Store) expiry(created, seen time.Time) time.Time {
	idle := seen.Add(s.opt.IdleTimeout)
	abs := created.Add(s.opt.MaxAge)
	if idle.Before(abs) {
		return idle
	}
	return abs
}

// Current is an authenticated request's session and principal.
type Current struct {
	Principal Principal
	User      User
	Session   Session
}

// Authenticate returns who holds the session token. It extends the idle
// deadline (at most once a minute) and returns ErrNoSession for an unknown
// token, ErrSessionExpired for an expired one, ErrDisabled for a disabled
// user.
func (s *Store) Authenticate(ctx context.Context, token string) (Current, error) {
	if token == "" {
		return Current{}, ErrNoSession
	}
	id := hashToken(token)
	now := s.now()
	s.syncChanges(ctx, now)
	cached, gen, ok := s.sessions.get(id, now)
	if ok {
		return cached, nil
	}
	sess, u, err := s.sessionWithUser(ctx, id)
	if errors.Is(err, sql.ErrNoRows) {
		return Current{}, ErrNoSession
	}
	if err != nil {
		return Current{}, fault.Wrap(err, "account: find session")
	}
	if !now.Before(sess.ExpiresAt) {
		s.db.WithContext(ctx).Delete(&Session{}, "id = ?", sess.ID)
		return Current{}, ErrSessionExpired
	}
	if u.ID == 0 {
		return Current{}, ErrNoSession
	}
	if u.Disabled {
		return Current{}, ErrDisabled
	}
	if now.Sub(sess.LastSeenAt) > time.Minute {
		exp := s.expiry(sess.CreatedAt, now)
		if err := s.db.WithContext(ctx).Model(&Session{}).Where("id = ?", sess.ID).
			Updates(map[string]any{"last_seen_at": now, "expires_at": exp}).Error; err != nil {
			return Current{}, fault.Wrap(err, "account: touch session")
		}
		sess.LastSeenAt, sess.ExpiresAt = now, exp
	}
	p := u.Principal()
	if u.Role == RoleLearner && u.PersonID != nil && s.opt.PersonEnterprise != nil {
		eid, err := s.opt.PersonEnterprise(ctx, *u.PersonID)
		if err != nil {
			return Current{}, fault.Wrap(err, "account: learner enterprise")
		}
		p.EnterpriseID = eid
	}
	cur := Current{Principal: p, User: u, Session: sess}
	s.sessions.put(id, cur, now, gen)
	return cur, nil
}

// sessionWithUser reads session id and its user in one statement (u.ID is
// 0 when the user is gone); sql.ErrNoRows when there is no such session.
// It is what a request costs when its session is not in the cache.
func (s *Store) sessionWithUser(ctx context.Context, id string) (sess Session, u User, err error) {
	const q = "SELECT s.id, s.user_id, s.csrf_token, s.ip, s.user_agent, s.created_at, s.last_seen_at, s.expires_at, " +
		"u.id, u.username, u.name, u.phone, u.role, u.password_hash, u.enterprise_id, u.person_id, u.jurisdiction_kind, " +
		"u.jurisdiction_code, u.disabled, u.failed_logins, u.locked_until, u.password_changed_at, u.created_at, u.updated_at " +
		"FROM sessions s LEFT JOIN users u ON u.id = s.user_id WHERE s.id = ? LIMIT 1"
	var (
		uid, failed                   sql.NullInt64
		enterprise, person            sql.NullInt64
		username, name, phone, role   sql.NullString
		hash, jkind, jcode            sql.NullString
		disabled                      sql.NullBool
		locked, changed, created, upd sql.NullTime
		ip, agent                     sql.NullString
	)
	err = s.db.WithContext(ctx).Raw(q, id).Row().Scan(&sess.ID, &sess.UserID, &sess.CSRFToken, &ip, &agent, &sess.CreatedAt, &sess.LastSeenAt, &sess.ExpiresAt,
		&uid, &username, &name, &phone, &role, &hash, &enterprise, &person, &jkind, &jcode, &disabled, &failed, &locked, &changed, &created, &upd)
	if err != nil || !uid.Valid {
		return sess, User{}, err
	}
	sess.IP, sess.UserAgent = ip.String, agent.String
	u = User{ID: uint(uid.Int64), Username: username.String, Name: name.String, Phone: phone.String, Role: Role(role.String),
		PasswordHash: hash.String, JurisdictionKind: JurisdictionKind(jkind.String), JurisdictionCode: jcode.String,
		Disabled: disabled.Bool, FailedLogins: int(failed.Int64), PasswordChangedAt: changed.Time, CreatedAt: created.Time, UpdatedAt: upd.Time}
	if enterprise.Valid {
		v := uint(enterprise.Int64)
		u.EnterpriseID = &v
	}
	if person.Valid {
		v := uint(person.Int64)
		u.PersonID = &v
	}
	if locked.Valid {
		t := locked.Time
		u.LockedUntil = &t
	}
	return sess, u, nil
}

// Logout ends the session with token; ending an unknown session is not an
// error.
func (s *Store) Logout(ctx context.Context, p Principal, token string) error {
	defer s.forgetHere(Change{SessionID: hashToken(token)})
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Delete(&Session{}, "id = ?", hashToken(token))
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil
		}
		if err := s.recordChange(tx, Change{SessionID: hashToken(token)}); err != nil {
			return err
		}
		return audit.Record(tx, p.Actor(), "logout", "user", fmt.Sprint(p.UserID), nil, nil)
	})
	if err != nil {
		return fault.Wrap(err, "account: logout")
	}
	return nil
}

// PurgeExpired deletes sessions past their deadline and returns how many.
func (s *Store) PurgeExpired(ctx context.Context) (int64, error) {
	res := s.db.WithContext(ctx).Where("expires_at <= ?", s.now()).Delete(&Session{})
	if res.Error != nil {
		return 0, fault.Wrap(res.Error, "account: purge sessions")
	}
	return res.RowsAffected, nil
}

func randomToken() (string, error) {
	var b [32]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("account: random token: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

func hashToken(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}
