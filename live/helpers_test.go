package live

import (
	"context"
	"encoding/binary"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// The synthetic video: every frame is framePackets packets; the payload
// carries a VP8 descriptor, the VP8 header byte (key frame or not), then
// magic, publisher tag, frame number and send time, so a viewer can check
// what it got.
const (
	framePackets = 3
	magic        = 0xA11E
)

func newTestNode(t *testing.T, cfg Config) *Node {
	t.Helper()
	cfg.LoopbackOnly = true
	n, err := NewNode(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close() })
	return n
}

// clientAPI is a browser-like pion peer: default interceptors, loopback.
func clientAPI(t testing.TB, extra ...interceptor.Factory) *webrtc.API {
	t.Helper()
	var s webrtc.SettingEngine
	s.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	s.SetIncludeLoopbackCandidate(true)
	s.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	s.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4, webrtc.NetworkTypeTCP4})
	m := &webrtc.MediaEngine{}
	if err := m.RegisterDefaultCodecs(); err != nil {
		t.Fatal(err)
	}
	reg := &interceptor.Registry{}
	for _, f := range extra {
		reg.Add(f)
	}
	if err := webrtc.RegisterDefaultInterceptors(m, reg); err != nil {
		t.Fatal(err)
	}
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(reg), webrtc.WithSettingEngine(s))
}

// testPublisher sends synthetic VP8 at 30 frames/s and Opus at 50 packets/s.
type testPublisher struct {
	pc       *webrtc.PeerConnection
	pub      *Publisher
	tag      byte
	video    *webrtc.TrackLocalStaticRTP
	audio    *webrtc.TrackLocalStaticRTP
	keyEvery int // frames between key frames
	h264     bool
	realVP8  bool // frames start with a real VP8 frame header
	wantKey  atomic.Bool
	plis     atomic.Int64
	nacks    atomic.Int64
	sent     atomic.Int64 // video packets
	stop     chan struct{}
	done     sync.WaitGroup
	seq      uint16
	ts       uint32
}

func startPublisher(t *testing.T, room *Room, tag byte, keyEvery int, seqStart uint16) *testPublisher {
	t.Helper()
	return startCodecPublisher(t, room, webrtc.MimeTypeVP8, tag, keyEvery, seqStart)
}

// startCodecPublisher starts a publisher whose video is VP8 or H.264.
func startCodecPublisher(t *testing.T, room *Room, mime string, tag byte, keyEvery int, seqStart uint16) *testPublisher {
	t.Helper()
	return newTestPublisher(t, room, mime, tag, keyEvery, seqStart, false)
}

// startRecordablePublisher starts a VP8 publisher whose frames carry real
// VP8 frame headers (key frames with the start code and a size), as a
// recorder needs them.
func startRecordablePublisher(t *testing.T, room *Room, keyEvery int) *testPublisher {
	t.Helper()
	return newTestPublisher(t, room, webrtc.MimeTypeVP8, 'R', keyEvery, 100, true)
}

func newTestPublisher(t *testing.T, room *Room, mime string, tag byte, keyEvery int, seqStart uint16, real bool) *testPublisher {
	t.Helper()
	pc, err := clientAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	p := &testPublisher{pc: pc, tag: tag, keyEvery: keyEvery, stop: make(chan struct{}), seq: seqStart, ts: uint32(seqStart) * 7919, realVP8: real}
	p.video, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime}, "cam", "trainer")
	p.h264 = mime == webrtc.MimeTypeH264
	p.audio, _ = webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: webrtc.MimeTypeOpus}, "mic", "trainer")
	for _, tr := range []*webrtc.TrackLocalStaticRTP{p.audio, p.video} {
		s, err := pc.AddTrack(tr)
		if err != nil {
			t.Fatal(err)
		}
		go p.readRTCP(s)
	}
	answer, pub := negotiatePublisher(t, room, pc)
	p.pub = pub
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: answer}); err != nil {
		t.Fatal(err)
	}
	p.done.Add(1)
	go p.run()
	t.Cleanup(p.close)
	return p
}

