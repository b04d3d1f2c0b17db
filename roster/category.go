package roster

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Category is a set of personnel categories (人员类别), stored as a bit
// mask so a person may be several at once and a query can filter with
// "categories & ? <> 0" on either dialect. A single-bit value names one
// category.
type Category uint8

// The categories. Principals and safety managers need the assessment in
// some industries; special operators need a certificate (RULES §2, §3).
const (
	CategoryPrincipal       Category = 1 << iota // 主要负责人
	CategorySafetyManager                        // 安全生产管理人员
	CategorySpecialOperator                      // 特种作业人员
	CategoryOther                                // 其他从业人员

	allCategories = CategoryPrincipal | CategorySafetyManager | CategorySpecialOperator | CategoryOther
)

// Categories lists the single categories in display order.
func Categories() []Category {
	return []Category{CategoryPrincipal, CategorySafetyManager, CategorySpecialOperator, CategoryOther}
}

// Code is a single category's code ("principal", "safety_manager",
// "special_operator", "other"), or "" for a set of several or none.
func (c Category) Code() string {
	switch c {
	case CategoryPrincipal:
		return "principal"
	case CategorySafetyManager:
		return "safety_manager"
	case CategorySpecialOperator:
		return "special_operator"
	case CategoryOther:
		return "other"
	}
	return ""
}

// Label is a single category's Chinese name; for a set, the names joined
// with "、".
func (c Category) Label() string {
	var names []string
	for _, one := range c.Split() {
		switch one {
		case CategoryPrincipal:
			names = append(names, "主要负责人")
		case CategorySafetyManager:
			names = append(names, "安全生产管理人员")
		case CategorySpecialOperator:
			names = append(names, "特种作业人员")
		case CategoryOther:
			names = append(names, "其他从业人员")
		}
	}
	return strings.Join(names, "、")
}

// Has reports whether c includes any category of x.
func (c Category) Has(x Category) bool { return c&x != 0 }

// Valid reports whether c is a non-empty set of known categories.
func (c Category) Valid() bool { return c != 0 && c&^allCategories == 0 }

// Split returns the single categories in c, in display order.
func (c Category) Split() []Category {
	var out []Category
	for _, one := range Categories() {
		if c&one != 0 {
			out = append(out, one)
		}
	}
	return out
}

// Codes returns the codes of the categories in c, in display order.
func (c Category) Codes() []string {
	out := []string{}
	for _, one := range c.Split() {
		out = append(out, one.Code())
	}
	return out
}

// ParseCategory accepts one category as a code or a Chinese name (also the
// common short form 安全管理人员).
func ParseCategory(s string) (Category, bool) {
	s = strings.TrimSpace(s)
	for _, one := range Categories() {
		if s == one.Code() || s == one.Label() {
			return one, true
		}
	}
	switch s {
	case "安全管理人员":
		return CategorySafetyManager, true
	case "特种作业":
		return CategorySpecialOperator, true
	case "其他", "从业人员", "一般从业人员":
		return CategoryOther, true
	}
	return 0, false
}

// MarshalJSON writes c as an array of codes: ["principal","other"].
func (c Category) MarshalJSON() ([]byte, error) { return json.Marshal(c.Codes()) }

// UnmarshalJSON reads an array of codes or Chinese names, or the bit mask
// as a number. It returns an error naming an unknown category.
func (c *Category) UnmarshalJSON(b []byte) error {
	var n uint8
	if err := json.Unmarshal(b, &n); err == nil {
		*c = Category(n)
		return nil
	}
	var codes []string
	if err := json.Unmarshal(b, &codes); err != nil {
		return fmt.Errorf("roster: categories must be an array of codes: %w", err)
	}
	var out Category
	for _, s := range codes {
		one, ok := ParseCategory(s)
		if !ok {
			return fmt.Errorf("roster: unknown category %q", s)
		}
		out |= one
	}
	*c = out
	return nil
}
