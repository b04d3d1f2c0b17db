package record

import (
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v3/pkg/media"
	"github.com/pion/webrtc/v3/pkg/media/samplebuilder"
)

const (
	// interleaveWindowMS is how long the frames of one track wait for the
	// other track's before they are written anyway. It is longer than the
	// samplebuilder waits for a lost packet (sampleWait), so a frame held
	// up there still comes out in time order.
	interleaveWindowMS = 1500
	// driftLimitMS re-anchors a stream whose RTP clock and arrival clock
	// disagree by more than this.
	driftLimitMS = 3000
	// keyframeRequestEveryMS rate-limits OnKeyframeNeeded per track.
	keyframeRequestEveryMS = 1000
	// sampleWait is how long the samplebuilder waits for a missing packet.
	sampleWait = time.Second
)

// Segment is one WebM file being recorded. Its tracks are fed by the SFU;
// Close ends it.
type Segment struct {
	rec    *Recorder
	kind   Kind
	name   string
	tracks []*Track // video first, then audio (the WebM track order)
	video  *Track
	audio  *Track

	queue  chan packet
	stop   chan struct{}
	done   chan struct{}
	closed atomic.Bool

	closeOnce sync.Once
	info      *SegmentInfo
	err       error

	// goroutine state
	file *webmFile
}

// Track is one RTP stream of a segment.
type Track struct {
	seg    *Segment
	idx    int
	number uint64 // WebM TrackNumber
	codec  Codec
	ck     codecKind

	accepted atomic.Int64
	dropped  atomic.Int64

	st trackState // owned by the segment goroutine
}

type packet struct {
	track     int
	seq       uint16
	ts        uint32
	ssrc      uint32
	marker    bool
	arrivalMS int64
	payload   []byte
}

// arrivalRing remembers when the first packet of each recent RTP timestamp
// arrived, so a frame's RTP time can be checked against its own arrival.
const arrivalRing = 256

type arrival struct {
	ts uint32
	ms int64
}

type frame struct {
	ms   int64
	key  bool
	data []byte
}

type trackState struct {
	sb *samplebuilder.SampleBuilder

	started   bool
	ssrc      uint32
	anchorRaw uint32 // RTP timestamp at anchorMS
	anchorMS  int64
	lastExt   int64 // last sample's timestamp relative to anchorRaw, unwrapped
	maxSeq    uint16
	maxTs     uint32
	arrivalMS int64 // arrival of the latest packet
	arrivals  [arrivalRing]arrival
	arrN      int

	needKey     bool
	lastKeyReq  int64
	keyReqSent  bool
	lastPID     int32 // VP8 PictureID of the last frame; -1 none
	havePrevOut bool
	prevOutMS   int64
	deltaMS     int64

	pending []frame

	// written
	frames        int64
	firstMS       int64
	lastMS        int64
	width, height int
	lost          int64
	skipped       int64
}

func newSegment(r *Recorder, kind Kind, name string, video, audio *Codec) *Segment {
	s := &Segment{
		rec:   r,
		kind:  kind,
		name:  name,
		queue: make(chan packet, r.opts.QueuePackets),
		stop:  make(chan struct{}),
		done:  make(chan struct{}),
	}
	add := func(c Codec) *Track {
		ck, _ := c.kind() // checked by Start
		if c.ClockRate == 0 {
			c.ClockRate = 90000
			if ck == codecOpus {
				c.ClockRate = 48000
			}
		}
		if ck == codecOpus && c.Channels == 0 {
			c.Channels = 2
		}
		t := &Track{seg: s, idx: len(s.tracks), number: uint64(len(s.tracks) + 1), codec: c, ck: ck}
		t.st.reset(t)
		s.tracks = append(s.tracks, t)
		return t
	}
	if video != nil {
		s.video = add(*video)
	}
	if audio != nil {
		s.audio = add(*audio)
	}
	go s.run()
	return s
}

// Kind is the source this segment records.
func (s *Segment) Kind() Kind { return s.kind }

// File is the final file name of the segment inside the recorder's
// directory (it exists only after Close, and only if media was written).
func (s *Segment) File() string { return s.name }

// Video is the segment's video track, nil if it has none.
func (s *Segment) Video() *Track { return s.video }

