package media

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"anpei/fault"
)

// Kind is a family of accepted content.
type Kind string

// The kinds of file anpei accepts.
const (
	Video    Kind = "video"
	Document Kind = "document" // PDF
	Image    Kind = "image"    // JPEG, PNG
)

// allKinds is every kind in the order used in messages.
var allKinds = []Kind{Video, Document, Image}

// Info describes a stored file.
type Info struct {
	SHA256   string        // lowercase hex of the content; also the storage key
	Kind     Kind          // what the content is
	MIME     string        // "video/mp4", "video/webm", "application/pdf", "image/jpeg", "image/png"
	Size     int64         // bytes
	Duration time.Duration // videos: the container's duration (> 0); 0 otherwise
	Pages    int           // PDFs: page count (best effort, >=1 if found; 0 if unknown)
}

// The MIME types Inspect reports.
const (
	mimeMP4  = "video/mp4"
	mimeWebM = "video/webm"
	mimePDF  = "application/pdf"
	mimeJPEG = "image/jpeg"
	mimePNG  = "image/png"
)

// Error codes of this package (the contract with the web UI).
const (
	codeUnsupported = "media_type_unsupported"
	codeCorrupt     = "media_corrupt"
	codeNoDuration  = "media_no_duration"
	codeTooLarge    = "media_too_large"
	codeEmpty       = "media_empty"
	codeNotFound    = "media_not_found"
	codeNoSpace     = "media_disk_full"
)

// fieldFile is the form field uploads arrive in; every detail points at it.
const fieldFile = "file"

func fileError(kind fault.Kind, code, msg string) *fault.Error {
	return fault.New(kind, code, msg).WithDetails(fault.Detail{Field: fieldFile, Message: msg})
}

func unsupportedMsg(msg string) *fault.Error {
	return fileError(fault.Unsupported, codeUnsupported, msg)
}

func corrupt(msg string) *fault.Error { return fileError(fault.Unprocessable, codeCorrupt, msg) }

func noDuration(msg string) *fault.Error {
	return fileError(fault.Unprocessable, codeNoDuration, msg)
}

// kindNames says what each kind accepts, for messages.
var kindNames = map[Kind]string{
	Video:    "MP4 或 WebM 视频",
	Document: "PDF 文档",
	Image:    "JPEG 或 PNG 图片",
}

// unsupported names the accepted kinds, e.g.
// "文件类型不支持：请上传 MP4 或 WebM 视频、PDF 文档".
func unsupported(kinds []Kind) *fault.Error {
	names := make([]string, 0, len(kinds))
	for _, k := range kinds {
		names = append(names, kindNames[k])
	}
	return unsupportedMsg("文件类型不支持：请上传 " + strings.Join(names, "、"))
}

// acceptedKinds returns allowed in canonical order without duplicates, or
// every kind when allowed is empty. An unknown kind is a programming error.
func acceptedKinds(allowed []Kind) ([]Kind, error) {
	if len(allowed) == 0 {
		return allKinds, nil
	}
	want := map[Kind]bool{}
	for _, k := range allowed {
		if _, ok := kindNames[k]; !ok {
			return nil, fault.Wrap(fmt.Errorf("unknown kind %q", k), "media: allowed kinds")
		}
		want[k] = true
	}
	out := make([]Kind, 0, len(want))
	for _, k := range allKinds {
		if want[k] {
			out = append(out, k)
		}
	}
	return out, nil
}

// errNotAccepted means the content looked like an accepted format at first
// but is another one (an M4A in an MP4 box structure, say).
var errNotAccepted = errors.New("media: not an accepted format")

// errTruncated means a read wanted bytes past the end of the content.
var errTruncated = errors.New("media: unexpected end of content")

// src is the content under inspection: a ReaderAt of a known size.
type src struct {
	r    io.ReaderAt
	size int64
}

