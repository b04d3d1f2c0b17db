package live

import (
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// slot is one of the fixed media positions of a room. Every viewer has one
// outgoing track per slot from the moment it joins, so a screen share that
// starts or stops, or a publisher that reconnects, never renegotiates viewers.
type slot int

const (
	slotAudio slot = iota
	slotCamera
	slotScreen
	numSlots
)

func (s slot) String() string {
	return [...]string{"audio", "camera", "screen"}[s]
}

// feed is what a room publishes in one slot: the current publisher's layers
// (one, or several with simulcast) and the viewer tracks subscribed to it.
type feed struct {
	room *Room
	slot slot
	// mu guards layers, subs and every subscriber's layer/target; it is held
	// while one packet is cached and pushed to all subscribers' queues (never
	// while writing to a peer).
	mu     sync.Mutex
	layers []*layer
	subs   []*downTrack
}

// layer is one received RTP stream of the publisher: a track, or one
// simulcast encoding of it, with its shared packet cache.
type layer struct {
	feed      *feed
	pub       *Publisher
	rid       string
	mime      string
	clockRate uint32
	ssrc      uint32
	video     bool
	cache     *packetCache

	bytes   atomic.Uint64 // received since the last rate tick
	bitrate atomic.Uint64 // bits per second, smoothed
	lastPLI atomic.Int64  // unix nanoseconds
	packets atomic.Uint64
}

func newLayer(f *feed, pub *Publisher, remote *webrtc.TrackRemote) *layer {
	c := remote.Codec()
	size := 256
	video := remote.Kind() == webrtc.RTPCodecTypeVideo
	if video {
		size = 2048
	}
	return &layer{
		feed: f, pub: pub, rid: remote.RID(), mime: strings.ToLower(c.MimeType),
		clockRate: c.ClockRate, ssrc: uint32(remote.SSRC()), video: video,
		cache: newPacketCache(size),
	}
}

// read forwards the layer's packets until the publisher's track ends.
func (l *layer) read(remote *webrtc.TrackRemote) {
	defer l.feed.removeLayer(l)
	buf := make([]byte, 1500)
	isKey := func([]byte) bool { return true } // audio: every packet starts a decodable unit
	switch l.mime {
	case strings.ToLower(webrtc.MimeTypeVP8):
		isKey = isVP8Keyframe
	case strings.ToLower(webrtc.MimeTypeH264):
		isKey = isH264Keyframe
	}
	for {
		n, _, err := remote.Read(buf)
		if err != nil {
			return
		}
		var h rtp.Header
		hl, err := h.Unmarshal(buf[:n])
		if err != nil {
			continue
		}
		end := n
		if h.Padding && n > hl {
			end -= int(buf[n-1])
		}
		if end <= hl {
			continue // padding only (bandwidth probing)
		}
		data := make([]byte, end-hl)
		copy(data, buf[hl:end])
		p := &packet{seq: h.SequenceNumber, ts: h.Timestamp, marker: h.Marker, payload: data, keyframe: isKey(data)}
		l.bytes.Add(uint64(n))
		l.packets.Add(1)
		l.feed.room.node.stats.packetsIn.Add(1)
		l.feed.forward(l, p)
		if rr := l.feed.room.rec.Load(); rr != nil {
			rr.write(l, h, data)
		}
	}
}

// requestKeyframe sends a PLI to the publisher for this layer unless one
// was sent within the node's KeyframeInterval.
func (l *layer) requestKeyframe() bool {
	if !l.video {
		return false
	}
	now := time.Now().UnixNano()
	last := l.lastPLI.Load()
	min := int64(l.feed.room.node.cfg.KeyframeInterval)
	if now-last < min || !l.lastPLI.CompareAndSwap(last, now) {
		l.feed.room.node.stats.pliSuppressed.Add(1)
		return false
	}
	l.feed.room.node.stats.pliSent.Add(1)
	_ = l.pub.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: l.ssrc}})
	return true
}

// tickRate updates the smoothed bitrate; called once a second.
func (l *layer) tickRate(elapsed time.Duration) {
	bits := float64(l.bytes.Swap(0)*8) / elapsed.Seconds()
	old := float64(l.bitrate.Load())
	if old == 0 {
		old = bits
	}
	l.bitrate.Store(uint64(0.7*old + 0.3*bits))
}

// forward caches p and offers it to every subscriber.
func (f *feed) forward(l *layer, p *packet) {
	var slow []*Viewer
	f.mu.Lock()
	l.cache.add(p)
	for _, d := range f.subs {
		if d.layer != l {
			if d.target != l || !p.keyframe {
				continue
			}
			d.layer = l // switch (or first picture) on a key frame
		}
		if d.v.enqueue(item{dt: d, p: p, l: l}) == tooSlow {
			slow = append(slow, d.v)
		}
	}
	f.mu.Unlock()
	for _, v := range slow {
		v.removeSlow()
	}
}