// Audio is the segment's audio track, nil if it has none.
func (s *Segment) Audio() *Track { return s.audio }

// Close ends the segment: queued packets are written, the file gets its
// Cues and Duration, is synced and renamed to its final name, and the
// manifest is updated. It blocks until then (call it with go from a
// latency-sensitive path) and is idempotent. A segment in which no frame
// was written leaves no file and no manifest entry.
func (s *Segment) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		close(s.stop)
		<-s.done
		s.rec.segmentDone(s, s.info, s.err)
	})
	<-s.done
	return s.err
}

// WriteRTP queues a copy of p for recording; it never blocks. Packets that
// find the queue full, or arrive after Close, are dropped (the former are
// counted).
func (t *Track) WriteRTP(p *rtp.Packet) { t.WriteRTPAt(p, time.Now()) }

// WriteRTPAt is WriteRTP with the packet's arrival time given.
func (t *Track) WriteRTPAt(p *rtp.Packet, arrival time.Time) {
	if t == nil || p == nil || t.seg.closed.Load() {
		return
	}
	pk := packet{
		track:     t.idx,
		seq:       p.SequenceNumber,
		ts:        p.Timestamp,
		ssrc:      p.SSRC,
		marker:    p.Marker,
		arrivalMS: arrival.Sub(t.seg.rec.start).Milliseconds(),
		payload:   append([]byte(nil), p.Payload...),
	}
	select {
	case t.seg.queue <- pk:
		t.accepted.Add(1)
	default:
		t.dropped.Add(1)
	}
}

// Dropped is how many packets found the queue full.
func (t *Track) Dropped() int64 { return t.dropped.Load() }

// Accepted is how many packets were queued for recording.
func (t *Track) Accepted() int64 { return t.accepted.Load() }

func (t *Track) isVideo() bool { return t.ck == codecVP8 }

func (st *trackState) reset(t *Track) {
	var dep rtp.Depacketizer
	maxLate := uint16(100)
	var opts []samplebuilder.Option
	switch t.ck {
	case codecVP8:
		dep = &codecs.VP8Packet{}
		// More than the packets of the largest keyframe, so a frame still
		// arriving is never cut; time bounds the wait after a loss.
		maxLate = 2000
		opts = append(opts, samplebuilder.WithPacketHeadHandler(vp8PictureID))
	default:
		dep = &codecs.OpusPacket{}
	}
	opts = append(opts, samplebuilder.WithMaxTimeDelay(sampleWait))
	st.sb = samplebuilder.New(maxLate, dep, t.codec.ClockRate, opts...)
	st.started = false
	st.arrN = 0
	st.needKey = t.isVideo()
	st.lastPID = -1
}

type pictureID struct {
	id   int32
	mask int32
}

// vp8PictureID reads the PictureID of a frame's first packet, to detect
// lost frames even when padding packets leave gaps in the sequence.
func vp8PictureID(d any) any {
	p, ok := d.(*codecs.VP8Packet)
	if !ok || p.I == 0 {
		return nil
	}
	// The depacketizer does not expose the M bit; a 15-bit ID is the
	// norm (browsers), a 7-bit one never exceeds 127.
	return pictureID{id: int32(p.PictureID), mask: 0x7FFF}
}

func (s *Segment) run() {
	defer close(s.done)
	for {
		select {
		case p := <-s.queue:
			s.handle(p)
		case <-s.stop:
			for {
				select {
				case p := <-s.queue:
					s.handle(p)
					continue
				default:
				}
				break
			}
			for _, t := range s.tracks {
				s.flushBuilder(t)
			}
			s.release(true)
			s.info, s.err = s.finish()
			return
		}
	}
}

