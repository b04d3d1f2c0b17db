package live

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v2"
	"github.com/pion/webrtc/v3"
)

// EventKind says what happened to a peer.
type EventKind int

// The events of a peer, in the order they can happen. Receiving and
// Stalled may alternate; nothing follows Disconnected.
const (
	// EventConnected: ICE and DTLS are up.
	EventConnected EventKind = iota + 1
	// EventReceiving: the viewer's receiver reports show packets arriving
	// (media actually reaches the viewer, not just an open page).
	EventReceiving
	// EventStalled: no progress in the viewer's receiver reports for the
	// node's ReceiveTimeout.
	EventStalled
	// EventDisconnected: the peer is gone; Reason says why ("left",
	// "closed", "replaced", "failed", "slow").
	EventDisconnected
)

func (k EventKind) String() string {
	switch k {
	case EventConnected:
		return "connected"
	case EventReceiving:
		return "receiving"
	case EventStalled:
		return "stalled"
	case EventDisconnected:
		return "disconnected"
	}
	return fmt.Sprintf("EventKind(%d)", int(k))
}

// Event is delivered to PeerOptions.OnEvent.
type Event struct {
	Kind   EventKind
	Room   string
	Viewer string // empty for the publisher
	Reason string // for EventDisconnected
	Time   time.Time
}

// PeerOptions are the callbacks of one peer. Both are called from the
// node's goroutines and must not block.
type PeerOptions struct {
	// OnCandidate receives the node's trickled ICE candidates. When nil,
	// Publish and Join wait for gathering to finish and return an SDP that
	// carries every candidate.
	OnCandidate func(ICECandidate)
	// OnEvent receives the peer's events.
	OnEvent func(Event)
}

// Room is one live session: at most one publisher and any number of
// viewers, each viewer with its own peer connection.
type Room struct {
	node  *Node
	id    string
	feeds [numSlots]*feed

	// rec, when set, records the published tracks (recording.go).
	rec atomic.Pointer[roomRecorder]

	mu      sync.Mutex // guards the fields below
	pub     *Publisher
	viewers map[string]*Viewer
	closed  bool
}

func newRoom(n *Node, id string) *Room {
	r := &Room{node: n, id: id, viewers: map[string]*Viewer{}}
	for s := range numSlots {
		r.feeds[s] = &feed{room: r, slot: s}
	}
	return r
}

// ID returns the room's ID.
func (r *Room) ID() string { return r.id }

// Publish accepts the trainer's offer (camera and microphone, and
// optionally a screen share as a further video track; simulcast is
// accepted) and returns the answer. A second Publish replaces the current
// publisher (a reconnect): viewers stay attached and continue with the new
// publisher's media. The first video m-line of the offer is the camera, any
// later one the screen share. It returns ErrBadSDP for an offer that cannot
// be applied, ErrNoMedia for one without media, ErrClosed after Close, or
// the context's error.
func (r *Room) Publish(ctx context.Context, offer string, opts PeerOptions) (*Publisher, string, error) {
	if r.isClosed() {
		return nil, "", ErrClosed
	}
	pc, err := r.node.pubAPI.NewPeerConnection(r.node.peerConfig())
	if err != nil {
		return nil, "", fmt.Errorf("live: new peer connection: %w", err)
	}
	p := &Publisher{room: r, pc: pc, opts: opts}
	pc.OnTrack(p.onTrack)
	pc.OnConnectionStateChange(p.onState)
	trickle(pc, opts)
	answer, err := p.negotiate(ctx, offer)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		pc.Close()
		return nil, "", ErrClosed
	}
	old := r.pub
	r.pub = p
	r.mu.Unlock()
	if old != nil {
		old.close("replaced")
	}
	return p, answer, nil
}