// addLayer attaches a new publisher layer. Layers of an earlier publisher
// are dropped, and subscribers move to the new publisher at its next key
// frame with sequence numbers and timestamps continuing.
func (f *feed) addLayer(l *layer) {
	f.mu.Lock()
	f.layers = slices.DeleteFunc(f.layers, func(o *layer) bool { return o.pub != l.pub })
	f.layers = append(f.layers, l)
	for _, d := range f.subs {
		if d.layer != nil && d.layer.pub != l.pub {
			d.layer = nil
		}
		d.target = f.pick(d)
		if !l.video && d.target == l {
			d.layer = l
		}
	}
	f.mu.Unlock()
}

func (f *feed) removeLayer(l *layer) {
	f.mu.Lock()
	defer f.mu.Unlock()
	i := slices.Index(f.layers, l)
	if i < 0 {
		return
	}
	f.layers = slices.Delete(f.layers, i, i+1)
	for _, d := range f.subs {
		if d.layer == l {
			d.layer = nil
		}
		if d.target == l || d.target == nil {
			d.target = f.pick(d)
		}
	}
	if rr := f.room.rec.Load(); rr != nil {
		go rr.layerGone(l) // takes f.mu itself
	}
}

// subscribe starts forwarding to d. A video subscriber gets the cached
// packets since the last key frame at once; only when the cache has none is
// the publisher asked for one.
func (f *feed) subscribe(d *downTrack) {
	var ask *layer
	f.mu.Lock()
	if slices.Contains(f.subs, d) {
		f.mu.Unlock()
		return
	}
	d.target = f.pick(d)
	if l := d.target; l != nil {
		if !l.video {
			d.layer = l
		} else if gop := l.cache.sinceKeyframe(); gop != nil {
			d.layer = l
			d.v.enqueue(item{dt: d, burst: gop, l: l})
		} else {
			ask = l
		}
	}
	f.subs = append(f.subs, d)
	f.mu.Unlock()
	if ask != nil {
		ask.requestKeyframe()
	}
}

func (f *feed) unsubscribe(d *downTrack) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if i := slices.Index(f.subs, d); i >= 0 {
		f.subs = slices.Delete(f.subs, i, i+1)
	}
	d.layer, d.target = nil, nil
}

// pick chooses the layer d should receive: with one layer that one; with
// simulcast the best layer whose bitrate fits d's bandwidth estimate (the
// best of all while no estimate is known, the lowest when none fits).
// f.mu must be held.
func (f *feed) pick(d *downTrack) *layer {
	switch len(f.layers) {
	case 0:
		return nil
	case 1:
		return f.layers[0]
	}
	ls := slices.Clone(f.layers)
	slices.SortFunc(ls, compareLayers)
	budget := d.budget()
	if budget == 0 {
		return ls[len(ls)-1]
	}
	best := ls[0]
	for _, l := range ls[1:] {
		if l.bitrate.Load() <= budget {
			best = l
		}
	}
	return best
}

// compareLayers orders simulcast layers from lowest to highest: by measured
// bitrate, or by the usual rid names while nothing is measured yet.
func compareLayers(a, b *layer) int {
	ra, rb := a.bitrate.Load(), b.bitrate.Load()
	if ra > 0 && rb > 0 && ra != rb {
		if ra < rb {
			return -1
		}
		return 1
	}
	return ridRank(a.rid) - ridRank(b.rid)
}

func ridRank(rid string) int {
	switch strings.ToLower(rid) {
	case "q", "l", "low", "0":
		return 0
	case "h", "m", "mid", "medium", "1":
		return 1
	case "f", "hi", "high", "2":
		return 2
	}
	return 1
}

// reselect re-runs the layer choice for d after its estimate changed.
func (f *feed) reselect(d *downTrack) {
	var ask *layer
	f.mu.Lock()
	if slices.Contains(f.subs, d) {
		if t := f.pick(d); t != d.target {
			d.target = t
			if t != nil && t != d.layer {
				ask = t
			}
		}
	}
	f.mu.Unlock()
	if ask != nil {
		ask.requestKeyframe()
	}
}

// keyframeFor asks the publisher for a key frame of the layer d receives or
// waits for (rate-limited).
func (f *feed) keyframeFor(d *downTrack) {
	f.mu.Lock()
	l := d.layer
	if l == nil || d.target != d.layer {
		l = d.target
	}
	f.mu.Unlock()
	if l != nil {
		l.requestKeyframe()
	}
}

// tick runs once a second: update layer bitrates and ask for a key frame
// when some subscriber still waits for one.
func (f *feed) tick(elapsed time.Duration) {
	var ask []*layer
	f.mu.Lock()
	for _, l := range f.layers {
		l.tickRate(elapsed)
	}
	for _, d := range f.subs {
		if d.target != nil && d.layer != d.target && !slices.Contains(ask, d.target) {
			ask = append(ask, d.target)
		}
	}
	f.mu.Unlock()
	for _, l := range ask {
		l.requestKeyframe()
	}
}
