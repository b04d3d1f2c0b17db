package live

import (
	"testing"
	"time"
)

func TestIsVP8Keyframe(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"key frame start", []byte{0x10, 0x00, 0x9d}, true},
		{"inter frame start", []byte{0x10, 0x01}, false},
		{"continuation", []byte{0x00, 0x00}, false},
		{"other partition", []byte{0x11, 0x00}, false},
		{"extended, 15-bit picture id", []byte{0x90, 0x80, 0x81, 0x23, 0x00}, true},
		{"extended, 7-bit picture id, tl0 and tid", []byte{0x90, 0xe0, 0x05, 0x07, 0x40, 0x00}, true},
		{"extended, inter frame", []byte{0x90, 0x80, 0x05, 0x01}, false},
		{"truncated", []byte{0x90, 0x80}, false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		if got := isVP8Keyframe(tc.payload); got != tc.want {
			t.Errorf("%s: isVP8Keyframe(% x) = %v, want %v", tc.name, tc.payload, got, tc.want)
		}
	}
}

func TestIsH264Keyframe(t *testing.T) {
	tests := []struct {
		name    string
		payload []byte
		want    bool
	}{
		{"IDR", []byte{0x65, 0x88}, true},
		{"SPS", []byte{0x67, 0x42}, true},
		{"non-IDR slice", []byte{0x41, 0x9a}, false},
		{"STAP-A with SPS and PPS", []byte{0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}, true},
		{"STAP-A without", []byte{0x18, 0x00, 0x02, 0x41, 0x9a}, false},
		{"STAP-A truncated", []byte{0x18, 0x00, 0x09, 0x67}, false},
		{"FU-A IDR start", []byte{0x7c, 0x85, 0x88}, true},
		{"FU-A IDR middle", []byte{0x7c, 0x05, 0x88}, false},
		{"FU-A non-IDR start", []byte{0x7c, 0x81}, false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		if got := isH264Keyframe(tc.payload); got != tc.want {
			t.Errorf("%s: isH264Keyframe(% x) = %v, want %v", tc.name, tc.payload, got, tc.want)
		}
	}
}

func TestPacketCache(t *testing.T) {
	c := newPacketCache(8)
	if got := c.sinceKeyframe(); got != nil {
		t.Fatalf("empty cache sinceKeyframe = %v", got)
	}
	add := func(seq uint16, ts uint32, key bool) { c.add(&packet{seq: seq, ts: ts, keyframe: key}) }
	// Sequence numbers wrap; the key frame (SPS at 65534, IDR at 65535)
	// is the last one, its SPS packet arriving late.
	add(65530, 1, true)
	add(65531, 1, false)
	add(65535, 2, true)
	add(65534, 2, true)
	add(0, 3, false)
	add(1, 3, false)
	got := c.sinceKeyframe()
	var seqs []uint16
	for _, p := range got {
		seqs = append(seqs, p.seq)
	}
	if want := []uint16{65534, 65535, 0, 1}; !equal(seqs, want) {
		t.Errorf("sinceKeyframe = %v, want %v", seqs, want)
	}
	if p := c.get(65531); p == nil || p.seq != 65531 {
		t.Errorf("get(65531) = %v", p)
	}
	if p := c.get(65532); p != nil {
		t.Errorf("get of a never-seen packet = %v, want nil", p)
	}
	for s := uint16(2); s < 12; s++ { // push the key frame out of the ring
		add(s, 4, false)
	}
	if got := c.sinceKeyframe(); got != nil {
		t.Errorf("sinceKeyframe after eviction = %d packets, want nil", len(got))
	}
	if p := c.get(65531); p != nil {
		t.Errorf("get of an evicted packet = %v, want nil", p)
	}
}

func equal(a, b []uint16) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSendQueueBoundedAndSlow(t *testing.T) {
	q := sendQueue{max: 4}
	for i := range 4 {
		res, sched := q.push(item{}, 50*time.Millisecond)
		if res != pushed || sched != (i == 0) {
			t.Fatalf("push %d = %v, %v", i, res, sched)
		}
	}
	if res, _ := q.push(item{}, 50*time.Millisecond); res != dropped {
		t.Fatalf("push on a full queue = %v, want dropped", res)
	}
	waitUntil := func() pushResult {
		for range 100 {
			if res, _ := q.push(item{}, 20*time.Millisecond); res == tooSlow {
				return res
			}
			time.Sleep(5 * time.Millisecond)
		}
		return dropped
	}
	if res := waitUntil(); res != tooSlow {
		t.Fatalf("sustained overflow = %v, want tooSlow", res)
	}
	if got := len(q.take(nil)); got != 4 {
		t.Fatalf("take = %d items, want 4", got)
	}
	if more := q.finish(); more {
		t.Fatal("finish on an empty queue wants more")
	}
	if res, _ := q.push(item{}, 20*time.Millisecond); res != pushed {
		t.Fatalf("push after drain = %v, want pushed (overflow episode over)", res)
	}
	if q.dropCount() == 0 {
		t.Error("drops not counted")
	}
}
