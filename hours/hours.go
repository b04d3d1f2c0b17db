package hours

import (
	"math/big"
	"strconv"
	"strings"
)

// Hours is an exact amount of 学时. It counts ninetieths of a 学时, so
// that an online minute (1/30 学时) and an offline minute (1/45 学时) are
// both whole numbers and no rounding happens until display.
type Hours int64

// Hour is one 学时.
const Hour Hours = 90

// The minutes that make one 学时 (AQ 8011-2023; RULES §1.4).
const (
	OnlineMinutesPerHour  = 30
	OfflineMinutesPerHour = 45
)

// perMinute is the Hours one minute of learning is worth.
func perMinute(online bool) Hours {
	if online {
		return Hour / OnlineMinutesPerHour
	}
	return Hour / OfflineMinutesPerHour
}

// FromMinutes returns the 学时 that minutes of online or offline learning
// are worth.
func FromMinutes(minutes int, online bool) Hours { return Hours(minutes) * perMinute(online) }

// Whole returns n whole 学时.
func Whole(n int) Hours { return Hours(n) * Hour }

// Float64 returns h in 学时, for charts and progress bars only.
func (h Hours) Float64() float64 { return float64(h) / float64(Hour) }

// String formats h in 学时 with at most two decimals, rounded toward zero
// so that a learner is never shown more than they have done: 1.5, 0.66, 72.
func (h Hours) String() string {
	sign := ""
	if h < 0 {
		sign, h = "-", -h
	}
	whole, frac := h/Hour, (h%Hour)*100/Hour
	s := strconv.FormatInt(int64(whole), 10)
	if frac != 0 {
		f := strings.TrimRight(strconv.FormatInt(100+int64(frac), 10)[1:], "0")
		s += "." + f
	}
	return sign + s
}

// ParseHours reads a non-negative decimal number of 学时 ("48", "0.5").
// It returns an error when s is not such a number or is not a whole number
// of ninetieths of a 学时.
func ParseHours(s string) (Hours, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok || strings.ContainsAny(s, "/eE") {
		return 0, errorf("学时 %q is not a decimal number", s)
	}
	if r.Sign() < 0 {
		return 0, errorf("学时 %q is negative", s)
	}
	r.Mul(r, big.NewRat(int64(Hour), 1))
	if !r.IsInt() || !r.Num().IsInt64() {
		return 0, errorf("学时 %q is not a whole number of minutes", s)
	}
	return Hours(r.Num().Int64()), nil
}
