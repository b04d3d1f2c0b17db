package live

import (
	"encoding/binary"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v3"
)

// simulcastPublisher sends two rid-tagged VP8 layers the way a browser
// does: "f" (3 packets of 1000 bytes a frame) and "q" (1 packet of 200
// bytes), with the mid and rid header extensions, a key frame every 15
// frames on each.
type simulcastPublisher struct {
	pc     *webrtc.PeerConnection
	layers map[string]*webrtc.TrackLocalStaticRTP
	stop   chan struct{}
	wg     sync.WaitGroup
}

func startSimulcastPublisher(t *testing.T, room *Room) *simulcastPublisher {
	t.Helper()
	var s webrtc.SettingEngine
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	if err := webrtc.ConfigureSimulcastExtensionHeaders(m); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	pc, err := webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(s)).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &simulcastPublisher{pc: pc, layers: map[string]*webrtc.TrackLocalStaticRTP{}, stop: make(chan struct{})}
	var sender *webrtc.RTPSender
	for _, rid := range []string{"f", "q"} {
		tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeVP8}, "cam", "trainer", webrtc.WithRTPStreamID(rid))
		if err != nil {
			t.Fatal(err)
		}
		p.layers[rid] = tr
		if sender == nil {
			if sender, err = pc.AddTrack(tr); err != nil {
				t.Fatal(err)
			}
		} else if err := sender.AddEncoding(tr); err != nil {
			t.Fatal(err)
		}
	}
	go func() {
		for {
			if _, _, err := sender.ReadRTCP(); err != nil {
				return
			}
		}
	}()
	answer, _ := negotiatePublisher(t, room, pc)
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	var midID, ridID uint8
	for _, e := range sender.GetParameters().HeaderExtensions {
		switch e.URI {
		case sdp.SDESMidURI:
			midID = uint8(e.ID)
		case sdp.SDESRTPStreamIDURI:
			ridID = uint8(e.ID)
		}
	}
	if midID == 0 || ridID == 0 {
		t.Fatal("simulcast header extensions not negotiated")
	}
	p.wg.Add(1)
	go p.run(midID, ridID)
	t.Cleanup(func() {
		close(p.stop)
		p.wg.Wait()
		pc.Close()
	})
	return p
}

func (p *simulcastPublisher) run(midID, ridID uint8) {
	defer p.wg.Done()
	tick := time.NewTicker(33 * time.Millisecond)
	defer tick.Stop()
	seq := map[string]uint16{"f": 100, "q": 40000}
	var ts uint32
	for frame := 0; ; frame++ {
		select {
		case <-p.stop:
			return
		case <-tick.C:
		}
		ts += 3000
		key := frame%15 == 0
		for rid, n := range map[string]int{"f": 3, "q": 1} {
			size := 1000
			if rid == "q" {
				size = 200
			}
			for i := range n {
				seq[rid]++
				b := make([]byte, size)
				if i == 0 {
					b[0] = 0x10
				}
				if !key {
					b[1] = 1
				}
				binary.BigEndian.PutUint16(b[2:], magic)
				b[4] = rid[0]
				h := rtp.Header{Version: 2, SequenceNumber: seq[rid], Timestamp: ts, Marker: i == n-1}
				h.SetExtension(midID, []byte("0"))
				h.SetExtension(ridID, []byte(rid))
				_ = p.layers[rid].WriteRTP(&rtp.Packet{Header: h, Payload: b})
			}
		}
	}
}

// A viewer gets the best simulcast layer while its bandwidth is unknown,
// moves to the low layer when its REMB estimate drops, and back up when it
// rises; switches keep its sequence numbers continuous.
func TestSimulcastLayerFollowsEstimate(t *testing.T) {
	n := newTestNode(t, Config{})
	room, _ := n.Room("r")
	startSimulcastPublisher(t, room)
	waitFor(t, 10*time.Second, "two layers", func() bool {
		s := room.Stats()
		return len(s.Tracks) == 1 && s.Tracks[0].Layers == 2
	})
	tv := joinViewer(t, room, "v", nil, webrtc.Configuration{})
	// mark forgets which layers arrived so far.
	mark := func() {
		tv.mu.Lock()
		clear(tv.tags)
		tv.mu.Unlock()
	}
	only := func(layer byte) func() bool {
		return func() bool {
			tv.mu.Lock()
			defer tv.mu.Unlock()
			return tv.tags[layer] > 20 && len(tv.tags) == 1
		}
	}
	waitFor(t, 10*time.Second, "high layer", func() bool { tv.mu.Lock(); defer tv.mu.Unlock(); return tv.tags['f'] > 20 })
	tv.mu.Lock()
	if tv.tags['q'] != 0 {
		t.Errorf("got %d low-layer packets while the estimate was unknown", tv.tags['q'])
	}
	tv.mu.Unlock()
	time.Sleep(1500 * time.Millisecond) // layer bitrates are measured once a second
	remb := func(bps float32) {
		tv.mu.Lock()
		ssrc := tv.videoSSRC
		tv.mu.Unlock()
		if err := tv.pc.WriteRTCP([]rtcp.Packet{&rtcp.ReceiverEstimatedMaximumBitrate{Bitrate: bps, SSRCs: []uint32{ssrc}}}); err != nil {
			t.Fatal(err)
		}
	}
	remb(150_000)
	time.Sleep(time.Second) // the switch waits for a key frame
	mark()
	waitFor(t, 10*time.Second, "only the low layer after a low estimate", only('q'))
	remb(5_000_000)
	time.Sleep(time.Second)
	mark()
	waitFor(t, 10*time.Second, "only the high layer after a high estimate", only('f'))
	tv.mu.Lock()
	defer tv.mu.Unlock()
	if tv.gaps != 0 || tv.seqJumpMax > 1 {
		t.Errorf("layer switches left %d missing sequence numbers (largest jump %d), want none", tv.gaps, tv.seqJumpMax)
	}
}
