package compliance

import "strconv"

// RateView is a rate with its counts: never a bare percentage.
type RateView struct {
	Num     int    `json:"num"`
	Den     int    `json:"den"`
	Percent string `json:"percent"`
}

func rateView(r Rate) RateView { return RateView{Num: r.Num, Den: r.Den, Percent: r.Percent()} }

// Rate returns the view as a Rate again.
func (v RateView) Rate() Rate { return Rate{Num: v.Num, Den: v.Den} }

// RateSetView is a rate overall and per person category.
type RateSetView struct {
	Overall         RateView `json:"overall"`
	Principal       RateView `json:"principal"`
	SafetyManager   RateView `json:"safety_manager"`
	SpecialOperator RateView `json:"special_operator"`
	Other           RateView `json:"other"`
}

func rateSetView(s RateSet) RateSetView {
	return RateSetView{Overall: rateView(s.Overall), Principal: rateView(s.Principal), SafetyManager: rateView(s.SafetyManager),
		SpecialOperator: rateView(s.SpecialOperator), Other: rateView(s.Other)}
}

// TallyView is a Tally as the API and the snapshots hold it.
type TallyView struct {
	People       int            `json:"people"`
	Compliant    int            `json:"compliant"`
	DueSoon      int            `json:"due_soon"`
	NonCompliant int            `json:"non_compliant"`
	Major        int            `json:"major"`
	Certified    RateSetView    `json:"certified"`
	PreJob       RateSetView    `json:"prejob"`
	Annual       RateSetView    `json:"annual"`
	ByReason     map[string]int `json:"by_reason"`
}

func tallyView(t *Tally) TallyView {
	v := TallyView{People: t.People, Compliant: t.Compliant, DueSoon: t.DueSoon, NonCompliant: t.NonCompliant, Major: t.Major,
		Certified: rateSetView(t.Certified), PreJob: rateSetView(t.PreJob), Annual: rateSetView(t.Annual), ByReason: map[string]int{}}
	for _, c := range Codes() {
		if n := t.WithReason(c); n > 0 {
			v.ByReason[c.String()] = n
		}
	}
	return v
}

func strconvFloat(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }
