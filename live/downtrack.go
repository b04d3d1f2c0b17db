package live

import (
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/webrtc/v3"
)

// downTrack is a viewer's outgoing track for one slot: a webrtc.TrackLocal
// of its own (not a TrackLocalStaticRTP shared by all viewers), so every
// viewer has a fixed SSRC and its own sequence-number and timestamp space
// that survives publisher reconnects and simulcast layer switches.
type downTrack struct {
	v    *Viewer
	f    *feed
	id   string
	kind webrtc.RTPCodecType

	bindMu sync.Mutex // guards the binding
	bound  atomic.Pointer[binding]

	// layer is the layer being forwarded, target the one wanted; a switch
	// happens on a key frame of target. Guarded by f.mu.
	layer, target *layer

	// Rewriting state, owned by whichever pool worker drains the viewer
	// (one at a time).
	src        *layer
	started    bool
	seqOff     uint16
	tsOff      uint32
	lastSeq    uint16
	lastTS     uint32
	lastArrive time.Time
	switchSeq  uint16
	ptLayer    *layer
	pt         uint8
	ptOK       bool
	resent     [256]resend // recent retransmissions, by sequence number modulo 256
	backlog    []item      // packets waiting behind a paced catch-up burst
	pacedAt    time.Time

	// Bandwidth: REMB estimate and loss cap, read under f.mu by pick.
	estimate  atomic.Uint64
	lossCap   atomic.Uint64
	lossUntil atomic.Int64
	lastRR    uint32 // extended highest sequence last reported; RTCP goroutine only

	sent    atomic.Uint64
	retrans atomic.Uint64
}

// resend counts the retransmissions of one outgoing sequence number.
type resend struct {
	seq   uint16
	count uint8
}

// maxResends caps the retransmissions of one packet to one viewer: a
// receiver that keeps asking (its replay window has moved past the packet,
// or its NACK generator has no retry limit) costs nothing after that.
const maxResends = 2

type binding struct {
	w      webrtc.TrackLocalWriter
	ssrc   uint32
	codecs []webrtc.RTPCodecParameters
}

// Bind implements webrtc.TrackLocal.
func (d *downTrack) Bind(ctx webrtc.TrackLocalContext) (webrtc.RTPCodecParameters, error) {
	codecs := ctx.CodecParameters()
	if len(codecs) == 0 {
		return webrtc.RTPCodecParameters{}, webrtc.ErrUnsupportedCodec
	}
	d.bindMu.Lock()
	defer d.bindMu.Unlock()
	d.bound.Store(&binding{w: ctx.WriteStream(), ssrc: uint32(ctx.SSRC()), codecs: codecs})
	return codecs[0], nil
}

// Unbind implements webrtc.TrackLocal.
func (d *downTrack) Unbind(webrtc.TrackLocalContext) error {
	d.bindMu.Lock()
	defer d.bindMu.Unlock()
	d.bound.Store(nil)
	return nil
}

// ID implements webrtc.TrackLocal.
func (d *downTrack) ID() string { return d.id }

// RID implements webrtc.TrackLocal.
func (d *downTrack) RID() string { return "" }

// StreamID implements webrtc.TrackLocal: camera and audio share a stream
// (lip sync), the screen share has its own.
func (d *downTrack) StreamID() string {
	if d.f.slot == slotScreen {
		return "screen"
	}
	return "camera"
}

// Kind implements webrtc.TrackLocal.
func (d *downTrack) Kind() webrtc.RTPCodecType { return d.kind }

// payloadType maps the layer's codec to the payload type the viewer
// negotiated for it.
func (d *downTrack) payloadType(b *binding, l *layer) (uint8, bool) {
	if d.ptLayer == l {
		return d.pt, d.ptOK
	}
	d.ptLayer, d.ptOK = l, false
	for _, c := range b.codecs {
		if strings.EqualFold(c.MimeType, l.mime) {
			d.pt, d.ptOK = uint8(c.PayloadType), true
			break
		}
	}
	return d.pt, d.ptOK
}

// send writes one item; called by the pool worker draining d's viewer.
func (d *downTrack) send(it *item) {
	b := d.bound.Load()
	if b == nil {
		return
	}
	switch {
	case it.nack != nil:
		d.retransmit(b, it.nack)
		return
	case it.burst != nil:
		for _, p := range it.burst {
			d.backlog = append(d.backlog, item{p: p, l: it.l})
		}
		d.drainBacklog(b)
		return
	case it.resume:
		d.drainBacklog(b)
		return
	case len(d.backlog) > 0:
		if len(d.backlog) < maxBacklog {
			d.backlog = append(d.backlog, *it)
		}
		if time.Since(d.pacedAt) > 20*paceGap {
			d.drainBacklog(b) // the resume item was lost to a full queue
		}
		return
	}
	d.forward(b, it.p, it.l)
}

// Pacing: a catch-up burst (the cached pictures since the last key frame,
// often a few hundred packets) or a long NACK list is written in chunks a
// few milliseconds apart, not at once, so that it does not overflow the
// viewer's socket buffer or a router queue on the way.
const (
	paceChunk  = 12
	paceGap    = 5 * time.Millisecond
	maxBacklog = 4096
)