func negotiatePublisher(t *testing.T, room *Room, pc *webrtc.PeerConnection) (string, *Publisher) {
	t.Helper()
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(offer); err != nil {
		t.Fatal(err)
	}
	<-g
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pub, answer, err := room.Publish(ctx, pc.LocalDescription().SDP, PeerOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return answer, pub
}

func (p *testPublisher) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, pkt := range pkts {
			switch pkt.(type) {
			case *rtcp.PictureLossIndication, *rtcp.FullIntraRequest:
				p.plis.Add(1)
				p.wantKey.Store(true)
			case *rtcp.TransportLayerNack:
				p.nacks.Add(1)
			}
		}
	}
}

func (p *testPublisher) run() {
	defer p.done.Done()
	vt := time.NewTicker(33 * time.Millisecond)
	defer vt.Stop()
	at := time.NewTicker(20 * time.Millisecond)
	defer at.Stop()
	var aseq uint16
	var ats uint32
	frame := uint32(0)
	for {
		select {
		case <-p.stop:
			return
		case <-at.C:
			aseq++
			ats += 960
			_ = p.audio.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: aseq, Timestamp: ats, Marker: true}, Payload: make([]byte, 80)})
		case <-vt.C:
			key := frame%uint32(p.keyEvery) == 0 || p.wantKey.Swap(false)
			p.ts += 3000
			for i := 0; i < framePackets; i++ {
				p.seq++
				payload := synthVP8(key, i == 0, p.tag, frame, time.Now())
				if p.h264 {
					payload = synthH264(key, i == 0)
				}
				if p.realVP8 {
					payload = realVP8(key, i == 0)
				}
				if p.video.WriteRTP(&rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: p.seq, Timestamp: p.ts, Marker: i == framePackets-1}, Payload: payload}) == nil {
					p.sent.Add(1)
				}
			}
			frame++
		}
	}
}

// synthH264 makes a key frame start a STAP-A with SPS and PPS, and every
// other packet an FU-A fragment of a non-IDR slice.
func synthH264(key, first bool) []byte {
	if key && first {
		return []byte{0x18, 0x00, 0x02, 0x67, 0x42, 0x00, 0x02, 0x68, 0xce}
	}
	b := make([]byte, 300)
	b[0], b[1] = 0x7c, 0x01
	return b
}

// realVP8 is a packet of a VP8 frame whose first packet starts with the
// frame header a decoder reads: the frame tag and, for a key frame, the
// start code and a 640×360 size.
func realVP8(key, first bool) []byte {
	b := make([]byte, 400)
	if !first {
		return b // descriptor 0x00: a continuation
	}
	b[0] = 0x10 // S=1, PID=0
	if key {
		b[1], b[2], b[3] = 0x10, 0x02, 0x00 // key frame, version 0, shown
		b[4], b[5], b[6] = 0x9d, 0x01, 0x2a
		binary.LittleEndian.PutUint16(b[7:], 640)
		binary.LittleEndian.PutUint16(b[9:], 360)
	} else {
		b[1], b[2], b[3] = 0x11, 0x02, 0x00 // inter frame
	}
	return b
}

func synthVP8(key, first bool, tag byte, frame uint32, now time.Time) []byte {
	b := make([]byte, 400)
	if first {
		b[0] = 0x10 // S=1, PID=0
	}
	if !key {
		b[1] = 0x01 // P=1: inter frame
	}
	binary.BigEndian.PutUint16(b[2:], magic)
	b[4] = tag
	if key {
		b[5] = 1
	}
	binary.BigEndian.PutUint32(b[6:], frame)
	binary.BigEndian.PutUint64(b[10:], uint64(now.UnixNano()))
	return b
}

func (p *testPublisher) close() {
	select {
	case <-p.stop:
		return
	default:
	}
	close(p.stop)
	p.done.Wait()
	p.pc.Close()
}

