package record

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
)

// Synthetic publishers and a WebM reader for the tests.

var t0 = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// sent is one packet with its arrival time and the track it goes to.
type sent struct {
	pkt   *rtp.Packet
	at    time.Time
	track *Track
	frame int // frame (or audio packet) index
}

// vp8Stream describes a synthetic VP8 publisher: frame i is captured at
// startMS + i*1000/fps ms of session time.
type vp8Stream struct {
	ssrc      uint32
	seq0      uint16
	ts0       uint32
	startMS   int64 // session time of frame first
	fps       int
	gop       int // keyframe every gop frames (frame 0 is one)
	first     int // first frame index sent
	frames    int // frames sent: first .. first+frames-1
	w, h      int
	keySize   int
	interSize int
}

// vp8Frame builds a VP8 frame whose last 4 bytes are its index.
func vp8Frame(i int, key bool, w, h, size int) []byte {
	b := make([]byte, size)
	for j := range b {
		b[j] = byte(i*7 + j)
	}
	if key {
		b[0] = 0x10 // key frame (bit 0 clear), show_frame
		b[1], b[2] = 0, 0
		b[3], b[4], b[5] = 0x9d, 0x01, 0x2a
		binary.LittleEndian.PutUint16(b[6:], uint16(w))
		binary.LittleEndian.PutUint16(b[8:], uint16(h))
	} else {
		b[0] = 0x11 // inter frame
	}
	binary.BigEndian.PutUint32(b[size-4:], uint32(i))
	return b
}

func frameIndex(b []byte) int { return int(binary.BigEndian.Uint32(b[len(b)-4:])) }

// frameMS is frame i's session time.
func (v vp8Stream) frameMS(i int) int64 {
	return v.startMS + int64(i-v.first)*int64(90000/v.fps)*1000/90000
}

func (v vp8Stream) packets(tr *Track) []sent {
	pay := &codecs.VP8Payloader{EnablePictureID: true}
	seq := v.seq0
	var out []sent
	step := uint32(90000 / v.fps)
	for i := v.first; i < v.first+v.frames; i++ {
		key := i%v.gop == 0
		size := v.interSize
		if key {
			size = v.keySize
		}
		ts := v.ts0 + uint32(i-v.first)*step
		at := t0.Add(time.Duration(v.startMS)*time.Millisecond + time.Duration(i-v.first)*time.Second/time.Duration(v.fps))
		parts := pay.Payload(1200, vp8Frame(i, key, v.w, v.h, size))
		for k, p := range parts {
			out = append(out, sent{
				pkt: &rtp.Packet{
					Header:  rtp.Header{Version: 2, PayloadType: 96, SequenceNumber: seq, Timestamp: ts, SSRC: v.ssrc, Marker: k == len(parts)-1},
					Payload: p,
				},
				at:    at.Add(time.Duration(k) * 100 * time.Microsecond),
				track: tr,
				frame: i,
			})
			seq++
		}
	}
	return out
}

// opusStream is a synthetic Opus publisher: packet i (20 ms) is captured at
// startMS + 20*i ms.
type opusStream struct {
	ssrc    uint32
	seq0    uint16
	ts0     uint32
	startMS int64
	n       int
}

func (o opusStream) packetMS(i int) int64 { return o.startMS + int64(i)*20 }

func (o opusStream) packets(tr *Track) []sent {
	var out []sent
	for i := 0; i < o.n; i++ {
		payload := make([]byte, 40)
		payload[0] = 0xFC
		binary.BigEndian.PutUint32(payload[36:], uint32(i))
		out = append(out, sent{
			pkt: &rtp.Packet{
				Header:  rtp.Header{Version: 2, PayloadType: 111, SequenceNumber: o.seq0 + uint16(i), Timestamp: o.ts0 + uint32(i)*960, SSRC: o.ssrc, Marker: i == 0},
				Payload: payload,
			},
			at:    t0.Add(time.Duration(o.packetMS(i)) * time.Millisecond),
			track: tr,
			frame: i,
		})
	}
	return out
}

// merge orders packets of several streams by arrival time (stable).
func merge(streams ...[]sent) []sent {
	var all []sent
	for _, s := range streams {
		all = append(all, s...)
	}
	slices.SortStableFunc(all, func(a, b sent) int { return a.at.Compare(b.at) })
	return all
}

// swapEvery swaps packet k with k+1 for every k ≡ 0 mod n (k > 0), keeping
// arrival times in place: reordering on the network.
func swapEvery(ps []sent, n int) []sent {
	ps = slices.Clone(ps)
	for k := n; k+1 < len(ps); k += n {
		ps[k].pkt, ps[k+1].pkt = ps[k+1].pkt, ps[k].pkt
		ps[k].frame, ps[k+1].frame = ps[k+1].frame, ps[k].frame
	}
	return ps
}

func feed(ps []sent) {
	for _, p := range ps {
		p.track.WriteRTPAt(p.pkt, p.at)
	}
}

// parsedWebM is a file read back with ebml-go's unmarshaler.
type parsedWebM struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment webm.Segment    `ebml:"Segment"`
}

type block struct {
	track uint64
	ms    int64 // file time
	key   bool
	data  []byte
}

func readWebM(t *testing.T, path string) (*parsedWebM, []block) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var doc parsedWebM
	if err := ebml.Unmarshal(f, &doc); err != nil {
		t.Fatalf("unmarshal %s: %v", path, err)
	}
	var blocks []block
	for _, c := range doc.Segment.Cluster {
		for _, b := range c.SimpleBlock {
			if len(b.Data) != 1 {
				t.Fatalf("block with %d frames (lacing)", len(b.Data))
			}
			blocks = append(blocks, block{track: b.TrackNumber, ms: int64(c.Timecode) + int64(b.Timecode), key: b.Keyframe, data: b.Data[0]})
		}
	}
	return &doc, blocks
}

func trackBlocks(bs []block, n uint64) []block {
	var out []block
	for _, b := range bs {
		if b.track == n {
			out = append(out, b)
		}
	}
	return out
}

func segmentOf(t *testing.T, m Manifest, file string) SegmentInfo {
	t.Helper()
	for _, s := range m.Segments {
		if s.File == file {
			return s
		}
	}
	t.Fatalf("manifest has no %s: %+v", file, m.Segments)
	return SegmentInfo{}
}

func listDir(t *testing.T, dir string) []string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range es {
		names = append(names, e.Name())
	}
	return names
}

func newRecorder(t *testing.T, opts Options) (*Recorder, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "rec")
	r, err := New(dir, t0, opts)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}