// Join creates the viewer's receive-only peer connection and returns the
// node's offer, which the viewer answers with Viewer.Answer. The offer
// always carries three tracks (audio, camera, screen share) so that nothing
// a publisher does renegotiates viewers, and a join never touches other
// viewers. A viewer joining again under the same ID replaces its old
// connection (a phone that changed networks). It returns ErrClosed after
// Close, or the context's error.
func (r *Room) Join(ctx context.Context, viewerID string, opts PeerOptions) (*Viewer, string, error) {
	if r.isClosed() {
		return nil, "", ErrClosed
	}
	pc, err := r.node.viewAPI.NewPeerConnection(r.node.peerConfig())
	if err != nil {
		return nil, "", fmt.Errorf("live: new peer connection: %w", err)
	}
	v := &Viewer{id: viewerID, room: r, pc: pc, opts: opts, q: sendQueue{max: r.node.cfg.ViewerQueue}}
	for s := range numSlots {
		kind := webrtc.RTPCodecTypeVideo
		if s == slotAudio {
			kind = webrtc.RTPCodecTypeAudio
		}
		d := &downTrack{v: v, f: r.feeds[s], id: s.String(), kind: kind}
		tr, err := pc.AddTransceiverFromTrack(d, webrtc.RTPTransceiverInit{Direction: webrtc.RTPTransceiverDirectionSendonly})
		if err != nil {
			pc.Close()
			return nil, "", fmt.Errorf("live: add track: %w", err)
		}
		v.tracks[s] = d
		go d.readRTCP(tr.Sender())
	}
	pc.OnConnectionStateChange(v.onState)
	trickle(pc, opts)
	offer, err := pc.CreateOffer(nil)
	if err != nil {
		pc.Close()
		return nil, "", fmt.Errorf("live: create offer: %w", err)
	}
	sdp, err := setLocal(ctx, pc, offer, opts.OnCandidate == nil)
	if err != nil {
		pc.Close()
		return nil, "", err
	}
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		pc.Close()
		return nil, "", ErrClosed
	}
	old := r.viewers[viewerID]
	r.viewers[viewerID] = v
	r.mu.Unlock()
	if old != nil {
		old.close("replaced")
	}
	return v, sdp, nil
}

// Viewer returns the viewer with the given ID.
func (r *Room) Viewer(id string) (*Viewer, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	v, ok := r.viewers[id]
	return v, ok
}

// Leave disconnects a viewer; it returns ErrUnknownPeer for an unknown ID.
func (r *Room) Leave(viewerID string) error {
	r.mu.Lock()
	v := r.viewers[viewerID]
	delete(r.viewers, viewerID)
	r.mu.Unlock()
	if v == nil {
		return ErrUnknownPeer
	}
	v.close("left")
	return nil
}

// Close disconnects everyone and removes the room from its node.
func (r *Room) Close() {
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		return
	}
	r.closed = true
	pub := r.pub
	r.pub = nil
	viewers := make([]*Viewer, 0, len(r.viewers))
	for _, v := range r.viewers {
		viewers = append(viewers, v)
	}
	r.viewers = map[string]*Viewer{}
	r.mu.Unlock()
	for _, v := range viewers {
		v.close("closed")
	}
	if pub != nil {
		pub.close("closed")
	}
	if _, err := r.StopRecording(); err != nil && r.node.cfg.Logf != nil {
		r.node.cfg.Logf("live: room %s: %v", r.id, err)
	}
	r.node.forget(r)
}

// RoomStats describe a room for metrics and for the trainer's view.
type RoomStats struct {
	Viewers    int
	Receiving  int // viewers whose receiver reports show media arriving
	Publishing bool
	// Tracks lists the published slots ("audio", "camera", "screen") with
	// their codec and simulcast layer count.
	Tracks []TrackInfo
}

// TrackInfo describes one published slot.
type TrackInfo struct {
	Slot   string
	Codec  string // MIME type, e.g. "video/vp8"
	Layers int
}

// Stats returns the room's current state.
func (r *Room) Stats() RoomStats {
	r.mu.Lock()
	s := RoomStats{Viewers: len(r.viewers), Publishing: r.pub != nil}
	for _, v := range r.viewers {
		if v.receiving.Load() {
			s.Receiving++
		}
	}
	r.mu.Unlock()
	for _, f := range r.feeds {
		f.mu.Lock()
		if len(f.layers) > 0 {
			s.Tracks = append(s.Tracks, TrackInfo{Slot: f.slot.String(), Codec: f.layers[0].mime, Layers: len(f.layers)})
		}
		f.mu.Unlock()
	}
	return s
}

