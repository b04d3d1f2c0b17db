package media

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/at-wat/ebml-go"
	"github.com/at-wat/ebml-go/webm"
)

// ---- MP4 ----

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func u32(v uint32) []byte { return binary.BigEndian.AppendUint32(nil, v) }
func u64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// box writes an ISO-BMFF box with a 32-bit size.
func box(typ string, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(u32(uint32(8+len(p))), []byte(typ), p)
}

// largeBox writes a box with size 1 and a 64-bit largesize.
func largeBox(typ string, payload ...[]byte) []byte {
	p := cat(payload...)
	return cat(u32(1), []byte(typ), u64(uint64(16+len(p))), p)
}

// toEndBox writes a box with size 0 ("extends to the end of the file").
func toEndBox(typ string, payload ...[]byte) []byte {
	return cat(u32(0), []byte(typ), cat(payload...))
}

func ftyp(major string, compat ...string) []byte {
	p := cat([]byte(major), u32(0x200))
	for _, c := range compat {
		p = append(p, c...)
	}
	return box("ftyp", p)
}

var unityMatrix = cat(u32(0x10000), u32(0), u32(0), u32(0), u32(0x10000), u32(0), u32(0), u32(0), u32(0x40000000))

// mvhd0 is a complete version-0 movie header (ISO/IEC 14496-12 8.2.2).
func mvhd0(timescale, duration uint32) []byte {
	return box("mvhd", u32(0), u32(3_700_000_000), u32(3_700_000_000), u32(timescale), u32(duration),
		u32(0x10000), []byte{1, 0}, make([]byte, 10), unityMatrix, make([]byte, 24), u32(2))
}

// mvhd1 is a complete version-1 movie header (64-bit times and duration).
func mvhd1(timescale uint32, duration uint64) []byte {
	return box("mvhd", u32(1<<24), u64(3_700_000_000), u64(3_700_000_000), u32(timescale), u64(duration),
		u32(0x10000), []byte{1, 0}, make([]byte, 10), unityMatrix, make([]byte, 24), u32(2))
}

// videoTrak is one video track (tkhd, mdia/mdhd, mdia/hdlr "vide").
func videoTrak() []byte {
	tkhd := box("tkhd", u32(3), u32(0), u32(0), u32(1), u32(0), u32(12345), make([]byte, 8),
		make([]byte, 4), make([]byte, 4), unityMatrix, u32(320<<16), u32(240<<16))
	mdhd := box("mdhd", u32(0), u32(0), u32(0), u32(12800), u32(158016), []byte{0x55, 0xC4, 0, 0})
	hdlr := box("hdlr", u32(0), u32(0), []byte("vide"), make([]byte, 12), []byte("VideoHandler\x00"))
	return box("trak", tkhd, box("mdia", mdhd, hdlr))
}

func moov(mvhd []byte, extra ...[]byte) []byte {
	return box("moov", mvhd, videoTrak(), cat(extra...))
}

var mdatPayload = bytes.Repeat([]byte{0, 0, 0, 0x10, 0x65, 0x88, 0x84, 0x00}, 512)

// mp4 is ftyp + moov + mdat ("fast start").
func mp4(mvhd []byte) []byte {
	return cat(ftyp("isom", "isom", "iso2", "avc1", "mp41"), moov(mvhd), box("free"), box("mdat", mdatPayload))
}

// mp4MoovLast is ftyp + mdat + moov (what most cameras write).
func mp4MoovLast(mvhd []byte) []byte {
	return cat(ftyp("mp42", "mp42", "isom"), box("mdat", mdatPayload), moov(mvhd))
}

// fragmentedMP4 has mvhd duration 0 and the duration in mvex/mehd.
func fragmentedMP4(mehdTicks uint32) []byte {
	mvex := box("mvex", box("mehd", u32(0), u32(mehdTicks)), box("trex", u32(0), u32(1), u32(1), u32(0), u32(0), u32(0)))
	moof := box("moof", box("mfhd", u32(0), u32(1)))
	return cat(ftyp("iso5", "iso5", "dash", "iso6"), moov(mvhd0(1000, 0), mvex), moof, box("mdat", mdatPayload), moof, box("mdat", mdatPayload))
}

// ---- WebM ----

type ebmlFile struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment webm.Segment    `ebml:"Segment"`
}

type ebmlStream struct {
	Header  webm.EBMLHeader    `ebml:"EBML"`
	Segment webm.SegmentStream `ebml:"Segment,size=unknown"`
}

// info32 writes Duration as a 4-byte float (allowed by Matroska).
type info32 struct {
	TimecodeScale uint64  `ebml:"TimecodeScale"`
	MuxingApp     string  `ebml:"MuxingApp"`
	Duration      float32 `ebml:"Duration"`
}

type ebmlFile32 struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment struct {
		Info    info32         `ebml:"Info"`
		Tracks  webm.Tracks    `ebml:"Tracks"`
		Cluster []webm.Cluster `ebml:"Cluster"`
	} `ebml:"Segment"`
}

// noInfo is a Segment without Info.
type noInfo struct {
	Header  webm.EBMLHeader `ebml:"EBML"`
	Segment struct {
		Tracks  webm.Tracks    `ebml:"Tracks"`
		Cluster []webm.Cluster `ebml:"Cluster"`
	} `ebml:"Segment"`
}

func ebmlHeader(docType string) webm.EBMLHeader {
	return webm.EBMLHeader{EBMLVersion: 1, EBMLReadVersion: 1, EBMLMaxIDLength: 4, EBMLMaxSizeLength: 8,
		DocType: docType, DocTypeVersion: 4, DocTypeReadVersion: 2}
}

