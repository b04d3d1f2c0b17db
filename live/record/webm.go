package record

import (
	"bufio"
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/at-wat/ebml-go/mkvcore"
	"github.com/at-wat/ebml-go/webm"
)

const (
	// cuesReserve is the space kept after the header for the Cues (one
	// CuePoint is about 20 bytes: ~3000 clusters; ebml-go thins them out
	// if there are more).
	cuesReserve = 64 << 10
	// Clusters start at a video keyframe at least minCluster after the
	// last one, and at most maxCluster apart (ms).
	minClusterMS = 1000
	maxClusterMS = 10000

	defaultWidth, defaultHeight = 640, 480
)

// webmFile is one WebM file being written through ebml-go.
type webmFile struct {
	dir, name, tmp string
	f              *os.File
	w              *guardedWriter
	blocks         []webm.BlockWriteCloser
	startMS        int64
	width, height  int
}

// guardedWriter buffers writes to the file and never returns an error to
// ebml-go (whose writer goroutine would stop and leave the block writers
// blocked); the first error is kept and reported when the file is closed.
type guardedWriter struct {
	mu  sync.Mutex
	f   *os.File
	bw  *bufio.Writer
	err error
}

func (g *guardedWriter) Write(p []byte) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		_, g.err = g.bw.Write(p)
	}
	return len(p), nil
}

func (g *guardedWriter) WriteAt(p []byte, off int64) (int, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = g.bw.Flush()
	}
	if g.err == nil {
		_, g.err = g.f.WriteAt(p, off)
	}
	return len(p), nil
}

// Close flushes; the file itself is closed by webmFile.close.
func (g *guardedWriter) Close() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.err == nil {
		g.err = g.bw.Flush()
	}
	return nil
}

func (g *guardedWriter) error() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.err
}

func trackUID() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return 1
	}
	return binary.BigEndian.Uint64(b[:])>>1 | 1
}

// opusHead is the CodecPrivate of an A_OPUS track (RFC 7845 §5.1).
func opusHead(channels uint16) []byte {
	h := make([]byte, 19)
	copy(h, "OpusHead")
	h[8] = 1 // version
	h[9] = byte(channels)
	binary.LittleEndian.PutUint16(h[10:], 0) // pre-skip
	binary.LittleEndian.PutUint32(h[12:], 48000)
	binary.LittleEndian.PutUint16(h[16:], 0) // output gain
	h[18] = 0                                // mapping family
	return h
}

// vp8Keyframe reports whether a VP8 frame is a keyframe and, if so, its
// dimensions (RFC 6386 §9.1).
func vp8Keyframe(b []byte) (key bool, width, height int) {
	if len(b) < 10 || b[0]&1 != 0 {
		return false, 0, 0
	}
	if b[3] != 0x9d || b[4] != 0x01 || b[5] != 0x2a {
		return false, 0, 0
	}
	width = int(binary.LittleEndian.Uint16(b[6:]) & 0x3fff)
	height = int(binary.LittleEndian.Uint16(b[8:]) & 0x3fff)
	return true, width, height
}

// createWebM starts "dir/.name.part" with the segment's tracks; the first
// block's session time, startMS, becomes the file's time 0.
func createWebM(dir, name string, tracks []*Track, startMS int64, date time.Time) (*webmFile, error) {
	wf := &webmFile{dir: dir, name: name, tmp: filepath.Join(dir, "."+name+".part"), startMS: startMS}
	var entries []webm.TrackEntry
	var mainTrack uint64
	for _, t := range tracks {
		e := webm.TrackEntry{
			TrackNumber: t.number,
			TrackUID:    trackUID(),
		}
		if t.isVideo() {
			wf.width, wf.height = t.st.width, t.st.height
			if wf.width == 0 || wf.height == 0 {
				// No keyframe yet: players take the size from the stream.
				wf.width, wf.height = defaultWidth, defaultHeight
			}
			e.Name, e.CodecID, e.TrackType = "video", "V_VP8", 1
			e.Video = &webm.Video{PixelWidth: uint64(wf.width), PixelHeight: uint64(wf.height)}
			mainTrack = t.number
		} else {
			e.Name, e.CodecID, e.TrackType = "audio", "A_OPUS", 2
			e.CodecPrivate = opusHead(t.codec.Channels)
			e.SeekPreRoll = 80_000_000 // 80 ms, as RFC 7845 recommends
			e.Audio = &webm.Audio{SamplingFrequency: 48000, Channels: uint64(t.codec.Channels)}
			if mainTrack == 0 {
				mainTrack = t.number
			}
		}
		entries = append(entries, e)
	}

	f, err := os.OpenFile(wf.tmp, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o640)
	if err != nil {
		return nil, err
	}
	wf.f = f
	wf.w = &guardedWriter{f: f, bw: bufio.NewWriterSize(f, 64<<10)}
	var fatal error
	var fatalMu sync.Mutex
	onFatal := func(err error) {
		fatalMu.Lock()
		defer fatalMu.Unlock()
		if fatal == nil {
			fatal = err
		}
	}
	blocks, err := webm.NewSimpleBlockWriter(wf.w, entries,
		mkvcore.WithSegmentInfo(&webm.Info{
			TimecodeScale: 1_000_000, // ms
			MuxingApp:     "anpei live/record (ebml-go)",
			WritingApp:    "anpei",
			DateUTC:       date.UTC(), // wall-clock time of the file's time 0
		}),
		mkvcore.WithBlockInterceptor(nil), // frames arrive interleaved already
		mkvcore.WithSeekHead(true),
		mkvcore.WithCues(cuesReserve),
		mkvcore.WithMinMaxClusterDuration(mainTrack, minClusterMS, maxClusterMS),
		mkvcore.WithOnFatalHandler(onFatal),
		mkvcore.WithOnErrorHandler(func(error) {}), // a block too old for its cluster is skipped
	)
	if err == nil {
		err = wf.w.error()
	}
	if err != nil {
		f.Close()
		os.Remove(wf.tmp)
		return nil, fmt.Errorf("create %s: %w", name, err)
	}
	wf.blocks = blocks
	return wf, nil
}

