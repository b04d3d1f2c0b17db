package live

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// dropWriter wraps a viewer track's transport and loses the after-th
// packet once, as the network would: before SRTP, so a retransmission of
// it is new to the receiver.
type dropWriter struct {
	webrtc.TrackLocalWriter
	after   int64
	count   atomic.Int64
	dropped atomic.Int32 // sequence number, -1 before the drop
}

func (w *dropWriter) WriteRTP(h *rtp.Header, payload []byte) (int, error) {
	if w.count.Add(1) == w.after {
		w.dropped.Store(int32(h.SequenceNumber))
		return len(payload), nil
	}
	return w.TrackLocalWriter.WriteRTP(h, payload)
}

// A packet lost on the way to one viewer is NACKed by that viewer and
// retransmitted from the node's cache; the publisher never hears of it.
func TestNACKAnsweredFromCache(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	pub := startPublisher(t, room, 'A', 30, 1)
	tv := joinViewer(t, room, "lossy", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 0 })
	d := tv.v.tracks[slotCamera]
	b := d.bound.Load()
	drop := &dropWriter{TrackLocalWriter: b.w, after: 30}
	drop.dropped.Store(-1)
	d.bound.Store(&binding{w: drop, ssrc: b.ssrc, codecs: b.codecs})
	waitFor(t, 10*time.Second, "the drop", func() bool { return drop.dropped.Load() >= 0 })
	seq := uint16(drop.dropped.Load())
	waitFor(t, 5*time.Second, fmt.Sprintf("retransmission of %d", seq), func() bool {
		tv.mu.Lock()
		defer tv.mu.Unlock()
		return tv.seen[seq]
	})
	if s := n.Stats(); s.Retransmits < 1 || s.NACKs < 1 || s.NACKMissed != 0 {
		t.Errorf("stats = %+v, want the NACK answered from the cache", s)
	}
	if got := pub.nacks.Load(); got != 0 {
		t.Errorf("publisher received %d NACKs, want 0 (the cache answers)", got)
	}
}

// Viewers hammering the node with PLIs reach the publisher at most once
// per KeyframeInterval.
func TestKeyframeRequestsRateLimited(t *testing.T) {
	n := newTestNode(t, Config{KeyframeInterval: 500 * time.Millisecond})
	room, _ := n.Room("r")
	pub := startPublisher(t, room, 'A', 300, 1)
	var tvs []*testViewer
	for i := range 4 {
		tvs = append(tvs, joinViewer(t, room, fmt.Sprint(i), nil, webrtc.Configuration{}))
	}
	for _, tv := range tvs {
		waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 0 })
	}
	before := pub.plis.Load()
	const window = 2 * time.Second
	var wg sync.WaitGroup
	for _, tv := range tvs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tv.mu.Lock()
			ssrc := tv.videoSSRC
			tv.mu.Unlock()
			for end := time.Now().Add(window); time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
				_ = tv.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ssrc}})
			}
		}()
	}
	wg.Wait()
	time.Sleep(300 * time.Millisecond)
	got := pub.plis.Load() - before
	// 4 viewers × 100 requests in 2 s; at most one per 500 ms may pass.
	if got < 1 || got > int64(window/(500*time.Millisecond))+1 {
		t.Errorf("publisher received %d PLIs in %v, want 1..%d", got, window, window/(500*time.Millisecond)+1)
	}
	if s := n.Stats(); s.KeyframeSuppressed < 100 {
		t.Errorf("suppressed %d key frame requests, want most of the ~400", s.KeyframeSuppressed)
	}
}

// A viewer whose client stops reading does not slow the others: they keep
// receiving everything the publisher sends.
func TestStuckViewerDoesNotSlowOthers(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	pub := startPublisher(t, room, 'A', 30, 1)
	stuck := joinViewer(t, room, "stuck", nil, webrtc.Configuration{})
	var others []*testViewer
	for i := range 4 {
		others = append(others, joinViewer(t, room, fmt.Sprint("ok", i), nil, webrtc.Configuration{}))
	}
	for _, tv := range append(others, stuck) {
		waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 0 })
	}
	stuck.read.Store(false)
	time.Sleep(300 * time.Millisecond)
	sent0 := pub.sent.Load()
	got0 := make([]int, len(others))
	for i, tv := range others {
		got0[i], _ = tv.counts()
	}
	time.Sleep(3 * time.Second)
	sent := int(pub.sent.Load() - sent0)
	for i, tv := range others {
		v, _ := tv.counts()
		if got := v - got0[i]; got < sent*9/10 {
			t.Errorf("%s received %d of %d video packets while a viewer was stuck", tv.id, got, sent)
		}
		tv.mu.Lock()
		if tv.gaps != 0 {
			t.Errorf("%s: %d missing sequence numbers", tv.id, tv.gaps)
		}
		tv.mu.Unlock()
	}
}

// blockingWriter stands in for a viewer's transport: it blocks on block
// (when set) and counts writes.
type blockingWriter struct {
	block chan struct{}
	n     atomic.Int64
}

func (w *blockingWriter) WriteRTP(*rtp.Header, []byte) (int, error) {
	if w.block != nil {
		<-w.block
	}
	w.n.Add(1)
	return 0, nil
}

func (w *blockingWriter) Write(b []byte) (int, error) { return len(b), nil }

// A viewer whose writes block forever holds one writer goroutine at most;
// the others keep serving the remaining viewers, the stuck viewer's queue
// overflows (packets dropped, not waited for) and it is removed as slow.
func TestBlockedViewerDroppedNotStalling(t *testing.T) {
	n := newTestNode(t, Config{Workers: 2, ViewerQueue: 64, SlowViewerTimeout: 300 * time.Millisecond})
	room, _ := n.Room("r")
	ctx := context.Background()
	pubPC, err := n.pubAPI.NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	defer pubPC.Close()
	f := room.feeds[slotCamera]
	l := &layer{feed: f, pub: &Publisher{room: room, pc: pubPC}, mime: "video/vp8", clockRate: 90000, video: true, cache: newPacketCache(1024)}
	f.addLayer(l)
	f.forward(l, &packet{seq: 0, keyframe: true, payload: []byte{0x10, 0}})

	var reason atomic.Value
	slow, _, err := room.Join(ctx, "slow", PeerOptions{OnEvent: func(e Event) {
		if e.Kind == EventDisconnected {
			reason.Store(e.Reason)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	fast, _, err := room.Join(ctx, "fast", PeerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	bw := &blockingWriter{block: make(chan struct{})}
	defer close(bw.block)
	fw := &blockingWriter{}
	for v, w := range map[*Viewer]*blockingWriter{slow: bw, fast: fw} {
		d := v.tracks[slotCamera]
		d.bound.Store(&binding{w: w, ssrc: 1, codecs: videoCodecs})
		f.subscribe(d)
	}
	const total = 1500
	for i := 1; i < total; i++ {
		f.forward(l, &packet{seq: uint16(i), ts: uint32(i * 3000), payload: []byte{0, 1}})
		time.Sleep(time.Millisecond)
	}
	waitFor(t, 5*time.Second, "the fast viewer to get every packet", func() bool { return fw.n.Load() == total })
	waitFor(t, 5*time.Second, "the slow viewer to be removed", func() bool { return reason.Load() == "slow" })
	if _, ok := room.Viewer("slow"); ok {
		t.Error("slow viewer still in the room")
	}
	if s := n.Stats(); s.Drops == 0 || s.SlowViewersRemoved != 1 {
		t.Errorf("stats = %+v, want drops and one slow viewer removed", s)
	}
}
