package media

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"anpei/fault"
)

// wantFault checks err is a *fault.Error of kind and code; file errors
// carry a detail on the "file" field.
func wantFault(t *testing.T, err error, kind fault.Kind, code string) *fault.Error {
	t.Helper()
	var fe *fault.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error = %v (%T), want *fault.Error %s", err, err, code)
	}
	if fe.Kind != kind || fe.Code != code {
		t.Fatalf("error = kind %d code %q (%s), want kind %d code %q", fe.Kind, fe.Code, fe.Message, kind, code)
	}
	if kind != fault.Internal && kind != fault.NotFound {
		if len(fe.Details) == 0 || fe.Details[0].Field != "file" || fe.Details[0].Message == "" {
			t.Fatalf("details = %+v, want Field \"file\" with a message", fe.Details)
		}
		if fe.Message == "" || !hasHan(fe.Message) {
			t.Fatalf("message %q is not a Chinese sentence", fe.Message)
		}
	}
	return fe
}

func hasHan(s string) bool {
	for _, r := range s {
		if r >= 0x4E00 && r <= 0x9FFF {
			return true
		}
	}
	return false
}

func cut(b []byte, n int) []byte { return append([]byte(nil), b[:n]...) }

func TestInspect(t *testing.T) {
	// Fixtures reused by several rows.
	fast := mp4(mvhd0(1000, 12_345))
	last := mp4MoovLast(mvhd1(90_000, 90_000*7200+45_000))
	wm := webmFile(t, "webm", 1_000_000, 5000, clusters(3, 10, 200))
	stream := webmStream(t, 61_500, clusters(3, 10, 200))
	pdf3 := pdfDoc("1.7", 3, " ")
	jpg := jpegFile(t, 40, 30)
	pn := pngFile(t, 40, 30)
	bigJPG := jpegFile(t, 320, 240)

	var f32 ebmlFile32
	f32.Header = ebmlHeader("webm")
	f32.Segment.Info = info32{TimecodeScale: 1000, MuxingApp: "x", Duration: 2_500_000} // µs ticks
	f32.Segment.Tracks = tracks()
	f32.Segment.Cluster = clusters(1, 3, 50)
	webm32 := marshal(t, &f32)

	var ni noInfo
	ni.Header = ebmlHeader("webm")
	ni.Segment.Tracks = tracks()
	ni.Segment.Cluster = clusters(1, 3, 50)

	// A WebM whose Segment claims 1 MB more than the file holds.
	segPastEOF := growSegment(t, wm, 1<<20)

	mdatAt := bytes.Index(fast, []byte("mdat"))
	moovAt := bytes.Index(last, []byte("moov"))
	clusterAt := bytes.LastIndex(stream, []byte{0x1F, 0x43, 0xB6, 0x75})

	type want struct {
		kind     Kind
		mime     string
		duration time.Duration
		pages    int
	}
	type wantErr struct {
		kind fault.Kind
		code string
		msg  string // substring of the message
	}
	tests := []struct {
		name    string
		data    []byte
		allowed []Kind
		want    want
		err     *wantErr
	}{
		// Valid files.
		{name: "mp4 moov first, mvhd v0", data: fast, want: want{Video, "video/mp4", 12345 * time.Millisecond, 0}},
		{name: "mp4 moov last, mvhd v1", data: last, want: want{Video, "video/mp4", 2*time.Hour + 500*time.Millisecond, 0}},
		{name: "mp4 64-bit mdat size", data: cat(ftyp("isom", "isom"), moov(mvhd0(600, 900)), largeBox("mdat", mdatPayload)), want: want{Video, "video/mp4", 1500 * time.Millisecond, 0}},
		{name: "mp4 mdat to end of file", data: cat(ftyp("isom", "isom"), moov(mvhd0(1, 42)), toEndBox("mdat", mdatPayload)), want: want{Video, "video/mp4", 42 * time.Second, 0}},
		{name: "mp4 unlisted major brand, compatible isom", data: cat(ftyp("abcd", "abcd", "isom"), moov(mvhd0(1000, 1000)), box("mdat", mdatPayload)), want: want{Video, "video/mp4", time.Second, 0}},
		{name: "mp4 M4V brand", data: cat(ftyp("M4V ", "M4V ", "M4A ", "mp42", "isom"), moov(mvhd0(1000, 1000)), box("mdat", mdatPayload)), want: want{Video, "video/mp4", time.Second, 0}},
		{name: "mp4 fragmented, duration in mehd", data: fragmentedMP4(95_000), want: want{Video, "video/mp4", 95 * time.Second, 0}},
		{name: "mp4 video only allowed", data: fast, allowed: []Kind{Video}, want: want{Video, "video/mp4", 12345 * time.Millisecond, 0}},
		{name: "webm known sizes", data: wm, want: want{Video, "video/webm", 5 * time.Second, 0}},
		{name: "webm streamed: unknown Segment and Cluster sizes", data: stream, want: want{Video, "video/webm", 61500 * time.Millisecond, 0}},
		{name: "webm float32 duration, µs timecode scale", data: webm32, want: want{Video, "video/webm", 2500 * time.Millisecond, 0}},
		{name: "pdf 3 pages", data: pdf3, want: want{Document, "application/pdf", 0, 3}},
		{name: "pdf /Type/Page without space", data: pdfDoc("1.4", 2, ""), want: want{Document, "application/pdf", 0, 2}},
		{name: "pdf /Type CRLF /Page", data: pdfDoc("1.5", 5, "\r\n  "), want: want{Document, "application/pdf", 0, 5}},
		{name: "pdf 2.0, one page", data: pdfDoc("2.0", 1, " "), want: want{Document, "application/pdf", 0, 1}},
		{name: "pdf pages unknown (compressed)", data: []byte("%PDF-1.5\n1 0 obj\n<< /Type /ObjStm /N 3 /Filter /FlateDecode >>\nstream\nxx\nendstream\nendobj\n%%EOF\n"), want: want{Document, "application/pdf", 0, 0}},
		{name: "pdf %%EOF followed by padding", data: cat(pdf3, bytes.Repeat([]byte{'\n'}, 1000)), want: want{Document, "application/pdf", 0, 3}},
		{name: "jpeg", data: jpg, want: want{Image, "image/jpeg", 0, 0}},
		{name: "jpeg with 64 bytes of padding", data: cat(jpg, make([]byte, 64)), want: want{Image, "image/jpeg", 0, 0}},
		{name: "jpeg 20000 wide", data: jpegWithSize(t, 20000, 10), want: want{Image, "image/jpeg", 0, 0}},
		{name: "png", data: pn, want: want{Image, "image/png", 0, 0}},
		{name: "png only images allowed", data: pn, allowed: []Kind{Image}, want: want{Image, "image/png", 0, 0}},

		// Not an accepted type, whatever the name or Content-Type said.
		{name: "html", data: []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), err: &wantErr{fault.Unsupported, "media_type_unsupported", "文件类型不支持：请上传 MP4 或 WebM 视频、PDF 文档、JPEG 或 PNG 图片"}},
		{name: "html with BOM", data: []byte("\xEF\xBB\xBF<html><body>%PDF-1.7</body></html>"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "svg", data: []byte(`<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>`), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "plain text", data: []byte("签到表\n张三 李四\n"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "shell script", data: []byte("#!/bin/sh\nrm -rf /\n"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "zip holding an mp4", data: zipFile(t), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "windows exe", data: cat([]byte("MZ\x90\x00"), make([]byte, 60), []byte("PE\x00\x00")), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "gif", data: []byte("GIF89a\x01\x00\x01\x00\x00\x00\x00;"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "matroska", data: webmFile(t, "matroska", 1_000_000, 5000, clusters(1, 2, 10)), err: &wantErr{fault.Unsupported, "media_type_unsupported", "WebM 或 MP4"}},
		{name: "other EBML doctype", data: webmFile(t, "foo", 1_000_000, 5000, clusters(1, 2, 10)), err: &wantErr{fault.Unsupported, "media_type_unsupported", "WebM"}},
		{name: "quicktime mov", data: cat(ftyp("qt  ", "qt  "), moov(mvhd0(600, 600)), box("mdat", mdatPayload)), err: &wantErr{fault.Unsupported, "media_type_unsupported", "MOV"}},
		{name: "m4a audio", data: cat(ftyp("M4A ", "M4A ", "mp42", "isom"), moov(mvhd0(44100, 44100)), box("mdat", mdatPayload)), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "heic picture", data: cat(ftyp("heic", "mif1", "heic"), box("meta", u32(0)), box("mdat", mdatPayload)), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "pdf 3.0 header", data: []byte("%PDF-3.0\n%%EOF\n"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "pdf header not first", data: cat([]byte("junk\n"), pdf3), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "three bytes", data: []byte("abc"), err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},

		// Allowed-kind filtering.
		{name: "pdf when only video allowed", data: pdf3, allowed: []Kind{Video}, err: &wantErr{fault.Unsupported, "media_type_unsupported", "文件类型不支持：请上传 MP4 或 WebM 视频"}},
		{name: "png when video and pdf allowed", data: pn, allowed: []Kind{Document, Video, Video}, err: &wantErr{fault.Unsupported, "media_type_unsupported", "文件类型不支持：请上传 MP4 或 WebM 视频、PDF 文档"}},
		{name: "mp4 when documents and images allowed", data: fast, allowed: []Kind{Document, Image}, err: &wantErr{fault.Unsupported, "media_type_unsupported", "请上传 PDF 文档、JPEG 或 PNG 图片"}},
		{name: "truncated mp4 when only pdf allowed is unsupported", data: cut(fast, mdatAt+100), allowed: []Kind{Document}, err: &wantErr{fault.Unsupported, "media_type_unsupported", ""}},
		{name: "unknown allowed kind", data: pdf3, allowed: []Kind{"audio"}, err: &wantErr{fault.Internal, "internal", ""}},

		// Truncated or malformed.
		{name: "mp4 cut in mdat", data: cut(fast, mdatAt+100), err: &wantErr{fault.Unprocessable, "media_corrupt", "mdat"}},
		{name: "mp4 cut in moov", data: cut(last, moovAt+60), err: &wantErr{fault.Unprocessable, "media_corrupt", "moov"}},
		{name: "mp4 cut in a box header", data: cut(fast, len(fast)-len(mdatPayload)-4), err: &wantErr{fault.Unprocessable, "media_corrupt", "截断"}},
		{name: "mp4 cut after ftyp", data: cat(ftyp("isom", "isom"), []byte{0, 0}), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "mp4 without moov", data: cat(ftyp("isom", "isom"), box("mdat", mdatPayload)), err: &wantErr{fault.Unprocessable, "media_corrupt", "视频文件不完整或已损坏（缺少 moov 信息），请重新导出后上传"}},
		{name: "mp4 without mdat", data: cat(ftyp("isom", "isom"), moov(mvhd0(1000, 1000))), err: &wantErr{fault.Unprocessable, "media_corrupt", "mdat"}},
		{name: "mp4 moov without mvhd", data: cat(ftyp("isom", "isom"), box("moov", videoTrak()), box("mdat", mdatPayload)), err: &wantErr{fault.Unprocessable, "media_corrupt", "mvhd"}},
		{name: "mp4 two moov boxes", data: cat(ftyp("isom", "isom"), moov(mvhd0(1, 1)), moov(mvhd0(1, 1)), box("mdat", mdatPayload)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "mp4 box size below header", data: cat(ftyp("isom", "isom"), moov(mvhd0(1, 1)), u32(4), []byte("mdat"), mdatPayload), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "mp4 garbage after the boxes", data: cat(fast, []byte{0xDE, 0xAD, 0xBE, 0xEF, 0, 1, 2, 3, 4, 5}), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "mp4 child box past its parent", data: cat(ftyp("isom", "isom"), box("moov", u32(200), []byte("mvhd"), make([]byte, 100)), box("mdat", mdatPayload)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "mp4 short mvhd", data: cat(ftyp("isom", "isom"), box("moov", box("mvhd", u32(0), u32(0))), box("mdat", mdatPayload)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "webm segment size past EOF", data: segPastEOF, err: &wantErr{fault.Unprocessable, "media_corrupt", "截断"}},
		{name: "webm cut short", data: cut(wm, len(wm)-300), err: &wantErr{fault.Unprocessable, "media_corrupt", "截断"}},
		{name: "webm streamed, cut in a block", data: cut(stream, len(stream)-50), err: &wantErr{fault.Unprocessable, "media_corrupt", "截断"}},
		{name: "webm streamed, cut in a cluster header", data: cut(stream, clusterAt+3), err: &wantErr{fault.Unprocessable, "media_corrupt", "截断"}},
		{name: "webm header only", data: cut(wm, bytes.Index(wm, []byte{0x18, 0x53, 0x80, 0x67})), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "webm without Info", data: marshal(t, &ni), err: &wantErr{fault.Unprocessable, "media_corrupt", "Info"}},
		{name: "pdf without %%EOF", data: cut(pdf3, len(pdf3)-7), err: &wantErr{fault.Unprocessable, "media_corrupt", "%%EOF"}},
		{name: "pdf cut in half", data: cut(pdf3, len(pdf3)/2), err: &wantErr{fault.Unprocessable, "media_corrupt", "PDF"}},
		{name: "pdf %%EOF too far from the end", data: cat(pdf3, bytes.Repeat([]byte{' '}, 1100)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "jpeg cut in half", data: cut(jpg, len(jpg)/2), err: &wantErr{fault.Unprocessable, "media_corrupt", "图片"}},
		{name: "jpeg cut in the scan data", data: cut(bigJPG, len(bigJPG)*3/4), err: &wantErr{fault.Unprocessable, "media_corrupt", "图片"}},
		{name: "jpeg with 65 bytes after EOI", data: cat(jpg, make([]byte, 65)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "jpeg header only with EOI", data: []byte{0xFF, 0xD8, 0xFF, 0xD9}, err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "png cut short", data: cut(pn, len(pn)-20), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "png data after IEND", data: cat(pn, []byte("<script>")), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "png without IHDR first", data: cat(pngMagic, pngChunk("IDAT", []byte{1}), pngChunk("IEND", nil)), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},
		{name: "png IHDR checksum wrong", data: func() []byte { b := pngWithSize(10, 10); b[29] ^= 0xFF; return b }(), err: &wantErr{fault.Unprocessable, "media_corrupt", ""}},

		// No usable duration.
		{name: "mp4 duration 0", data: mp4(mvhd0(1000, 0)), err: &wantErr{fault.Unprocessable, "media_no_duration", "时长"}},
		{name: "mp4 duration unknown (all ones)", data: mp4(mvhd1(1000, 1<<64-1)), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},
		{name: "mp4 timescale 0", data: mp4(mvhd0(0, 1000)), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},
		{name: "mp4 duration past time.Duration", data: mp4(mvhd1(1, 1<<62)), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},
		{name: "mp4 fragmented, mehd 0", data: fragmentedMP4(0), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},
		{name: "webm without Duration", data: webmFile(t, "webm", 1_000_000, 0, clusters(2, 3, 10)), err: &wantErr{fault.Unprocessable, "media_no_duration", "重新导出"}},
		{name: "webm streamed without Duration", data: webmStream(t, 0, clusters(2, 3, 10)), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},
		{name: "webm negative Duration", data: webmFile(t, "webm", 1_000_000, -5, clusters(1, 3, 10)), err: &wantErr{fault.Unprocessable, "media_no_duration", ""}},

		// Absurd image dimensions.
		{name: "jpeg 30000 wide", data: jpegWithSize(t, 30000, 10), err: &wantErr{fault.TooLarge, "media_too_large", "30000×10"}},
		{name: "png 10 x 20001", data: pngWithSize(10, 20001), err: &wantErr{fault.TooLarge, "media_too_large", "20000×20000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Inspect(bytes.NewReader(tt.data), int64(len(tt.data)), tt.allowed...)
			if tt.err != nil {
				if err == nil {
					t.Fatalf("Inspect = %+v, want error %s", got, tt.err.code)
				}
				fe := wantFault(t, err, tt.err.kind, tt.err.code)
				if !strings.Contains(fe.Message, tt.err.msg) {
					t.Fatalf("message %q does not contain %q", fe.Message, tt.err.msg)
				}
				if got != (Info{}) {
					t.Fatalf("Inspect returned %+v with an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Inspect: %v", err)
			}
			w := Info{Kind: tt.want.kind, MIME: tt.want.mime, Size: int64(len(tt.data)), Duration: tt.want.duration, Pages: tt.want.pages}
			if got != w {
				t.Fatalf("Inspect = %+v, want %+v", got, w)
			}
		})
	}
}

func TestInspectEmpty(t *testing.T) {
	_, err := Inspect(bytes.NewReader(nil), 0)
	wantFault(t, err, fault.Unprocessable, "media_empty")
}

// The unsupported message must not depend on the order kinds are passed.
func TestUnsupportedMessage(t *testing.T) {
	html := []byte("<html></html>")
	_, err := Inspect(bytes.NewReader(html), int64(len(html)), Document, Video)
	fe := wantFault(t, err, fault.Unsupported, "media_type_unsupported")
	if want := "文件类型不支持：请上传 MP4 或 WebM 视频、PDF 文档"; fe.Message != want || fe.Details[0].Message != want {
		t.Fatalf("message %q / detail %q, want %q", fe.Message, fe.Details[0].Message, want)
	}
}

// countingReaderAt records how much of the content a check reads.
type countingReaderAt struct {
	r     io.ReaderAt
	bytes int64
	calls int
}

func (c *countingReaderAt) ReadAt(p []byte, off int64) (int, error) {
	c.bytes += int64(len(p))
	c.calls++
	return c.r.ReadAt(p, off)
}

// Videos can be 500 MB: the checks must read headers, not the media data.
func TestInspectReadsHeadersOnly(t *testing.T) {
	bigFrames := clusters(8, 30, 32<<10) // ~7.5 MB of frames
	bigMdat := bytes.Repeat([]byte{0xAB}, 8<<20)
	tests := []struct {
		name     string
		data     []byte
		maxBytes int64
	}{
		{"webm known sizes", webmFile(t, "webm", 1_000_000, 8000, bigFrames), 4 << 10},
		// Unknown-size clusters are walked block by block: a header each.
		{"webm streamed", webmStream(t, 8000, bigFrames), 8 << 10},
		{"mp4 moov last", cat(ftyp("isom", "isom"), box("mdat", bigMdat), moov(mvhd0(1000, 8000))), 4 << 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &countingReaderAt{r: bytes.NewReader(tt.data)}
			info, err := Inspect(c, int64(len(tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if info.Duration != 8*time.Second {
				t.Fatalf("duration %v, want 8s", info.Duration)
			}
			if c.bytes > tt.maxBytes {
				t.Fatalf("read %d bytes in %d calls of a %d-byte file, want at most %d", c.bytes, c.calls, len(tt.data), tt.maxBytes)
			}
		})
	}
}

type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errors.New("disk on fire") }

func TestInspectReadErrorIsInternal(t *testing.T) {
	_, err := Inspect(failingReaderAt{}, 1000)
	fe := wantFault(t, err, fault.Internal, "internal")
	if !strings.Contains(fe.Error(), "disk on fire") {
		t.Fatalf("cause lost: %v", fe)
	}
}

func TestCountPagesAcrossChunks(t *testing.T) {
	// Page dictionaries placed so that matches straddle the 64 KiB chunk
	// boundary in every position.
	for shift := 0; shift < 48; shift++ {
		var b bytes.Buffer
		b.WriteString("%PDF-1.7\n")
		b.Write(bytes.Repeat([]byte{'x'}, pdfChunk-b.Len()-shift))
		b.WriteString(" /Type \n\n /Page /X /Type /Pages /Type/Page>>")
		b.WriteString("\n%%EOF\n")
		n, err := countPages(bytes.NewReader(b.Bytes()))
		if err != nil || n != 2 {
			t.Fatalf("shift %d: countPages = %d, %v, want 2", shift, n, err)
		}
	}
	for _, tt := range []struct {
		text string
		want int
	}{
		{"/Type /Page", 1},
		{"/Type /Pages", 0},
		{"/Type /PageLabel", 0},
		{"/Type/Page/Parent", 1},
		{"/Type\x00/Page]", 1},
		{"/TypeX /Page", 0},
		{"/Type                                           /Page", 0}, // > 32 spaces
	} {
		if n, _ := countPages(strings.NewReader(tt.text)); n != tt.want {
			t.Errorf("countPages(%q) = %d, want %d", tt.text, n, tt.want)
		}
	}
}