// testViewer is a browser-like receiving peer that records what arrives.
type testViewer struct {
	id   string
	pc   *webrtc.PeerConnection
	v    *Viewer
	read atomic.Bool // false: stop reading (a stuck client)

	mu          sync.Mutex
	videoSSRC   uint32
	firstIsKey  bool
	gotVideo    bool
	video, aud  int
	gaps        int // missing sequence numbers in arrival order
	lastSeq     uint16
	seen        map[uint16]bool
	tags        map[byte]int
	firstFrame  time.Time
	seqJumpMax  int
	events      []EventKind
	reason      string
	trackEvents int
}

func joinViewer(t *testing.T, room *Room, id string, api *webrtc.API, cfg webrtc.Configuration) *testViewer {
	t.Helper()
	tv := &testViewer{id: id, seen: map[uint16]bool{}, tags: map[byte]int{}}
	tv.read.Store(true)
	if api == nil {
		api = clientAPI(t)
	}
	pc, err := api.NewPeerConnection(cfg)
	if err != nil {
		t.Fatal(err)
	}
	tv.pc = pc
	pc.OnTrack(tv.onTrack)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	v, offer, err := room.Join(ctx, id, PeerOptions{OnEvent: func(e Event) {
		tv.mu.Lock()
		tv.events = append(tv.events, e.Kind)
		if e.Kind == EventDisconnected {
			tv.reason = e.Reason
		}
		tv.mu.Unlock()
	}})
	if err != nil {
		t.Fatal(err)
	}
	tv.v = v
	if err := pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		t.Fatal(err)
	}
	answer, err := pc.CreateAnswer(nil)
	if err != nil {
		t.Fatal(err)
	}
	g := webrtc.GatheringCompletePromise(pc)
	if err := pc.SetLocalDescription(answer); err != nil {
		t.Fatal(err)
	}
	<-g
	if err := v.Answer(pc.LocalDescription().SDP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return tv
}

func (tv *testViewer) onTrack(tr *webrtc.TrackRemote, _ *webrtc.RTPReceiver) {
	tv.mu.Lock()
	tv.trackEvents++
	tv.mu.Unlock()
	for {
		if !tv.read.Load() {
			time.Sleep(50 * time.Millisecond)
			continue
		}
		pkt, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		tv.mu.Lock()
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			tv.aud++
			tv.mu.Unlock()
			continue
		}
		tv.videoSSRC = uint32(tr.SSRC())
		if !tv.gotVideo {
			tv.gotVideo = true
			tv.firstIsKey = isVP8Keyframe(pkt.Payload)
			if tr.Codec().MimeType == webrtc.MimeTypeH264 {
				tv.firstIsKey = isH264Keyframe(pkt.Payload)
			}
			tv.firstFrame = time.Now()
		} else if seqBefore(tv.lastSeq, pkt.SequenceNumber) {
			d := int(pkt.SequenceNumber - tv.lastSeq)
			tv.gaps += d - 1
			tv.seqJumpMax = max(tv.seqJumpMax, d)
		}
		if !tv.gotVideo || seqBefore(tv.lastSeq, pkt.SequenceNumber) || len(tv.seen) == 0 {
			tv.lastSeq = pkt.SequenceNumber
		}
		tv.seen[pkt.SequenceNumber] = true
		if len(pkt.Payload) > 5 && binary.BigEndian.Uint16(pkt.Payload[2:]) == magic {
			tv.tags[pkt.Payload[4]]++
		}
		tv.video++
		tv.mu.Unlock()
	}
}

func (tv *testViewer) counts() (video, audio int) {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	return tv.video, tv.aud
}

func (tv *testViewer) hasEvent(k EventKind) bool {
	tv.mu.Lock()
	defer tv.mu.Unlock()
	for _, e := range tv.events {
		if e == k {
			return true
		}
	}
	return false
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func onlyTCP(servers []ICEServer) []webrtc.ICEServer {
	var out []webrtc.ICEServer
	for _, s := range servers {
		var urls []string
		for _, u := range s.URLs {
			if strings.HasSuffix(u, "transport=tcp") {
				urls = append(urls, u)
			}
		}
		if len(urls) > 0 {
			out = append(out, webrtc.ICEServer{URLs: urls, Username: s.Username, Credential: s.Credential})
		}
	}
	return out
}
