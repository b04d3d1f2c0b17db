package live

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// The trainer starts and stops a screen share while live: only the
// publisher renegotiates; viewers receive the screen on the track they have
// had since joining, and the camera goes on.
func TestScreenShareWithoutViewerRenegotiation(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	pub := startPublisher(t, room, 'C', 30, 1)
	tv := joinViewer(t, room, "v", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "camera", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['C'] > 10 })
	viewerOffer := tv.pc.RemoteDescription().SDP

	screen, _ := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "screen", "screen")
	sender, err := pub.pc.AddTrack(screen)
	if err != nil {
		t.Fatal(err)
	}
	renegotiate := func() {
		t.Helper()
		offer, err := pub.pc.CreateOffer(nil)
		if err != nil {
			t.Fatal(err)
		}
		g := webrtc.GatheringCompletePromise(pub.pc)
		if err := pub.pc.SetLocalDescription(offer); err != nil {
			t.Fatal(err)
		}
		<-g
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		answer, err := pub.pub.Renegotiate(ctx, pub.pc.LocalDescription().SDP)
		if err != nil {
			t.Fatal(err)
		}
		if err := pub.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
			t.Fatal(err)
		}
	}
	renegotiate()
	stop := make(chan struct{})
	done := make(chan struct{})
	go func() { // screen frames: one packet each, a key frame every 10
		defer close(done)
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			b := make([]byte, 200)
			b[0] = 0x10
			if i%10 != 0 {
				b[1] = 1
			}
			binary.BigEndian.PutUint16(b[2:], magic)
			b[4] = 'S'
			screen.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: uint16(i), Timestamp: uint32(i * 4500), Marker: true}, Payload: b})
		}
	}()
	waitFor(t, 10*time.Second, "screen share at the viewer", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['S'] > 10 })
	if s := room.Stats(); len(s.Tracks) != 3 || s.Tracks[2].Slot != "screen" {
		t.Errorf("room tracks = %+v, want audio, camera, screen", s.Tracks)
	}

	close(stop)
	<-done
	if err := pub.pc.RemoveTrack(sender); err != nil {
		t.Fatal(err)
	}
	renegotiate()
	waitFor(t, 10*time.Second, "the screen slot to empty", func() bool { return len(room.Stats().Tracks) == 2 })
	tv.mu.Lock()
	camera := tv.tags['C']
	tv.mu.Unlock()
	waitFor(t, 10*time.Second, "camera after the screen share", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['C'] > camera+30 })
	if tv.pc.RemoteDescription().SDP != viewerOffer || tv.pc.SignalingState() != webrtc.SignalingStateStable {
		t.Error("the viewer was renegotiated")
	}
}

// H.264 is forwarded too: a late viewer starts at the cached IDR (SPS in a
// STAP-A) without a key frame request to the publisher.
func TestH264KeyframeFromCache(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	pub := startCodecPublisher(t, room, webrtc.MimeTypeH264, 'H', 300, 1)
	waitFor(t, 10*time.Second, "publisher media", func() bool { return n.Stats().PacketsIn > 30 })
	time.Sleep(300 * time.Millisecond)
	tv := joinViewer(t, room, "v", nil, webrtc.Configuration{})
	waitFor(t, 10*time.Second, "video", func() bool { v, _ := tv.counts(); return v > 30 })
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if !tv.firstIsKey {
		t.Error("first H.264 packet is not the key frame start")
	}
	if tv.gaps != 0 {
		t.Errorf("%d missing sequence numbers", tv.gaps)
	}
	// The join is served from the cache. A key frame request is right
	// only when the viewer lost packets on the way (a machine so loaded
	// that its queue overflowed, or the viewer asked again for packets no
	// longer cached): then it needs a new picture.
	if got, st := pub.plis.Load(), n.Stats(); got != 0 && st.Drops == 0 && st.NACKMissed == 0 {
		t.Errorf("publisher got %d key frame requests though the viewer lost nothing (%+v)", got, st)
	}
}
