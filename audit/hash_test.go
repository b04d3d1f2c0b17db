package audit

import (
	"testing"
	"time"
)

func sampleEntry() Entry {
	return Entry{
		Seq:       7,
		At:        time.Date(2024, 3, 9, 8, 30, 15, 123456000, time.UTC),
		ActorID:   42,
		ActorName: "张三",
		IP:        "10.0.0.8",
		Action:    "update",
		Entity:    "person",
		EntityID:  "1001",
		Before:    `{"name":"李四"}`,
		After:     `{"name":"李四四"}`,
		PrevHash:  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff",
	}
}

// TestChainHashIsStable pins the encoding: if this value changes, every
// ledger already written fails Verify.
func TestChainHashIsStable(t *testing.T) {
	e := sampleEntry()
	const want = "239265886debc4e5b97c492c850ef131f60e830de8e466bfb098ca167c5dcc4d"
	if got := chainHash(&e); got != want {
		t.Fatalf("chainHash = %s, want %s", got, want)
	}
}

func TestChainHashCoversEveryField(t *testing.T) {
	base := sampleEntry()
	baseHash := chainHash(&base)
	edits := map[string]func(e *Entry){
		"seq":       func(e *Entry) { e.Seq++ },
		"at":        func(e *Entry) { e.At = e.At.Add(time.Microsecond) },
		"actor id":  func(e *Entry) { e.ActorID++ },
		"actor":     func(e *Entry) { e.ActorName += "x" },
		"ip":        func(e *Entry) { e.IP = "10.0.0.9" },
		"action":    func(e *Entry) { e.Action = "delete" },
		"entity":    func(e *Entry) { e.Entity = "people" },
		"entity id": func(e *Entry) { e.EntityID = "1002" },
		"before":    func(e *Entry) { e.Before = "" },
		"after":     func(e *Entry) { e.After = `{"name":"王五"}` },
		"prev hash": func(e *Entry) { e.PrevHash = "" },
		// Moving text across a field boundary must not keep the hash.
		"shift entity into id": func(e *Entry) { e.Entity, e.EntityID = "perso", "n1001" },
		"shift before to after": func(e *Entry) {
			e.Before, e.After = e.Before+e.After, ""
		},
	}
	for name, edit := range edits {
		e := sampleEntry()
		edit(&e)
		if chainHash(&e) == baseHash {
			t.Errorf("%s: hash unchanged", name)
		}
	}
	// The hash is of the instant, not of its time zone.
	e := sampleEntry()
	e.At = e.At.In(time.FixedZone("CST", 8*3600))
	if chainHash(&e) != baseHash {
		t.Error("hash depends on At's time zone")
	}
}