func (s *Segment) handle(p packet) {
	if h := s.rec.opts.beforeHandle; h != nil {
		h()
	}
	if len(p.payload) == 0 {
		return // padding (bandwidth probing) carries no media
	}
	t := s.tracks[p.track]
	st := &t.st
	if st.started && p.ssrc != st.ssrc {
		// A new stream on this track (the publisher restarted it): finish
		// the old one's frames and start over from a keyframe.
		s.flushBuilder(t)
		st.reset(t)
	}
	if !st.started {
		st.started = true
		st.ssrc = p.ssrc
		st.anchorRaw = p.ts
		st.anchorMS = p.arrivalMS
		st.lastExt = 0
		st.maxSeq = p.seq
		st.maxTs = p.ts
	}
	if int16(p.seq-st.maxSeq) > 0 {
		st.maxSeq = p.seq
	}
	if int32(p.ts-st.maxTs) > 0 {
		st.maxTs = p.ts
	}
	st.arrivalMS = p.arrivalMS
	if st.arrN == 0 || st.arrivals[(st.arrN-1)%arrivalRing].ts != p.ts {
		st.arrivals[st.arrN%arrivalRing] = arrival{ts: p.ts, ms: p.arrivalMS}
		st.arrN++
	}
	st.sb.Push(&rtp.Packet{
		Header:  rtp.Header{Version: 2, Marker: p.marker, SequenceNumber: p.seq, Timestamp: p.ts, SSRC: p.ssrc},
		Payload: p.payload,
	})
	for smp := st.sb.Pop(); smp != nil; smp = st.sb.Pop() {
		s.sample(t, smp)
	}
	s.release(false)
}

// flushBuilder makes the samplebuilder give up every complete frame it
// holds: a sentinel packet far in the future makes everything before it
// too old to wait for (samplebuilder v3 has no Flush).
func (s *Segment) flushBuilder(t *Track) {
	st := &t.st
	if !st.started {
		return
	}
	st.sb.Push(&rtp.Packet{
		Header: rtp.Header{
			Version:        2,
			SequenceNumber: st.maxSeq + 1,
			Timestamp:      st.maxTs + 2*t.codec.ClockRate,
			SSRC:           st.ssrc,
		},
		Payload: []byte{0},
	})
	for smp := st.sb.Pop(); smp != nil; smp = st.sb.Pop() {
		s.sample(t, smp)
	}
}

func (s *Segment) sample(t *Track, smp *media.Sample) {
	st := &t.st
	clock := int64(t.codec.ClockRate)
	rel := smp.PacketTimestamp - st.anchorRaw
	ext := st.lastExt + int64(int32(rel-uint32(st.lastExt)))
	ms := st.anchorMS + ext*1000/clock
	if at := st.arrivalOf(smp.PacketTimestamp); ms > at+driftLimitMS || ms < at-driftLimitMS {
		st.anchorRaw, st.anchorMS, ext = smp.PacketTimestamp, at, 0
		ms = at
	}
	st.lastExt = ext
	if len(smp.Data) == 0 {
		return
	}

	if !t.isVideo() {
		if smp.PrevDroppedPackets > 0 {
			st.lost += int64(smp.PrevDroppedPackets)
		}
		st.queue(t, ms, true, smp.Data)
		return
	}

	lost := false
	if pid, ok := smp.Metadata.(pictureID); ok {
		next := (st.lastPID + 1) & pid.mask
		if st.lastPID >= 0 && pid.id != next && !(st.lastPID == 0x7F && pid.id == 0) {
			lost = true
		}
		st.lastPID = pid.id
	} else if smp.PrevDroppedPackets > 0 {
		lost = true
	}
	if smp.PrevDroppedPackets > 0 {
		st.lost += int64(smp.PrevDroppedPackets)
	}
	if lost {
		st.needKey = true
	}
	key, w, h := vp8Keyframe(smp.Data)
	if st.needKey {
		if !key {
			st.skipped++
			s.requestKeyframe(t)
			return
		}
		st.needKey = false
	}
	if key && w > 0 && h > 0 {
		st.width, st.height = w, h
	}
	st.queue(t, ms, key, smp.Data)
}

// arrivalOf is when the first packet with RTP timestamp ts arrived (the
// latest arrival if it is no longer remembered).
func (st *trackState) arrivalOf(ts uint32) int64 {
	for i := st.arrN - 1; i >= 0 && i >= st.arrN-arrivalRing; i-- {
		if a := st.arrivals[i%arrivalRing]; a.ts == ts {
			return a.ms
		}
	}
	return st.arrivalMS
}

func (s *Segment) requestKeyframe(t *Track) {
	st := &t.st
	cb := s.rec.opts.OnKeyframeNeeded
	if cb == nil {
		return
	}
	if st.keyReqSent && st.arrivalMS-st.lastKeyReq < keyframeRequestEveryMS {
		return
	}
	st.keyReqSent, st.lastKeyReq = true, st.arrivalMS
	cb(s.kind)
}

