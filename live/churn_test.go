package live

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
)

// Viewers joining and leaving all the time do not disturb the viewers who
// stay: they see no gap, and the churners each get a key frame first.
func TestChurnDoesNotDisturbStayingViewers(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	startPublisher(t, room, 'A', 60, 1)
	stay := []*testViewer{joinViewer(t, room, "s1", nil, webrtc.Configuration{}), joinViewer(t, room, "s2", nil, webrtc.Configuration{})}
	for _, tv := range stay {
		waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 0 })
	}
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 5 {
				tv := joinViewer(t, room, fmt.Sprintf("c%d-%d", w, i), nil, webrtc.Configuration{})
				waitFor(t, 10*time.Second, "churner video", func() bool { v, _ := tv.counts(); return v > 0 })
				tv.mu.Lock()
				if !tv.firstIsKey {
					t.Errorf("%s: first packet not a key frame", tv.id)
				}
				tv.mu.Unlock()
				if err := room.Leave(tv.id); err != nil {
					t.Error(err)
				}
				tv.pc.Close()
			}
		}()
	}
	wg.Wait()
	for _, tv := range stay {
		tv.mu.Lock()
		if tv.gaps != 0 {
			t.Errorf("%s: %d missing sequence numbers during churn", tv.id, tv.gaps)
		}
		tv.mu.Unlock()
	}
	if s := room.Stats(); s.Viewers != 2 {
		t.Errorf("room has %d viewers after churn, want 2", s.Viewers)
	}
}

// After 500 joins and leaves (every fifth one a full connection that
// receives media, the others leaving before or during the handshake) the
// goroutine count returns to its baseline.
func TestNoGoroutineLeakAfterJoinsAndLeaves(t *testing.T) {
	total := 500
	if testing.Short() {
		total = 100
	}
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	startPublisher(t, room, 'A', 60, 1)
	warm := joinViewer(t, room, "warm", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "video", func() bool { v, _ := warm.counts(); return v > 0 })
	time.Sleep(300 * time.Millisecond)
	baseline := runtime.NumGoroutine()

	api := clientAPI(t)
	const parallel = 5
	var wg sync.WaitGroup
	for w := range parallel {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < total; i += parallel {
				id := fmt.Sprint("v", i)
				switch i % 5 {
				case 0: // full connection with media
					tv := joinViewer(t, room, id, api, webrtc.Configuration{})
					waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 0 })
					room.Leave(id)
					tv.pc.Close()
				case 1: // the client goes away mid-handshake
					tv := joinViewer(t, room, id, api, webrtc.Configuration{})
					tv.pc.Close()
					room.Leave(id)
				default: // joins and leaves without ever answering
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					if _, _, err := room.Join(ctx, id, PeerOptions{}); err != nil {
						t.Error(err)
					}
					cancel()
					room.Leave(id)
				}
			}
		}()
	}
	wg.Wait()
	if s := room.Stats(); s.Viewers != 1 {
		t.Errorf("room has %d viewers, want only the warm one", s.Viewers)
	}
	var now int
	deadline := time.Now().Add(20 * time.Second)
	for {
		now = runtime.NumGoroutine()
		if now <= baseline+2 || time.Now().After(deadline) {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if now > baseline+2 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Fatalf("%d goroutines after %d joins/leaves, baseline %d\n%s", now, total, baseline, buf[:min(len(buf), 8000)])
	}
	t.Logf("%d joins/leaves: goroutines %d, baseline %d", total, now, baseline)
}
