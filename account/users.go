package account

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"gorm.io/gorm"

	"anpei/audit"
	"anpei/fault"
)

// NewUser is what an admin fills in to create a user.
type NewUser struct {
	Username         string
	Name             string
	Phone            string
	Role             Role
	Password         string
	EnterpriseID     uint
	PersonID         uint
	JurisdictionKind JurisdictionKind
	JurisdictionCode string
	// MustBeValid lets seeding skip nothing: every user goes through the
	// same checks.
}

var (
	usernameRe = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9_.-]{2,31}$`)
	phoneRe    = regexp.MustCompile(`^1[3-9][0-9]{9}$`)
)

// Validate checks a new user and returns an Invalid *fault.Error whose
// Details name every field at fault.
func (n NewUser) Validate() error {
	var d []fault.Detail
	add := func(field, msg string) { d = append(d, fault.Detail{Field: field, Message: msg}) }
	if !usernameRe.MatchString(n.Username) {
		add("username", "用户名需以字母开头，由 3–32 位字母、数字、下划线、点或短横线组成")
	}
	if msg := checkName(n.Name); msg != "" {
		add("name", msg)
	}
	if n.Phone != "" && !phoneRe.MatchString(n.Phone) {
		add("phone", "手机号应为 11 位数字，以 1 开头")
	}
	if !n.Role.Valid() {
		add("role", "请选择有效的角色")
	}
	if err := CheckPassword("password", n.Password); err != nil {
		d = append(d, fault.As(err).Details...)
	}
	switch n.Role {
	case RoleRegulator:
		switch n.JurisdictionKind {
		case JurisdictionDistrict:
		case JurisdictionTown, JurisdictionDepartment:
			if strings.TrimSpace(n.JurisdictionCode) == "" {
				add("jurisdiction_code", "请选择监管人员负责的镇（街道）或行业主管部门")
			}
		default:
			add("jurisdiction_kind", "请选择监管范围：全区、镇（街道）或行业主管部门")
		}
	case RoleEnterpriseAdmin:
		if n.EnterpriseID == 0 {
			add("enterprise_id", "企业管理员必须关联一家企业")
		}
	case RoleLearner:
		if n.PersonID == 0 {
			add("person_id", "学员账号必须关联一名从业人员")
		}
	}
	if len(d) > 0 {
		return fault.New(fault.Invalid, "invalid_user", d[0].Message).WithDetails(d...)
	}
	return nil
}

// CreateUser creates a user. Only admins may; others get ErrForbidden. It
// returns a validation error, or ErrUsernameTaken.
func (s *Store) CreateUser(ctx context.Context, p Principal, n NewUser) (User, error) {
	if !p.Is(RoleAdmin) {
		return User{}, ErrForbidden
	}
	n.Username = strings.ToLower(strings.TrimSpace(n.Username))
	n.Name = strings.TrimSpace(n.Name)
	if err := n.Validate(); err != nil {
		return User{}, err
	}
	if s.opt.CheckRefs != nil {
		d, err := s.opt.CheckRefs(ctx, n)
		if err != nil {
			return User{}, fault.Wrap(err, "account: check references")
		}
		if len(d) > 0 {
			return User{}, fault.New(fault.Invalid, "invalid_user", d[0].Message).WithDetails(d...)
		}
	}
	hash, err := hashPassword(n.Password, s.opt.BcryptCost)
	if err != nil {
		return User{}, err
	}
	u := User{Username: n.Username, Name: n.Name, Phone: n.Phone, Role: n.Role, PasswordHash: hash,
		PasswordChangedAt: s.now()}
	switch n.Role {
	case RoleRegulator:
		u.JurisdictionKind = n.JurisdictionKind
		if n.JurisdictionKind != JurisdictionDistrict {
			u.JurisdictionCode = n.JurisdictionCode
		}
	case RoleEnterpriseAdmin:
		u.EnterpriseID = &n.EnterpriseID
	case RoleLearner:
		u.PersonID = &n.PersonID
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Create(&u).Error; err != nil {
			return err
		}
		if err := phoneFree(tx, u.Phone, u.ID); err != nil {
			return err
		}
		return audit.Record(tx, p.Actor(), "create", "user", fmt.Sprint(u.ID), nil, u.auditView())
	})
	var fe *fault.Error
	if errors.As(err, &fe) {
		return User{}, fe
	}
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return User{}, ErrUsernameTaken.WithDetails(fault.Detail{Field: "username", Message: ErrUsernameTaken.Message})
	}
	if err != nil {
		return User{}, fault.Wrap(err, "account: create user")
	}
	return u, nil
}

// User returns one user: admins any, others only themselves
// (ErrUserNotFound otherwise).
func (s *Store) User(ctx context.Context, p Principal, id uint) (User, error) {
	if !p.Is(RoleAdmin) && p.UserID != id {
		return User{}, ErrUserNotFound
	}
	var u User
	err := s.db.WithContext(ctx).First(&u, id).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return User{}, ErrUserNotFound
	}
	if err != nil {
		return User{}, fault.Wrap(err, "account: find user")
	}
	return u, nil
}

// UserFilter narrows ListUsers.
type UserFilter struct {
	Role   Role
	Text   string
	Limit  int
	Offset int
}

// ListUsers lists users for admins (ErrForbidden for anyone else).
func (s *Store) ListUsers(ctx context.Context, p Principal, f UserFilter) ([]User, int64, error) {
	if !p.Is(RoleAdmin) {
		return nil, 0, ErrForbidden
	}
	q := s.db.WithContext(ctx).Model(&User{})
	if f.Role != "" {
		q = q.Where("role = ?", f.Role)
	}
	if t := strings.TrimSpace(f.Text); t != "" {
		like := "%" + escapeLike(t) + "%"
		q = q.Where("(username LIKE ? ESCAPE '!' OR name LIKE ? ESCAPE '!' OR phone LIKE ? ESCAPE '!')", like, like, like)
	}
	var total int64
	if err := q.Count(&total).Error; err != nil {
		return nil, 0, fault.Wrap(err, "account: count users")
	}
	var users []User
	if err := q.Order("id").Limit(clampLimit(f.Limit)).Offset(max(f.Offset, 0)).Find(&users).Error; err != nil {
		return nil, 0, fault.Wrap(err, "account: list users")
	}
	return users, total, nil
}

// UserPatch changes some of a user's fields; nil means unchanged.
type UserPatch struct {
	Name     *string
	Phone    *string
	Disabled *bool
}

// UpdateUser changes a user. Admins may change anyone (but not disable
// themselves); users may change their own name and phone. Disabling ends
// the user's sessions. Returns ErrUserNotFound, ErrForbidden or a
// validation error.
func (s *Store) UpdateUser(ctx context.Context, p Principal, id uint, patch UserPatch) (User, error) {
	defer s.forgetHere(Change{UserID: id})
	if !p.Is(RoleAdmin) && (p.UserID != id || patch.Disabled != nil) {
		return User{}, ErrForbidden
	}
	if patch.Disabled != nil && *patch.Disabled && p.UserID == id {
		return User{}, fault.Field("cannot_disable_self", "disabled", "不能停用自己的账号")
	}
	var out User
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var u User
		if err := tx.First(&u, id).Error; err != nil {
			return err
		}
		before := u.auditView()
		if patch.Name != nil {
			n := strings.TrimSpace(*patch.Name)
			if msg := checkName(n); msg != "" {
				return fault.Field("invalid_name", "name", msg)
			}
			u.Name = n
		}
		if patch.Phone != nil {
			if *patch.Phone != "" && !phoneRe.MatchString(*patch.Phone) {
				return fault.Field("invalid_phone", "phone", "手机号应为 11 位数字，以 1 开头")
			}
			if err := phoneFree(tx, *patch.Phone, u.ID); err != nil {
				return err
			}
			u.Phone = *patch.Phone
		}
		if patch.Disabled != nil {
			u.Disabled = *patch.Disabled
			if u.Disabled {
				if err := tx.Delete(&Session{}, "user_id = ?", u.ID).Error; err != nil {
					return err
				}
			}
		}
		if err := tx.Model(&u).Select("name", "phone", "disabled").Updates(&u).Error; err != nil {
			return err
		}
		if err := s.recordChange(tx, Change{UserID: u.ID}); err != nil {
			return err
		}
		out = u
		return audit.Record(tx, p.Actor(), "update", "user", fmt.Sprint(u.ID), before, u.auditView())
	})
	return out, s.userErr(err, "update user")
}

// ChangePassword changes the principal's own password after checking the
// old one, and ends their other sessions. Returns ErrWrongPassword or a
// policy error.
func (s *Store) ChangePassword(ctx context.Context, p Principal, keepToken, oldPW, newPW string) error {
	defer s.forgetHere(Change{UserID: p.UserID})
	if err := CheckPassword("new_password", newPW); err != nil {
		return err
	}
	if oldPW == newPW {
		return fault.Field("password_unchanged", "new_password", "新密码不能与原密码相同")
	}
	hash, err := hashPassword(newPW, s.opt.BcryptCost)
	if err != nil {
		return err
	}
	var u User
	if err := s.db.WithContext(ctx).First(&u, p.UserID).Error; err != nil {
		return s.userErr(err, "change password")
	}
	now := s.now()
	if u.LockedUntil != nil && u.LockedUntil.After(now) {
		return lockedError(*u.LockedUntil)
	}
	if !passwordMatches(u.PasswordHash, oldPW) {
		// A stolen session must not become a way to guess the password.
		if err := s.recordFailure(ctx, u, p.Actor(), now); errors.Is(err, ErrLocked) || fault.As(err).Kind == fault.Internal {
			return err
		}
		return ErrWrongPassword.WithDetails(fault.Detail{Field: "old_password", Message: ErrWrongPassword.Message})
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Model(&u).Updates(map[string]any{"password_hash": hash, "password_changed_at": s.now(), "failed_logins": 0}).Error; err != nil {
			return err
		}
		if err := tx.Where("user_id = ? AND id <> ?", u.ID, hashToken(keepToken)).Delete(&Session{}).Error; err != nil {
			return err
		}
		if err := s.recordChange(tx, Change{UserID: u.ID}); err != nil {
			return err
		}
		return audit.Record(tx, p.Actor(), "password_change", "user", fmt.Sprint(u.ID), nil, nil)
	})
	return s.userErr(err, "change password")
}

// ResetPassword sets another user's password (admins only, ErrForbidden
// otherwise), lifts any lock and ends that user's sessions.
func (s *Store) ResetPassword(ctx context.Context, p Principal, id uint, newPW string) error {
	defer s.forgetHere(Change{UserID: id})
	if !p.Is(RoleAdmin) {
		return ErrForbidden
	}
	if err := CheckPassword("password", newPW); err != nil {
		return err
	}
	hash, err := hashPassword(newPW, s.opt.BcryptCost)
	if err != nil {
		return err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Model(&User{}).Where("id = ?", id).Updates(map[string]any{
			"password_hash": hash, "password_changed_at": s.now(), "failed_logins": 0, "locked_until": nil})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return gorm.ErrRecordNotFound
		}
		if err := tx.Delete(&Session{}, "user_id = ?", id).Error; err != nil {
			return err
		}
		if err := s.recordChange(tx, Change{UserID: id}); err != nil {
			return err
		}
		return audit.Record(tx, p.Actor(), "password_reset", "user", fmt.Sprint(id), nil, nil)
	})
	return s.userErr(err, "reset password")
}

// SetPassword sets a user's password by username without a principal; it
// is for the `anpei admin set-password` command run by the operator.
func (s *Store) SetPassword(ctx context.Context, username, newPW string) error {
	if err := CheckPassword("password", newPW); err != nil {
		return err
	}
	var u User
	if err := s.db.WithContext(ctx).Where("username = ?", username).First(&u).Error; err != nil {
		return s.userErr(err, "set password")
	}
	return s.ResetPassword(ctx, System(), u.ID, newPW)
}

func (s *Store) userErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrUserNotFound
	}
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	return fault.Wrap(err, "account: "+what)
}

func clampLimit(n int) int {
	if n <= 0 {
		return 50
	}
	if n > 1000 {
		return 1000
	}
	return n
}

// escapeLike escapes a LIKE pattern for "ESCAPE '!'", which both dialects
// understand the same way (SQLite has no default escape character).
func escapeLike(s string) string {
	return strings.NewReplacer(`!`, `!!`, `%`, `!%`, `_`, `!_`).Replace(s)
}

// phoneFree refuses a phone number another user already has: it is a
// login name, so it must point at one person.
func phoneFree(tx *gorm.DB, phone string, self uint) error {
	if phone == "" {
		return nil
	}
	var n int64
	if err := tx.Model(&User{}).Where("phone = ? AND id <> ?", phone, self).Count(&n).Error; err != nil {
		return err
	}
	if n > 0 {
		return ErrPhoneTaken.WithDetails(fault.Detail{Field: "phone", Message: ErrPhoneTaken.Message})
	}
	return nil
}

// checkName returns why a display name is unacceptable, or "". Names are
// letters of any script, digits, spaces and the separators · . - （）, so
// markup and SQL fragments are refused rather than stored.
func checkName(name string) string {
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 64 {
		return "请填写姓名（不超过 64 个字）"
	}
	for _, r := range name {
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || strings.ContainsRune("·・.-（）()", r) {
			continue
		}
		return "姓名只能包含文字、数字、空格和间隔号“·”，请勿输入 " + string(r) + " 等符号"
	}
	return ""
}
