package live

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
)

// Viewers that join after the publisher started get the cached key frame
// first (no key frame request reaches the publisher, whose own key frames
// are 10 s apart), then continuous audio and video without gaps, and the
// attendance events in order.
func TestFanOutKeyframeFirstAndContinuous(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r1")
	pub := startPublisher(t, room, 'A', 300, 1000)
	waitFor(t, 10*time.Second, "publisher media at the node", func() bool { return n.Stats().PacketsIn > 30 })
	time.Sleep(500 * time.Millisecond) // the key frame is now well in the past

	const viewers = 6
	var tvs []*testViewer
	start := time.Now()
	for i := range viewers {
		tvs = append(tvs, joinViewer(t, room, fmt.Sprintf("v%d", i), nil, webrtc.Configuration{}))
	}
	for _, tv := range tvs {
		waitFor(t, 10*time.Second, tv.id+" video", func() bool { v, _ := tv.counts(); return v > 0 })
	}
	t.Logf("all %d viewers had their first frame after %v", viewers, time.Since(start))
	before := make([]int, viewers)
	for i, tv := range tvs {
		before[i], _ = tv.counts()
	}
	time.Sleep(2 * time.Second)
	for i, tv := range tvs {
		tv.mu.Lock()
		if !tv.firstIsKey {
			t.Errorf("%s: first video packet is not a key frame start", tv.id)
		}
		got := tv.video - before[i]
		if got < 2*30*framePackets/2 { // at least half of 2 s of video
			t.Errorf("%s: %d video packets in 2 s, want about %d", tv.id, got, 2*30*framePackets)
		}
		if tv.aud < 30 {
			t.Errorf("%s: %d audio packets, want continuous audio", tv.id, tv.aud)
		}
		if tv.gaps != 0 {
			t.Errorf("%s: %d missing sequence numbers", tv.id, tv.gaps)
		}
		tv.mu.Unlock()
	}
	t.Logf("node stats %+v", n.Stats())
	if got, st := pub.plis.Load(), n.Stats(); got != 0 && st.Drops == 0 && st.NACKMissed == 0 {
		// (a viewer that lost packets on an overloaded machine rightly asks
		// for a new picture; one that lost nothing must not)
		t.Errorf("publisher got %d key frame requests; joins must be served from the cache (%+v)", got, st)
	}
	waitFor(t, 10*time.Second, "receiving events from receiver reports", func() bool {
		for _, tv := range tvs {
			if !tv.hasEvent(EventReceiving) {
				return false
			}
		}
		return true
	})
	if s := room.Stats(); s.Viewers != viewers || s.Receiving != viewers || !s.Publishing || len(s.Tracks) != 2 {
		t.Errorf("room stats = %+v, want %d viewers all receiving, publishing audio+camera", s, viewers)
	}
	if err := room.Leave("v0"); err != nil {
		t.Fatal(err)
	}
	tvs[0].mu.Lock()
	ev := tvs[0].events
	reason := tvs[0].reason
	tvs[0].mu.Unlock()
	want := []EventKind{EventConnected, EventReceiving, EventDisconnected}
	if fmt.Sprint(ev) != fmt.Sprint(want) || reason != "left" {
		t.Errorf("events of v0 = %v (reason %q), want %v (left)", ev, reason, want)
	}
	if err := room.Leave("v0"); err != ErrUnknownPeer {
		t.Errorf("second Leave = %v, want ErrUnknownPeer", err)
	}
}

// A publisher that reconnects (a new Publish on the same room, new SSRCs,
// unrelated sequence numbers) keeps viewers attached: no new track at the
// viewer, sequence numbers continue, and the new publisher's frames arrive.
func TestPublisherReconnectViewersContinue(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	a := startPublisher(t, room, 'A', 30, 1000)
	tvs := []*testViewer{
		joinViewer(t, room, "x", nil, webrtc.Configuration{}),
		joinViewer(t, room, "y", nil, webrtc.Configuration{}),
	}
	for _, tv := range tvs {
		waitFor(t, 10*time.Second, "media from A", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['A'] > 30 })
	}
	tracksBefore := make([]int, len(tvs))
	for i, tv := range tvs {
		tv.mu.Lock()
		tracksBefore[i] = tv.trackEvents
		tv.mu.Unlock()
	}
	a.close()
	startPublisher(t, room, 'B', 30, 50000)
	for i, tv := range tvs {
		waitFor(t, 10*time.Second, "media from B", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['B'] > 60 })
		tv.mu.Lock()
		if tv.trackEvents != tracksBefore[i] || tv.trackEvents != 2 {
			t.Errorf("%s: %d remote tracks after the reconnect, %d before, want audio and camera only", tv.id, tv.trackEvents, tracksBefore[i])
		}
		if tv.seqJumpMax > 10 {
			t.Errorf("%s: sequence jumped by %d across the reconnect, want continuity", tv.id, tv.seqJumpMax)
		}
		if !tv.hasEventLocked(EventConnected) {
			t.Errorf("%s: no connected event", tv.id)
		}
		tv.mu.Unlock()
	}
}

func (tv *testViewer) hasEventLocked(k EventKind) bool {
	for _, e := range tv.events {
		if e == k {
			return true
		}
	}
	return false
}

func TestPublishRejectsBadOffer(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, _, err := room.Publish(ctx, "not sdp", PeerOptions{}); err == nil {
		t.Fatal("Publish accepted garbage")
	}
	room.Close()
	if _, _, err := room.Join(ctx, "v", PeerOptions{}); err != ErrClosed {
		t.Fatalf("Join on a closed room = %v, want ErrClosed", err)
	}
}

// A viewer joining again under its ID (a phone that changed networks)
// replaces its old connection.
func TestRejoinReplacesOldConnection(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	startPublisher(t, room, 'A', 30, 1)
	old := joinViewer(t, room, "x", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "video", func() bool { v, _ := old.counts(); return v > 0 })
	again := joinViewer(t, room, "x", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "video after rejoining", func() bool { v, _ := again.counts(); return v > 0 })
	old.mu.Lock()
	reason := old.reason
	old.mu.Unlock()
	if reason != "replaced" {
		t.Errorf("old connection's disconnect reason = %q, want replaced", reason)
	}
	if s := room.Stats(); s.Viewers != 1 {
		t.Errorf("room has %d viewers, want 1", s.Viewers)
	}
	if v, ok := room.Viewer("x"); !ok || v != again.v {
		t.Error("room.Viewer does not return the new connection")
	}
}