func tracks() webm.Tracks {
	return webm.Tracks{TrackEntry: []webm.TrackEntry{{
		Name: "Video", TrackNumber: 1, TrackUID: 0xABCD, CodecID: "V_VP8", TrackType: 1,
		Video: &webm.Video{PixelWidth: 320, PixelHeight: 240},
	}}}
}

// clusters makes n clusters of frames frames, each frame frameSize bytes.
func clusters(n, frames, frameSize int) []webm.Cluster {
	cs := make([]webm.Cluster, n)
	for i := range cs {
		cs[i].Timecode = uint64(i * 1000)
		for f := 0; f < frames; f++ {
			cs[i].SimpleBlock = append(cs[i].SimpleBlock, ebml.Block{
				TrackNumber: 1, Timecode: int16(f * 33), Keyframe: f == 0,
				Data: [][]byte{bytes.Repeat([]byte{byte(f)}, frameSize)},
			})
		}
	}
	return cs
}

func marshal(t testing.TB, v any) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := ebml.Marshal(v, &b); err != nil {
		t.Fatalf("ebml.Marshal: %v", err)
	}
	return b.Bytes()
}

// webmFile is a WebM with known sizes throughout.
func webmFile(t testing.TB, docType string, scale uint64, duration float64, cs []webm.Cluster) []byte {
	f := ebmlFile{Header: ebmlHeader(docType)}
	f.Segment.Info = webm.Info{TimecodeScale: scale, MuxingApp: "anpei-test", WritingApp: "anpei-test", Duration: duration}
	f.Segment.Tracks = tracks()
	f.Segment.Cluster = cs
	return marshal(t, &f)
}

// webmStream is a WebM as a live recorder writes it: the Segment and every
// Cluster of unknown size.
func webmStream(t testing.TB, duration float64, cs []webm.Cluster) []byte {
	f := ebmlStream{Header: ebmlHeader("webm")}
	f.Segment.Info = webm.Info{TimecodeScale: 1_000_000, MuxingApp: "anpei-test", Duration: duration}
	f.Segment.Tracks = tracks()
	f.Segment.Cluster = cs
	return marshal(t, &f)
}

// growSegment rewrites the Segment's size as an 8-byte EBML size that is
// extra bytes larger than it was.
func growSegment(t testing.TB, b []byte, extra uint64) []byte {
	i := bytes.Index(b, []byte{0x18, 0x53, 0x80, 0x67})
	if i < 0 {
		t.Fatal("fixture: no Segment")
	}
	p := i + 4
	n := 1
	for b[p]&(0x80>>(n-1)) == 0 {
		n++
	}
	v := uint64(b[p]) & (0xFF >> n)
	for _, c := range b[p+1 : p+n] {
		v = v<<8 | uint64(c)
	}
	size := u64(v + extra)
	size[0] = 0x01 // 8-byte length marker
	return cat(b[:p], size, b[p+n:])
}

// ---- PDF ----

// pdfDoc writes a complete PDF (with a correct xref table) of n pages, the
// page dictionaries using sep between /Type and /Page.
func pdfDoc(version string, n int, sep string) []byte {
	var b bytes.Buffer
	var offsets []int
	obj := func(body string) {
		offsets = append(offsets, b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", len(offsets), body)
	}
	fmt.Fprintf(&b, "%%PDF-%s\n%%\xE2\xE3\xCF\xD3\n", version)
	kids := make([]string, n)
	for i := range kids {
		kids[i] = fmt.Sprintf("%d 0 R", i+3)
	}
	obj("<< /Type /Catalog /Pages 2 0 R >>")
	obj(fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d >>", strings.Join(kids, " "), n))
	for i := 0; i < n; i++ {
		obj("<</Type" + sep + "/Page/Parent 2 0 R /MediaBox [0 0 595 842]>>")
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(offsets)+1)
	for _, o := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(offsets)+1, xref)
	return b.Bytes()
}

// ---- images ----

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x * 7), uint8(y * 5), 128, 255})
		}
	}
	return img
}

func jpegFile(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func pngFile(t testing.TB, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// jpegWithSize patches the SOF0 frame header's height and width.
func jpegWithSize(t testing.TB, w, h int) []byte {
	b := jpegFile(t, 16, 16)
	i := bytes.Index(b, []byte{0xFF, 0xC0})
	if i < 0 {
		t.Fatal("no SOF0 in encoded JPEG")
	}
	binary.BigEndian.PutUint16(b[i+5:], uint16(h))
	binary.BigEndian.PutUint16(b[i+7:], uint16(w))
	return b
}

func pngChunk(typ string, data []byte) []byte {
	c := crc32.NewIEEE()
	c.Write([]byte(typ))
	c.Write(data)
	return cat(u32(uint32(len(data))), []byte(typ), data, u32(c.Sum32()))
}

// pngWithSize is a hand-made PNG whose IHDR claims w×h (the pixel data is
// not looked at by a header check).
func pngWithSize(w, h uint32) []byte {
	ihdr := cat(u32(w), u32(h), []byte{8, 0, 0, 0, 0})
	return cat(pngMagic, pngChunk("IHDR", ihdr), pngChunk("IDAT", []byte{0x78, 0x9C, 0x03, 0, 0, 0, 0, 1}), pngChunk("IEND", nil))
}

// ---- other content ----

func zipFile(t testing.TB) []byte {
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.Create("lesson.mp4")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mp4(mvhd0(1000, 5000)))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