// queue adds a frame to the track's pending list, keeping its times
// non-decreasing.
func (st *trackState) queue(t *Track, ms int64, key bool, data []byte) {
	if st.havePrevOut {
		if ms < st.prevOutMS {
			ms = st.prevOutMS
		}
		if d := ms - st.prevOutMS; d > 0 && d <= 200 {
			st.deltaMS = d
		}
	}
	st.havePrevOut, st.prevOutMS = true, ms
	st.pending = append(st.pending, frame{ms: ms, key: key, data: data})
}

// frameMS is the assumed length of a track's last frame.
func (st *trackState) frameMS(t *Track) int64 {
	if st.deltaMS > 0 {
		return st.deltaMS
	}
	if t.isVideo() {
		return 33
	}
	return 20
}

// release writes pending frames in time order across tracks. Unless force,
// a frame waits while another track has nothing pending, for at most the
// interleave window.
func (s *Segment) release(force bool) {
	for {
		var best *Track
		var newest int64
		waiting := false
		for _, t := range s.tracks {
			p := t.st.pending
			if len(p) == 0 {
				waiting = true
				continue
			}
			if best == nil || p[0].ms < best.st.pending[0].ms {
				best = t
			}
			newest = max(newest, p[len(p)-1].ms)
		}
		if best == nil {
			return
		}
		if !force && waiting && newest-best.st.pending[0].ms < interleaveWindowMS {
			return
		}
		f := best.st.pending[0]
		best.st.pending[0] = frame{}
		best.st.pending = best.st.pending[1:]
		s.write(best, f)
	}
}

func (s *Segment) write(t *Track, f frame) {
	if s.file == nil {
		if s.err != nil {
			return
		}
		s.file, s.err = createWebM(s.rec.dir, s.name, s.tracks, f.ms, s.rec.start.Add(time.Duration(f.ms)*time.Millisecond))
		if s.err != nil {
			return
		}
	}
	// A frame older than the file's first block (a track that lagged more
	// than the interleave window at the start) is placed at time 0.
	f.ms = max(f.ms, s.file.startMS)
	if t.st.frames > 0 {
		f.ms = max(f.ms, t.st.lastMS)
	}
	if err := s.file.write(t.idx, f.key, f.ms, f.data); err != nil {
		if s.err == nil {
			s.err = err
		}
		return
	}
	st := &t.st
	if st.frames == 0 {
		st.firstMS = f.ms
	}
	st.frames++
	st.lastMS = f.ms
}

// finish finalizes the file and describes it.
func (s *Segment) finish() (*SegmentInfo, error) {
	if s.file == nil {
		return nil, s.err
	}
	end := s.file.startMS + 1
	for _, t := range s.tracks {
		if t.st.frames > 0 {
			end = max(end, t.st.lastMS+t.st.frameMS(t))
		}
	}
	durMS := end - s.file.startMS
	size, err := s.file.close(float64(durMS), s.err)
	if err != nil {
		return nil, err
	}
	info := &SegmentInfo{
		Kind:       s.kind,
		File:       s.name,
		Bytes:      size,
		StartMS:    s.file.startMS,
		DurationMS: durMS,
	}
	for _, t := range s.tracks {
		st := &t.st
		ti := TrackInfo{
			Number:         t.number,
			MimeType:       t.codec.MimeType,
			Frames:         st.frames,
			DroppedPackets: t.dropped.Load(),
			LostPackets:    st.lost,
			SkippedFrames:  st.skipped,
		}
		if st.frames > 0 {
			ti.StartMS = st.firstMS
			ti.DurationMS = st.lastMS + st.frameMS(t) - st.firstMS
		}
		if t.isVideo() {
			ti.Type, ti.CodecID = "video", "V_VP8"
			ti.Width, ti.Height = s.file.width, s.file.height
		} else {
			ti.Type, ti.CodecID = "audio", "A_OPUS"
			ti.SampleRate, ti.Channels = 48000, int(t.codec.Channels)
		}
		info.Tracks = append(info.Tracks, ti)
	}
	return info, nil
}