func (wf *webmFile) write(track int, key bool, ms int64, data []byte) error {
	_, err := wf.blocks[track].Write(key, ms, data)
	return err
}

// close finalizes the file: ebml-go writes the Cues and its Duration, the
// Duration is then set to durMS (ebml-go stops at the last block's start),
// the file is synced and renamed to its final name. With failed set, or on
// any error, the temporary file is removed instead. It returns the size.
func (wf *webmFile) close(durMS float64, failed error) (int64, error) {
	for _, b := range wf.blocks {
		b.Close() //nolint:errcheck // always nil; the last one waits for the writer
	}
	err := failed
	if err == nil {
		err = wf.w.error()
	}
	if err == nil {
		err = patchDuration(wf.f, durMS)
	}
	if err == nil {
		err = wf.f.Sync()
	}
	var size int64
	if err == nil {
		var fi os.FileInfo
		if fi, err = wf.f.Stat(); err == nil {
			size = fi.Size()
		}
	}
	if cerr := wf.f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(wf.tmp, filepath.Join(wf.dir, wf.name))
	}
	if err == nil {
		err = syncDir(wf.dir)
	}
	if err != nil {
		os.Remove(wf.tmp)
		return 0, err
	}
	return size, nil
}

const (
	idEBML     = 0x1A45DFA3
	idSegment  = 0x18538067
	idInfo     = 0x1549A966
	idDuration = 0x4489
	idCluster  = 0x1F43B675
)

var errNoDuration = errors.New("webm: no 8-byte Duration in Info")

// patchDuration overwrites the float64 Duration in the Segment's Info.
func patchDuration(f io.ReaderAt, ms float64) error {
	head := make([]byte, 8<<10)
	n, err := f.ReadAt(head, 0)
	if err != nil && !errors.Is(err, io.EOF) {
		return err
	}
	off, err := findDuration(head[:n])
	if err != nil {
		return err
	}
	w, ok := f.(io.WriterAt)
	if !ok {
		return errors.New("webm: file not writable")
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], math.Float64bits(ms))
	_, err = w.WriteAt(b[:], off)
	return err
}

// findDuration returns the offset of the Duration value in b, the start of
// a WebM file.
func findDuration(b []byte) (int64, error) {
	id, size, data, ok := readElement(b, 0)
	if !ok || id != idEBML || size < 0 {
		return 0, errNoDuration
	}
	id, segSize, off, ok := readElement(b, data+size)
	if !ok || id != idSegment {
		return 0, errNoDuration
	}
	end := len(b)
	if segSize >= 0 {
		end = min(end, off+segSize)
	}
	for off < end {
		id, size, data, ok := readElement(b, off)
		if !ok || size < 0 || id == idCluster {
			break
		}
		if id == idInfo {
			for c := data; c < data+size; {
				cid, csize, cdata, ok := readElement(b, c)
				if !ok || csize < 0 {
					break
				}
				if cid == idDuration && csize == 8 && cdata+8 <= len(b) {
					return int64(cdata), nil
				}
				c = cdata + csize
			}
			break
		}
		off = data + size
	}
	return 0, errNoDuration
}

// readElement reads the EBML element header at off: its ID, content size
// (-1 if unknown) and where the content starts.
func readElement(b []byte, off int) (id uint32, size, data int, ok bool) {
	if off >= len(b) {
		return 0, 0, 0, false
	}
	idLen := 1
	for m := byte(0x80); idLen <= 4 && b[off]&m == 0; m >>= 1 {
		idLen++
	}
	if idLen > 4 || off+idLen >= len(b) {
		return 0, 0, 0, false
	}
	for _, c := range b[off : off+idLen] {
		id = id<<8 | uint32(c)
	}
	p := off + idLen
	sizeLen := 1
	for m := byte(0x80); sizeLen <= 8 && b[p]&m == 0; m >>= 1 {
		sizeLen++
	}
	if sizeLen > 8 || p+sizeLen > len(b) {
		return 0, 0, 0, false
	}
	v := uint64(b[p]) & (0xFF >> sizeLen)
	all := v == 0xFF>>sizeLen
	for _, c := range b[p+1 : p+sizeLen] {
		v = v<<8 | uint64(c)
		all = all && c == 0xFF
	}
	data = p + sizeLen
	if all {
		return id, -1, data, true
	}
	if v > uint64(len(b)) {
		// Larger than what was read (the Segment): callers bound it.
		return id, int(min(v, math.MaxInt32)), data, true
	}
	return id, int(v), data, true
}