func (r *Room) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func (r *Room) remove(v *Viewer, reason string) {
	r.mu.Lock()
	if r.viewers[v.id] == v {
		delete(r.viewers, v.id)
	}
	r.mu.Unlock()
	v.close(reason)
}

func (r *Room) tick(now time.Time, elapsed time.Duration) {
	for _, f := range r.feeds {
		f.tick(elapsed)
	}
	r.mu.Lock()
	viewers := make([]*Viewer, 0, len(r.viewers))
	for _, v := range r.viewers {
		viewers = append(viewers, v)
	}
	r.mu.Unlock()
	limit := r.node.cfg.ReceiveTimeout.Nanoseconds()
	for _, v := range viewers {
		if v.receiving.Load() && now.UnixNano()-v.lastProgress.Load() > limit && v.receiving.CompareAndSwap(true, false) {
			v.emit(EventStalled, "")
		}
	}
}

// Publisher is the trainer's peer connection.
type Publisher struct {
	room *Room
	pc   *webrtc.PeerConnection
	opts PeerOptions

	negMu     sync.Mutex // serializes negotiations
	closeOnce sync.Once
	evMu      sync.Mutex // serializes events
	ended     bool       // Disconnected delivered; guarded by evMu
	connected atomic.Bool
	closed    atomic.Bool
	answered  bool // guarded by negMu
}

// Renegotiate applies a new offer of the publisher (a screen share added
// or removed) and returns the answer. Viewers are not renegotiated. It
// returns ErrBadSDP, ErrNoMedia or the context's error.
func (p *Publisher) Renegotiate(ctx context.Context, offer string) (string, error) {
	return p.negotiate(ctx, offer)
}

// AddICECandidate adds a candidate trickled by the publisher.
func (p *Publisher) AddICECandidate(c ICECandidate) error {
	return addCandidate(p.pc, c)
}

// Close disconnects the publisher; viewers stay and wait for the next one.
func (p *Publisher) Close() {
	r := p.room
	r.mu.Lock()
	if r.pub == p {
		r.pub = nil
	}
	r.mu.Unlock()
	p.close("closed")
}

func (p *Publisher) close(reason string) {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.pc.Close()
		p.emit(EventDisconnected, reason)
	})
}

func (p *Publisher) emit(k EventKind, reason string) {
	p.evMu.Lock()
	defer p.evMu.Unlock()
	if p.ended || p.opts.OnEvent == nil {
		p.ended = p.ended || k == EventDisconnected
		return
	}
	p.ended = k == EventDisconnected
	p.opts.OnEvent(Event{Kind: k, Room: p.room.id, Reason: reason, Time: time.Now()})
}

func (p *Publisher) negotiate(ctx context.Context, offer string) (string, error) {
	p.negMu.Lock()
	defer p.negMu.Unlock()
	if err := p.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}); err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	media := false
	for _, t := range p.pc.GetTransceivers() {
		if t.Direction() == webrtc.RTPTransceiverDirectionRecvonly || t.Direction() == webrtc.RTPTransceiverDirectionSendrecv {
			media = true
		}
	}
	if !media && !p.answered {
		return "", ErrNoMedia
	}
	p.answered = true
	answer, err := p.pc.CreateAnswer(nil)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return setLocal(ctx, p.pc, answer, p.opts.OnCandidate == nil)
}

func (p *Publisher) onState(s webrtc.PeerConnectionState) {
	switch s {
	case webrtc.PeerConnectionStateConnected:
		if p.connected.CompareAndSwap(false, true) {
			p.emit(EventConnected, "")
		}
	case webrtc.PeerConnectionStateFailed:
		go p.Close()
	}
}

func (p *Publisher) onTrack(remote *webrtc.TrackRemote, recv *webrtc.RTPReceiver) {
	if p.closed.Load() {
		return // replaced: its tracks must not displace the new publisher's
	}
	s := slotAudio
	if remote.Kind() == webrtc.RTPCodecTypeVideo {
		s = slotScreen
		for _, t := range p.pc.GetTransceivers() {
			if t.Kind() == webrtc.RTPCodecTypeVideo {
				if t.Receiver() == recv {
					s = slotCamera
				}
				break
			}
		}
	}
	f := p.room.feeds[s]
	l := newLayer(f, p, remote)
	f.addLayer(l)
	go l.read(remote)
	go func(rid string) { // drain RTCP so pion's interceptors see the sender reports
		for {
			var err error
			if rid == "" {
				_, _, err = recv.ReadRTCP()
			} else {
				_, _, err = recv.ReadSimulcastRTCP(rid)
			}
			if err != nil {
				return
			}
		}
	}(remote.RID())
}

