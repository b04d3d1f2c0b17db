package exam

import (
	"errors"
	"reflect"
	"slices"
	"testing"
	"time"
)

func TestWrongBookRecord(t *testing.T) {
	t1, t2, t3 := bpAt(0), bpAt(time.Hour), bpAt(2*time.Hour)
	type step struct {
		outcomes []Outcome
		practice bool
		at       time.Time
		book     WrongBook
		mastered []uint
	}
	steps := []step{
		// An exam: 1 and 2 wrong, 3 right (nothing to do).
		{[]Outcome{{1, false}, {2, false}, {3, true}}, false, t1,
			WrongBook{{1, 1, 0, t1}, {2, 1, 0, t1}}, nil},
		// Practice: 1 right once, 2 wrong again, 4 right (not in the book).
		{[]Outcome{{1, true}, {2, false}, {4, true}}, true, t2,
			WrongBook{{1, 1, 1, t1}, {2, 2, 0, t2}}, nil},
		// An exam answers 1 right: mastery is shown in practice only.
		{[]Outcome{{1, true}}, false, t2,
			WrongBook{{1, 1, 1, t1}, {2, 2, 0, t2}}, nil},
		// Practice: 1 right again — mastered; 2 right once.
		{[]Outcome{{2, true}, {1, true}}, true, t3,
			WrongBook{{2, 2, 1, t2}}, []uint{1}},
		// Practice: 2 wrong resets its streak.
		{[]Outcome{{2, false}}, true, t3,
			WrongBook{{2, 3, 0, t3}}, nil},
		// Two right in one practice paper: mastered.
		{[]Outcome{{2, true}, {2, true}}, true, t3,
			WrongBook{}, []uint{2}},
	}
	var book WrongBook
	for i, s := range steps {
		before := slices.Clone(book)
		next, mastered := book.Record(s.outcomes, s.practice, s.at)
		if !reflect.DeepEqual(book, before) {
			t.Fatalf("step %d changed its input", i)
		}
		if !reflect.DeepEqual(next, s.book) || !slices.Equal(mastered, s.mastered) {
			t.Fatalf("step %d: book %+v mastered %v\nwant %+v %v", i, next, mastered, s.book, s.mastered)
		}
		book = next
	}

	// Mastered, then missed again in the same call: back in the book,
	// counted afresh, as if the two outcomes had been recorded one by one.
	book = WrongBook{{7, 1, 1, t1}}
	next, mastered := book.Record([]Outcome{{7, true}, {7, false}}, true, t2)
	if !reflect.DeepEqual(next, WrongBook{{7, 1, 0, t2}}) || len(mastered) != 0 {
		t.Errorf("mastered then missed: %+v %v", next, mastered)
	}
}

func TestOutcomes(t *testing.T) {
	r := Result{Items: []ItemResult{{QuestionID: 3, Correct: true}, {QuestionID: 4, Partial: true, Earned: 5}, {QuestionID: 5}}}
	if got := Outcomes(r); !slices.Equal(got, []Outcome{{3, true}, {4, false}, {5, false}}) {
		t.Errorf("Outcomes = %v", got)
	}
}

func TestBuildRetry(t *testing.T) {
	pool := append(bpBank(1, 5, Single, "法律法规"), bpBank(10, 3, Multiple, "")...)
	pool = append(pool, bpBank(20, 2, Judge, "")...)
	pool[0].Status = StatusRetired // question 1 left the bank
	book := WrongBook{
		{1, 9, 0, bpAt(0)},             // retired: skipped
		{2, 1, 0, bpAt(3 * time.Hour)}, // least missed, most recent
		{3, 1, 0, bpAt(time.Hour)},
		{10, 3, 1, bpAt(2 * time.Hour)}, // most missed
		{11, 2, 0, bpAt(time.Hour)},
		{20, 1, 0, bpAt(time.Hour)}, // ties with 3: by ID
		{99, 5, 0, bpAt(0)},         // not in the bank
	}
	p, err := BuildRetry(book, pool, 4, bpRand(1))
	if err != nil {
		t.Fatal(err)
	}
	var ids []uint
	for i, it := range p.Items {
		if it.No != i+1 || it.Points != 0 || it.Section != -1 {
			t.Errorf("item %d: no %d points %v section %d", i, it.No, it.Points, it.Section)
		}
		ids = append(ids, it.QuestionID)
	}
	slices.Sort(ids)
	if !slices.Equal(ids, []uint{3, 10, 11, 20}) {
		t.Errorf("picked %v, want 10, 11, 3, 20", ids)
	}
	// The retry paper's answers still match the bank, whatever the shuffle.
	bank := map[uint]BankItem{}
	for _, it := range pool {
		bank[it.ID] = it
	}
	for _, it := range p.Items {
		var back []string
		for _, l := range it.Answer {
			back = append(back, it.OptionMap[optionNumber(l)])
		}
		if !slices.Equal(normalLetters(back), bank[it.QuestionID].Answer) {
			t.Errorf("question %d: answer %v maps to %v", it.QuestionID, it.Answer, back)
		}
		if r := GradeItem(it, it.Answer, false); !r.Correct {
			t.Errorf("question %d: its own answer graded wrong", it.QuestionID)
		}
	}

	all, _ := BuildRetry(book, pool, 0, bpRand(1))
	if len(all.Items) != 5 {
		t.Errorf("default size: %d items, want all 5 available", len(all.Items))
	}
	if _, err := BuildRetry(WrongBook{{1, 1, 0, bpAt(0)}, {99, 1, 0, bpAt(0)}}, pool, 10, bpRand(1)); !errors.Is(err, ErrWrongBookEmpty) {
		t.Errorf("nothing available: %v", err)
	}
	if _, err := BuildRetry(nil, pool, 10, bpRand(1)); !errors.Is(err, ErrWrongBookEmpty) {
		t.Errorf("empty book: %v", err)
	}
}

// An exam graded, its misses recorded, 再练一遍 twice right: the book is
// empty again.
func TestWrongBookCycle(t *testing.T) {
	a := bpStart(t, bpT0, time.Time{})
	for _, it := range a.Paper.Items[:70] {
		a.Answer(bpAt(time.Minute), it.No, it.Answer)
	}
	r := a.Submit(bpAt(time.Hour))
	book, _ := WrongBook(nil).Record(Outcomes(r), false, a.FinishedAt)
	if len(book) != 10 {
		t.Fatalf("%d in the book, want the 10 unanswered", len(book))
	}
	pool := bpStandardPool()
	for round := range 2 {
		p, err := BuildRetry(book, pool, 0, bpRand(uint64(round)))
		if err != nil || len(p.Items) != 10 {
			t.Fatalf("round %d: %d items, %v", round, len(p.Items), err)
		}
		var out []Outcome
		for _, it := range p.Items {
			out = append(out, Outcomes(Result{Items: []ItemResult{GradeItem(it, it.Answer, false)}})...)
		}
		var mastered []uint
		book, mastered = book.Record(out, true, bpAt(2*time.Hour))
		if round == 1 && (len(book) != 0 || len(mastered) != 10) {
			t.Fatalf("after two rounds: %d left, %d mastered", len(book), len(mastered))
		}
	}
}
