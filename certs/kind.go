package certs

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"anpei/roster"
)

// Issuer says who issues certificates of a kind.
type Issuer string

// The issuers.
const (
	// IssuerAnpei: the district issues them through anpei.
	IssuerAnpei Issuer = "anpei"
	// IssuerState: a state authority issues them; anpei registers and
	// verifies them because the certified-on-duty rate counts them.
	IssuerState Issuer = "state"
)

// Earn says what earns an anpei-issued certificate: a passed exam that
// awards the kind, taken no more than ExamPassMonths ago, with the hours
// the exam requires done.
type Earn struct {
	ExamPassMonths int `json:"exam_pass_months"`
}

// Kind is a certificate kind, read from data/kinds.json.
type Kind struct {
	Code   string `json:"code"`
	Name   string `json:"name"`
	Short  string `json:"short"`
	Issuer Issuer `json:"issuer"`
	// Authority is the usual issuing authority of a state kind.
	Authority string `json:"authority,omitempty"`
	// Prefix starts the numbers anpei gives certificates of the kind.
	Prefix string `json:"prefix,omitempty"`
	// ValidMonths is the validity; 0 is no expiry.
	ValidMonths int `json:"valid_months"`
	// ReviewMonths is the review (复审) interval; 0 is no review.
	ReviewMonths int `json:"review_months"`
	// ReviewWindowDays: a review may be applied for this many days before
	// it is due. RenewWindowDays: the same for renewal before expiry.
	ReviewWindowDays int `json:"review_window_days"`
	RenewWindowDays  int `json:"renew_window_days"`
	// ExtendedReviewMonths is the longer interval a holder with CleanYears
	// of continuous clean work in the trade may be granted.
	ExtendedReviewMonths int `json:"extended_review_months"`
	CleanYears           int `json:"clean_years"`
	// ReviewHours of training (学时) and, with ReviewExam, a passed exam
	// are required before a review.
	ReviewHours int  `json:"review_hours"`
	ReviewExam  bool `json:"review_exam"`
	// NeedsItem: the certificate names a special-operation item.
	NeedsItem  bool     `json:"needs_item"`
	Categories []string `json:"categories"`
	Earn       *Earn    `json:"earn,omitempty"`
	Basis      string   `json:"basis"`
	// Statement is the sentence after the holder's name on an anpei
	// certificate, with {date}, {item} and {hours} filled in.
	Statement  string          `json:"statement,omitempty"`
	categories roster.Category `json:"-"`
}

// Qualifies reports whether the kind is for people of category c.
func (k Kind) Qualifies(c roster.Category) bool { return k.categories&c != 0 }

// Earnable reports whether anpei issues the kind on a passed exam.
func (k Kind) Earnable() bool { return k.Issuer == IssuerAnpei && k.Earn != nil }

// IssuerLabel is the issuer column of lists.
func (k Kind) IssuerLabel() string {
	if k.Issuer == IssuerState {
		return "主管部门颁发"
	}
	return "本平台颁发"
}

//go:embed data/kinds.json
var kindsJSON []byte

// Kinds is the kind table.
type Kinds struct {
	list   []Kind
	byCode map[string]Kind
}

// LoadKinds reads the built-in kind table.
func LoadKinds() (*Kinds, error) { return ParseKinds(kindsJSON) }

// MustKinds is LoadKinds for the built-in table, which a test keeps valid.
func MustKinds() *Kinds {
	k, err := LoadKinds()
	if err != nil {
		panic(err)
	}
	return k
}

// ParseKinds reads a kind table and checks each row.
func ParseKinds(b []byte) (*Kinds, error) {
	var doc struct {
		Kinds []Kind `json:"kinds"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("certs: kind table: %w", err)
	}
	out := &Kinds{byCode: map[string]Kind{}}
	prefixes := map[string]string{}
	for i, k := range doc.Kinds {
		if err := k.check(); err != nil {
			return nil, fmt.Errorf("certs: kind table row %d (%s): %w", i+1, k.Code, err)
		}
		if _, dup := out.byCode[k.Code]; dup {
			return nil, fmt.Errorf("certs: kind table row %d: code %q twice", i+1, k.Code)
		}
		if k.Prefix != "" {
			if other, dup := prefixes[k.Prefix]; dup {
				return nil, fmt.Errorf("certs: kind table row %d: prefix %q also used by %s", i+1, k.Prefix, other)
			}
			prefixes[k.Prefix] = k.Code
		}
		for _, c := range k.Categories {
			cat, _ := roster.ParseCategory(c)
			k.categories |= cat
		}
		out.list = append(out.list, k)
		out.byCode[k.Code] = k
	}
	if len(out.list) == 0 {
		return nil, fmt.Errorf("certs: kind table is empty")
	}
	return out, nil
}

func (k Kind) check() error {
	switch {
	case k.Code == "" || k.Name == "":
		return fmt.Errorf("code and name are required")
	case k.Issuer != IssuerAnpei && k.Issuer != IssuerState:
		return fmt.Errorf("issuer %q: want anpei or state", k.Issuer)
	case k.Issuer == IssuerAnpei && k.Prefix == "":
		return fmt.Errorf("an anpei kind needs a number prefix")
	case k.Issuer == IssuerAnpei && k.Statement == "":
		return fmt.Errorf("an anpei kind needs the statement printed on it")
	case k.Issuer == IssuerState && k.Earn != nil:
		return fmt.Errorf("a state kind is not earned in anpei")
	case k.ValidMonths < 0 || k.ReviewMonths < 0 || k.ReviewWindowDays < 0 || k.RenewWindowDays < 0:
		return fmt.Errorf("negative period")
	case k.ReviewMonths > 0 && k.ValidMonths > 0 && k.ReviewMonths >= k.ValidMonths:
		return fmt.Errorf("review interval %d must be shorter than validity %d", k.ReviewMonths, k.ValidMonths)
	case k.ExtendedReviewMonths != 0 && (k.ReviewMonths == 0 || k.ExtendedReviewMonths <= k.ReviewMonths || k.CleanYears <= 0):
		return fmt.Errorf("extended review needs a shorter regular interval and clean years")
	case k.Earn != nil && k.Earn.ExamPassMonths <= 0:
		return fmt.Errorf("earn needs exam_pass_months")
	case len(k.Categories) == 0:
		return fmt.Errorf("categories are required")
	}
	for _, c := range k.Categories {
		if _, ok := roster.ParseCategory(c); !ok {
			return fmt.Errorf("unknown person category %q", c)
		}
	}
	return nil
}

// All returns the kinds in table order.
func (ks *Kinds) All() []Kind { return slices.Clone(ks.list) }

// Get returns the kind with code.
func (ks *Kinds) Get(code string) (Kind, bool) {
	k, ok := ks.byCode[code]
	return k, ok
}

// Earnable returns the kinds an exam may award, in table order.
func (ks *Kinds) Earnable() []Kind {
	var out []Kind
	for _, k := range ks.list {
		if k.Earnable() {
			out = append(out, k)
		}
	}
	return out
}

// StatementFor fills the kind's statement: date as 2026年11月29日, the
// operation item's name and the hours text (for a 学时证明).
func (k Kind) StatementFor(date, item, hours string) string {
	if hours != "" {
		hours = "，" + hours
	}
	return strings.NewReplacer("{date}", date, "{item}", item, "{hours}", hours).Replace(k.Statement)
}