// Viewer is one learner's receive-only peer connection.
type Viewer struct {
	id     string
	room   *Room
	pc     *webrtc.PeerConnection
	opts   PeerOptions
	tracks [numSlots]*downTrack
	q      sendQueue

	closeOnce    sync.Once
	evMu         sync.Mutex // serializes events
	ended        bool       // Disconnected delivered; guarded by evMu
	connected    atomic.Bool
	receiving    atomic.Bool
	lastProgress atomic.Int64 // unix nanoseconds of the last receiver-report progress
	slow         atomic.Bool
	closed       atomic.Bool // set by close before it unsubscribes the tracks
}

// ID returns the viewer's ID.
func (v *Viewer) ID() string { return v.id }

// Answer applies the viewer's answer to the offer from Join. It returns
// ErrBadSDP when the answer cannot be applied.
func (v *Viewer) Answer(sdp string) error {
	earlyCandidates(v.pc, sdp)
	if err := v.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeAnswer, SDP: sdp}); err != nil {
		return fmt.Errorf("%w: %v", ErrBadSDP, err)
	}
	return nil
}

// AddICECandidate adds a candidate trickled by the viewer; it must follow
// Answer (the signaling layer queues earlier ones).
func (v *Viewer) AddICECandidate(c ICECandidate) error {
	return addCandidate(v.pc, c)
}

// ViewerStats describe one viewer.
type ViewerStats struct {
	PacketsSent, Retransmits, Drops uint64
	Receiving                       bool
}

// Stats returns the viewer's counters.
func (v *Viewer) Stats() ViewerStats {
	s := ViewerStats{Drops: v.q.dropCount(), Receiving: v.receiving.Load()}
	for _, d := range v.tracks {
		s.PacketsSent += d.sent.Load()
		s.Retransmits += d.retrans.Load()
	}
	return s
}

func (v *Viewer) onState(s webrtc.PeerConnectionState) {
	switch s {
	case webrtc.PeerConnectionStateConnected:
		// Media starts at once. The node is the DTLS server, so its last
		// handshake flight (Finished) leaves before the first SRTP packet
		// on the same path: a browser has its keys by the time the
		// packets arrive (one overtaken by them drops them undecrypted,
		// and its key frame request repairs that), and a pion viewer
		// buffers them until its SRTP session reads. The tracks were
		// bound when the answer was applied.
		for _, d := range v.tracks {
			d.f.subscribe(d)
		}
		if v.closed.Load() { // closed meanwhile: undo what close may have missed
			for _, d := range v.tracks {
				d.f.unsubscribe(d)
			}
		}
		if v.connected.CompareAndSwap(false, true) {
			v.emit(EventConnected, "")
		}
	case webrtc.PeerConnectionStateFailed:
		go v.room.remove(v, "failed")
	}
}

func (v *Viewer) enqueue(it item) pushResult {
	res, sched := v.q.push(it, v.room.node.cfg.SlowViewerTimeout)
	switch {
	case sched:
		v.room.node.pool.schedule(v)
	case res == dropped || res == tooSlow:
		v.room.node.stats.drops.Add(1)
	}
	return res
}

// removeSlow removes a viewer whose queue kept overflowing.
func (v *Viewer) removeSlow() {
	if v.slow.CompareAndSwap(false, true) {
		v.room.node.stats.slowRemoved.Add(1)
		go v.room.remove(v, "slow")
	}
}

func (v *Viewer) mediaArrived() {
	v.lastProgress.Store(time.Now().UnixNano())
	if v.receiving.CompareAndSwap(false, true) {
		v.emit(EventReceiving, "")
	}
}

func (v *Viewer) close(reason string) {
	v.closeOnce.Do(func() {
		v.closed.Store(true)
		for _, d := range v.tracks {
			d.f.unsubscribe(d)
		}
		v.q.close()
		v.pc.Close()
		v.receiving.Store(false)
		v.emit(EventDisconnected, reason)
	})
}

