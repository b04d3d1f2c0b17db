package live

import (
	"net"
	"testing"
	"time"

	"github.com/pion/webrtc/v3"
)

// With UDPPort set, the publisher and every viewer share the node's one
// UDP port.
func TestSingleUDPPort(t *testing.T) {
	l, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.LocalAddr().(*net.UDPAddr).Port
	l.Close()
	n := newTestNode(t, Config{UDPPort: port})
	room, _ := n.Room("r")
	startPublisher(t, room, 'A', 30, 1)
	var tvs []*testViewer
	for _, id := range []string{"a", "b"} {
		tvs = append(tvs, joinViewer(t, room, id, nil, webrtc.Configuration{}))
	}
	for _, tv := range tvs {
		waitFor(t, 10*time.Second, "video over the shared port", func() bool { v, _ := tv.counts(); return v > 30 })
		pair, err := tv.pc.GetTransceivers()[0].Receiver().Transport().ICETransport().GetSelectedCandidatePair()
		if err != nil || pair == nil {
			t.Fatalf("selected pair: %v %v", pair, err)
		}
		if int(pair.Remote.Port) != port {
			t.Errorf("%s talks to the node on port %d, want %d", tv.id, pair.Remote.Port, port)
		}
	}
}

// When the publisher goes away, viewers' receiver reports stop showing
// progress and they are reported stalled; the next publisher makes them
// receiving again.
func TestStalledAndReceivingAgain(t *testing.T) {
	n := newTestNode(t, Config{ReceiveTimeout: 1500 * time.Millisecond})
	room, _ := n.Room("r")
	pub := startPublisher(t, room, 'A', 30, 1)
	tv := joinViewer(t, room, "v", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "receiving", func() bool { return tv.hasEvent(EventReceiving) })
	pub.pub.Close()
	pub.close()
	waitFor(t, 10*time.Second, "stalled", func() bool { return tv.hasEvent(EventStalled) })
	if s := room.Stats(); s.Publishing || s.Receiving != 0 {
		t.Errorf("room stats = %+v, want no publisher and no viewer receiving", s)
	}
	startPublisher(t, room, 'B', 30, 9000)
	waitFor(t, 10*time.Second, "receiving again", func() bool {
		tv.mu.Lock()
		defer tv.mu.Unlock()
		return len(tv.events) >= 4 && tv.events[3] == EventReceiving
	})
	if st := tv.v.Stats(); st.PacketsSent == 0 || !st.Receiving {
		t.Errorf("viewer stats = %+v", st)
	}
}