func (d *downTrack) drainBacklog(b *binding) {
	n := min(paceChunk, len(d.backlog))
	for i := range n {
		d.forward(b, d.backlog[i].p, d.backlog[i].l)
	}
	d.backlog = d.backlog[n:]
	if len(d.backlog) == 0 {
		d.backlog = nil
		return
	}
	d.pacedAt = time.Now()
	time.AfterFunc(paceGap, func() { d.v.enqueue(item{dt: d, resume: true}) })
}

// forward rewrites and writes one packet of layer l.
func (d *downTrack) forward(b *binding, p *packet, l *layer) {
	if d.src != l {
		if d.started {
			// A new source (publisher reconnect or simulcast switch):
			// continue right after what the viewer already has.
			elapsed := uint32(max(1, time.Since(d.lastArrive).Seconds()*float64(l.clockRate)))
			if d.src != nil && d.src.pub == l.pub {
				elapsed = 1 // a layer switch of the same picture stream
			}
			d.seqOff = d.lastSeq + 1 - p.seq
			d.tsOff = d.lastTS + elapsed - p.ts
		}
		d.src = l
		d.switchSeq = p.seq + d.seqOff
	}
	seq, ts := p.seq+d.seqOff, p.ts+d.tsOff
	if !d.started || seqBefore(d.lastSeq, seq) {
		d.lastSeq, d.lastTS, d.lastArrive = seq, ts, time.Now()
		d.started = true
	}
	d.write(b, l, p, seq, ts)
}

func (d *downTrack) write(b *binding, l *layer, p *packet, seq uint16, ts uint32) {
	pt, ok := d.payloadType(b, l)
	if !ok {
		return // the viewer cannot decode this codec
	}
	h := rtp.Header{Version: 2, Marker: p.marker, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: b.ssrc}
	if _, err := b.w.WriteRTP(&h, p.payload); err == nil {
		d.sent.Add(1)
		d.v.room.node.stats.packetsOut.Add(1)
	}
}

// retransmit answers a NACK from the layer's shared cache.
func (d *downTrack) retransmit(b *binding, seqs []uint16) {
	st := &d.v.room.node.stats
	if len(seqs) > paceChunk {
		rest := seqs[paceChunk:]
		seqs = seqs[:paceChunk]
		time.AfterFunc(paceGap, func() { d.v.enqueue(item{dt: d, nack: rest}) })
	}
	for _, s := range seqs {
		if d.src == nil || seqBefore(s, d.switchSeq) || seqBefore(d.lastSeq, s) {
			st.nackMissed.Add(1)
			continue
		}
		p := d.src.cache.get(s - d.seqOff)
		r := &d.resent[s&0xff]
		if r.seq != s {
			*r = resend{seq: s}
		}
		if p == nil || r.count >= maxResends {
			st.nackMissed.Add(1)
			continue
		}
		r.count++
		d.write(b, d.src, p, s, p.ts+d.tsOff)
		d.retrans.Add(1)
		st.retransmits.Add(1)
	}
}

// budget is the bandwidth the viewer can take for this track, 0 if unknown.
func (d *downTrack) budget() uint64 {
	b := d.estimate.Load()
	if time.Now().UnixNano() < d.lossUntil.Load() {
		if c := d.lossCap.Load(); b == 0 || c < b {
			b = c
		}
	}
	return b
}

// readRTCP handles the viewer's feedback for this track until the sender
// stops: NACKs are answered from the cache, PLI/FIR go to the publisher
// rate-limited, receiver reports prove media arrives and carry loss, REMB
// carries the bandwidth estimate used for simulcast.
func (d *downTrack) readRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		b := d.bound.Load()
		if b == nil {
			continue
		}
		for _, pkt := range pkts {
			switch p := pkt.(type) {
			case *rtcp.TransportLayerNack:
				if p.MediaSSRC != b.ssrc {
					continue
				}
				var seqs []uint16
				for _, pair := range p.Nacks {
					seqs = append(seqs, pair.PacketList()...)
				}
				d.v.room.node.stats.nacks.Add(uint64(len(seqs)))

				d.v.enqueue(item{dt: d, nack: seqs})
			case *rtcp.PictureLossIndication:
				if p.MediaSSRC == b.ssrc {
					d.f.keyframeFor(d)
				}
			case *rtcp.FullIntraRequest:
				d.f.keyframeFor(d)
			case *rtcp.ReceiverReport:
				for _, r := range p.Reports {
					if r.SSRC == b.ssrc {
						d.report(r)
					}
				}
			case *rtcp.ReceiverEstimatedMaximumBitrate:
				if d.kind == webrtc.RTPCodecTypeVideo {
					old := d.estimate.Swap(uint64(p.Bitrate))
					if old != uint64(p.Bitrate) {
						d.f.reselect(d)
					}
				}
			}
		}
	}
}

// report handles one receiver report block about this track.
func (d *downTrack) report(r rtcp.ReceptionReport) {
	if r.LastSequenceNumber != d.lastRR {
		d.lastRR = r.LastSequenceNumber
		d.v.mediaArrived()
	}
	// More than 10 % loss: cap the budget below the current layer for 10 s.
	if r.FractionLost > 25 && d.kind == webrtc.RTPCodecTypeVideo {
		d.f.mu.Lock()
		l := d.layer
		d.f.mu.Unlock()
		if l != nil {
			if br := l.bitrate.Load(); br > 0 {
				d.lossCap.Store(br - 1)
				d.lossUntil.Store(time.Now().Add(10 * time.Second).UnixNano())
				d.f.reselect(d)
			}
		}
	}
}