func (v *Viewer) emit(k EventKind, reason string) {
	v.evMu.Lock()
	defer v.evMu.Unlock()
	if v.ended {
		return
	}
	v.ended = k == EventDisconnected
	if v.opts.OnEvent != nil {
		v.opts.OnEvent(Event{Kind: k, Room: v.room.id, Viewer: v.id, Reason: reason, Time: time.Now()})
	}
}

func trickle(pc *webrtc.PeerConnection, opts PeerOptions) {
	if opts.OnCandidate == nil {
		return
	}
	pc.OnICECandidate(func(c *webrtc.ICECandidate) {
		if c != nil {
			opts.OnCandidate(fromCandidate(c))
		}
	})
}

// setLocal applies a local description; without trickle it waits for ICE
// gathering so the returned SDP carries the candidates.
func setLocal(ctx context.Context, pc *webrtc.PeerConnection, d webrtc.SessionDescription, wait bool) (string, error) {
	var gathered <-chan struct{}
	if wait {
		gathered = webrtc.GatheringCompletePromise(pc)
	}
	if err := pc.SetLocalDescription(d); err != nil {
		return "", fmt.Errorf("live: set local description: %w", err)
	}
	if wait {
		select {
		case <-gathered:
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}
	return pc.LocalDescription().SDP, nil
}

func addCandidate(pc *webrtc.PeerConnection, c ICECandidate) error {
	if err := pc.AddICECandidate(toCandidateInit(c)); err != nil {
		return fmt.Errorf("live: add ice candidate: %w", err)
	}
	return nil
}

// earlyCandidates hands the candidates of a viewer's answer to the ICE agent
// before the answer itself. pion adds an answer's candidates in goroutines
// of their own, after the answer's credentials may already be in use: a
// check from the viewer that comes in between (one it sent on making its
// answer) makes the viewer known as a peer-reflexive candidate beside the
// same address's host candidate, and with the two the node nominates no
// pair on the viewer's checks, only on its own next round (up to 200 ms
// later). Added first, the candidates are in place when the checks start.
// Those that cannot be parsed are left to SetRemoteDescription.
func earlyCandidates(pc *webrtc.PeerConnection, sdp string) {
	sctp := pc.SCTP()
	if sctp == nil || sctp.Transport() == nil || sctp.Transport().ICETransport() == nil {
		return
	}
	t := sctp.Transport().ICETransport()
	for _, line := range strings.Split(sdp, "\n") {
		raw, ok := strings.CutPrefix(strings.TrimSpace(line), "a=candidate:")
		if !ok {
			continue
		}
		ic, err := ice.UnmarshalCandidate(raw)
		if err != nil {
			continue
		}
		c, ok := fromICECandidate(ic)
		if !ok {
			continue
		}
		_ = t.AddRemoteCandidate(&c)
	}
}

// fromICECandidate converts a parsed candidate the way pion does for
// AddICECandidate.
func fromICECandidate(i ice.Candidate) (webrtc.ICECandidate, bool) {
	var typ webrtc.ICECandidateType
	switch i.Type() {
	case ice.CandidateTypeHost:
		typ = webrtc.ICECandidateTypeHost
	case ice.CandidateTypeServerReflexive:
		typ = webrtc.ICECandidateTypeSrflx
	case ice.CandidateTypePeerReflexive:
		typ = webrtc.ICECandidateTypePrflx
	case ice.CandidateTypeRelay:
		typ = webrtc.ICECandidateTypeRelay
	default:
		return webrtc.ICECandidate{}, false
	}
	protocol, err := webrtc.NewICEProtocol(i.NetworkType().NetworkShort())
	if err != nil {
		return webrtc.ICECandidate{}, false
	}
	c := webrtc.ICECandidate{
		Foundation: i.Foundation(), Priority: i.Priority(), Address: i.Address(), Protocol: protocol,
		Port: uint16(i.Port()), Component: i.Component(), Typ: typ, TCPType: i.TCPType().String(),
	}
	if r := i.RelatedAddress(); r != nil {
		c.RelatedAddress, c.RelatedPort = r.Address, uint16(r.Port)
	}
	return c, true
}
