package scaleseed

import (
	"cmp"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"time"
)

// stream returns the random source of one part of the district (label,
// index): seeded from the run's seed and the part, so each enterprise,
// person and certificate draws the same values whatever the other counts
// and whichever dialect is written to.
func stream(seed uint64, label string, index int) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(label))
	h.Write([]byte{'#'})
	h.Write([]byte(strconv.Itoa(index)))
	return rand.New(rand.NewPCG(seed, h.Sum64()))
}

func pick[T any](r *rand.Rand, list []T) T {
	return list[r.IntN(len(list))]
}

func pickRune(r *rand.Rand, s string) string {
	rs := []rune(s)
	return string(rs[r.IntN(len(rs))])
}

func pickWeighted(r *rand.Rand, ws []weighted) string {
	total := 0
	for _, w := range ws {
		total += w.w
	}
	n := r.IntN(total)
	for _, w := range ws {
		if n < w.w {
			return w.v
		}
		n -= w.w
	}
	return ws[len(ws)-1].v
}

// chance reports true with probability p.
func chance(r *rand.Rand, p float64) bool { return r.Float64() < p }

// between returns a day from lo to hi, both included (lo when hi is
// before lo).
func between(r *rand.Rand, lo, hi time.Time) time.Time {
	days := daysBetween(lo, hi)
	if days <= 0 {
		return lo
	}
	return lo.AddDate(0, 0, r.IntN(days+1))
}

// daysBetween is the number of calendar days from a to b (dates at
// midnight UTC).
func daysBetween(a, b time.Time) int { return int(math.Round(b.Sub(a).Hours() / 24)) }

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// apportion splits total into len(weights) whole parts proportional to
// the weights (largest remainder), each part at most limit[i] when limit
// is not nil; what the limits leave over goes to the others in further
// rounds. It returns the parts and how much could not be placed.
func apportion(total int, weights []float64, limit []int) ([]int, int) {
	parts := make([]int, len(weights))
	w := append([]float64(nil), weights...)
	left := total
	for round := 0; left > 0 && round < 20; round++ {
		sum := 0.0
		for i, x := range w {
			if limit != nil && parts[i] >= limit[i] {
				w[i] = 0
				continue
			}
			sum += x
		}
		if sum <= 0 {
			break
		}
		type rem struct {
			i    int
			frac float64
		}
		rems := make([]rem, 0, len(w))
		placed := 0
		for i, x := range w {
			if x == 0 {
				continue
			}
			exact := float64(left) * x / sum
			n := int(exact)
			if limit != nil && parts[i]+n > limit[i] {
				n = limit[i] - parts[i]
			}
			parts[i] += n
			placed += n
			rems = append(rems, rem{i, exact - float64(int(exact))})
		}
		left -= placed
		// Hand out the remainder, largest fractions first (ties by index,
		// so the result is deterministic).
		slices.SortFunc(rems, func(a, b rem) int {
			if c := cmp.Compare(b.frac, a.frac); c != 0 {
				return c
			}
			return cmp.Compare(a.i, b.i)
		})
		for _, r := range rems {
			if left == 0 {
				break
			}
			if limit != nil && parts[r.i] >= limit[r.i] {
				continue
			}
			parts[r.i]++
			left--
		}
	}
	return parts, left
}