// read returns exactly n bytes at off, or errTruncated if they are not there.
func (s src) read(off int64, n int) ([]byte, error) {
	if off < 0 || n < 0 || off > s.size || int64(n) > s.size-off {
		return nil, errTruncated
	}
	b := make([]byte, n)
	got, err := s.r.ReadAt(b, off)
	if got == n {
		return b, nil
	}
	if err == nil || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return nil, errTruncated
	}
	return nil, err
}

// tail returns the last n bytes (or all of them if the content is shorter).
func (s src) tail(n int) ([]byte, error) {
	if int64(n) > s.size {
		n = int(s.size)
	}
	return s.read(s.size-int64(n), n)
}

// sniffers recognise content by its first bytes only.
type sniffer struct {
	kind    Kind
	mime    string
	match   func(head []byte) bool
	inspect func(s src, info *Info) error
}

var (
	ebmlMagic = []byte{0x1A, 0x45, 0xDF, 0xA3}
	jpegMagic = []byte{0xFF, 0xD8, 0xFF}
	pngMagic  = []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'}
)

var sniffers = []sniffer{
	{Video, mimeMP4, func(h []byte) bool { return len(h) >= 8 && string(h[4:8]) == "ftyp" }, inspectMP4},
	{Video, mimeWebM, func(h []byte) bool { return bytes.HasPrefix(h, ebmlMagic) }, inspectWebM},
	{Document, mimePDF, isPDFHeader, inspectPDF},
	{Image, mimeJPEG, func(h []byte) bool { return bytes.HasPrefix(h, jpegMagic) }, inspectJPEG},
	{Image, mimePNG, func(h []byte) bool { return bytes.HasPrefix(h, pngMagic) }, inspectPNG},
}

// headLen is how many leading bytes sniffing looks at.
const headLen = 16

// Inspect checks the content of r (size bytes) and returns its Info (SHA256
// left empty). It accepts only the kinds in allowed (none = all kinds).
// Errors are *fault.Error: media_type_unsupported (415) when the content is
// not an accepted type, media_corrupt (422) when it is truncated or
// malformed, media_no_duration (422) for a video without a usable duration,
// media_too_large (413) for an image with absurd dimensions and media_empty
// (422) for no content at all.
func Inspect(r io.ReaderAt, size int64, allowed ...Kind) (Info, error) {
	kinds, err := acceptedKinds(allowed)
	if err != nil {
		return Info{}, err
	}
	if size <= 0 {
		return Info{}, emptyError()
	}
	s := src{r: r, size: size}
	head, err := s.read(0, int(min(size, headLen)))
	if err != nil {
		return Info{}, readFailure(err, "")
	}
	for _, sn := range sniffers {
		if !sn.match(head) {
			continue
		}
		if !slices.Contains(kinds, sn.kind) {
			return Info{}, unsupported(kinds)
		}
		info := Info{Kind: sn.kind, MIME: sn.mime, Size: size}
		if err := sn.inspect(s, &info); errors.Is(err, errNotAccepted) {
			return Info{}, unsupported(kinds)
		} else if err != nil {
			return Info{}, readFailure(err, sn.kind)
		}
		return info, nil
	}
	return Info{}, unsupported(kinds)
}

// readFailure turns an error from a parser into a *fault.Error: faults pass
// through, running out of content is a truncated file, anything else (an I/O
// error of the reader) is internal.
func readFailure(err error, k Kind) error {
	var fe *fault.Error
	if errors.As(err, &fe) {
		return fe
	}
	if errors.Is(err, errTruncated) {
		switch k {
		case Video:
			return corrupt("视频文件不完整或已损坏（数据被截断），请重新导出后上传")
		case Image:
			return corrupt("图片文件不完整或已损坏，请重新扫描或导出后上传")
		default:
			return corrupt("文件不完整或已损坏，请重新导出后上传")
		}
	}
	return fault.Wrap(err, "media: read content")
}

func emptyError() *fault.Error {
	return fileError(fault.Unprocessable, codeEmpty, "文件为空，请重新选择文件上传")
}
