package demo

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"slices"
	"strings"

	"anpei/account"
	"anpei/roster"
)

// Account is a demo account as main prints it and the README lists it.
type Account struct {
	Username string
	Password string
	Role     string
	Label    string // who the account is, in Chinese
}

// Accounts returns the five demo accounts of CONTRACT.md (admin, regulator,
// enterprise, trainer, learner), all with Password. Seed also creates a few
// more (a town and a department regulator); they are in data/accounts.json.
// It returns no error: the embedded data is checked by the package tests.
func Accounts() []Account {
	d, err := loadDistrict()
	if err != nil {
		panic(err) // embedded data broken: caught by the tests before any release
	}
	var out []Account
	for _, a := range d.Accounts {
		if a.Contract {
			out = append(out, Account{Username: a.Username, Password: Password, Role: a.Role, Label: a.Label})
		}
	}
	return out
}

// createAccounts creates the demo accounts of data/accounts.json. An
// enterprise admin is named after their enterprise's contact person (its
// first safety manager); a learner is linked to the enterprise's first
// special operator on duty who holds the account's operation item. An
// account that already exists (a resumed seed) is left as it is.
func createAccounts(ctx context.Context, accounts *account.Store, rs *roster.Store, list []accountData, pl plan, ids map[string]uint) error {
	sys := account.System()
	for _, a := range list {
		n := account.NewUser{
			Username: a.Username, Name: a.Name, Role: account.Role(a.Role), Password: Password,
			JurisdictionKind: account.JurisdictionKind(a.JurisdictionKind), JurisdictionCode: a.JurisdictionCode,
		}
		if a.Enterprise != "" {
			pe := pl.enterprise(a.Enterprise)
			n.EnterpriseID = ids[a.Enterprise]
			if n.Role == account.RoleEnterpriseAdmin && n.Name == "" {
				n.Name, n.Phone = pe.Input.ContactName, pe.Input.ContactPhone
			}
			if n.Role == account.RoleLearner {
				pp, ok := pe.operator(a.OperationItem)
				if !ok {
					return fmt.Errorf("demo: account %s: %s has no special operator on duty with item %s", a.Username, a.Enterprise, a.OperationItem)
				}
				row, err := findPerson(ctx, rs, sys, n.EnterpriseID, pp.Input.DocNumber)
				if err != nil {
					return fmt.Errorf("demo: account %s: %w", a.Username, err)
				}
				n.PersonID = row.ID
				if n.Name == "" {
					n.Name, n.Phone = row.Name, row.Phone
				}
			}
		}
		_, err := accounts.CreateUser(ctx, sys, n)
		if err != nil && !errors.Is(err, account.ErrUsernameTaken) {
			return fmt.Errorf("demo: create account %s: %w", a.Username, describe(err))
		}
	}
	return nil
}

// enterprise returns the planned enterprise with key (checked to exist when
// the data was loaded).
func (pl plan) enterprise(key string) plannedEnterprise {
	i := slices.IndexFunc(pl.Enterprises, func(pe plannedEnterprise) bool { return pe.Data.Key == key })
	return pl.Enterprises[i]
}

// operator returns the first special operator on duty who holds item and
// has not been away.
func (pe plannedEnterprise) operator(item string) (plannedPerson, bool) {
	for _, pp := range pe.People {
		in := pp.Input
		if in.Categories.Has(roster.CategorySpecialOperator) && in.DutyStatus == roster.DutyOn &&
			in.LeftOn == nil && slices.Contains(in.OperationItems, item) {
			return pp, true
		}
	}
	return plannedPerson{}, false
}

// FirstAdmin creates the single administrator "admin" of a database set up
// without demo data and returns its password, drawn from crypto/rand (100
// bits, as five groups of four characters) for main to print once. It
// returns account.ErrUsernameTaken when "admin" exists, or the store's
// error.
func FirstAdmin(ctx context.Context, accounts *account.Store) (password string, err error) {
	pw := newPassword()
	if err := account.CheckPassword("password", pw); err != nil {
		return "", fmt.Errorf("demo: generated password rejected: %w", err) // cannot happen: letters, digits and '-'
	}
	_, err = accounts.CreateUser(ctx, account.System(), account.NewUser{
		Username: "admin", Name: "平台管理员", Role: account.RoleAdmin, Password: pw,
	})
	if err != nil {
		return "", fmt.Errorf("demo: create the first admin: %w", err)
	}
	return pw, nil
}

// newPassword returns 20 random base32 characters in groups of four joined
// by '-', e.g. "K7QF-2MZD-…": easy to copy, 100 bits strong, and always of
// two character classes.
func newPassword() string {
	s := rand.Text()[:20] // 26 characters of A–Z and 2–7
	var groups []string
	for i := 0; i < len(s); i += 4 {
		groups = append(groups, s[i:i+4])
	}
	return strings.Join(groups, "-")
}
