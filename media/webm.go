package media

import (
	"bytes"
	"encoding/binary"
	"math"
	"math/bits"
	"strings"
	"time"
)

// WebM is Matroska with DocType "webm": EBML elements, each an ID and a size
// written as variable-length integers. Only the header, the Segment's
// element headers and its Info are read; Clusters (the frames) are skipped
// by their sizes, so a 500 MB file costs a few hundred small reads.

const (
	idEBML          = 0x1A45DFA3
	idDocType       = 0x4282
	idSegment       = 0x18538067
	idInfo          = 0x1549A966
	idTimecodeScale = 0x2AD7B1
	idDuration      = 0x4489
	idCluster       = 0x1F43B675
	idVoid          = 0xEC
	idCRC32         = 0xBF

	maxEBMLHeader    = 4 << 10
	maxInfoSize      = 64 << 10
	maxWebMElements  = 1 << 24
	defaultTimescale = 1_000_000 // ns per Matroska tick
)

type ebmlElem struct {
	id      uint32
	off     int64 // where the ID starts
	data    int64 // where the content starts
	size    int64 // content size; -1 if unknown
	unknown bool
}

func (e ebmlElem) end() int64 { return e.data + e.size }

func webmTruncated() error {
	return corrupt("视频文件不完整或已损坏（WebM 数据被截断），请重新导出后上传")
}

func webmMalformed() error {
	return corrupt("视频文件已损坏（WebM 结构错误），请重新导出后上传")
}

// readElem reads the element header at off; fewer bytes than the header
// needs before the end of the file means the file was cut short.
func readElem(s src, off int64) (ebmlElem, error) {
	avail := s.size - off
	if avail <= 0 {
		return ebmlElem{}, webmTruncated()
	}
	buf, err := s.read(off, int(min(avail, 12)))
	if err != nil {
		return ebmlElem{}, err
	}
	idLen := bits.LeadingZeros8(buf[0]) + 1
	if idLen > 4 {
		return ebmlElem{}, webmMalformed()
	}
	if len(buf) < idLen+1 {
		return ebmlElem{}, webmTruncated()
	}
	var id uint32
	for _, c := range buf[:idLen] {
		id = id<<8 | uint32(c)
	}
	sb := buf[idLen:]
	sizeLen := bits.LeadingZeros8(sb[0]) + 1
	if sizeLen > 8 {
		return ebmlElem{}, webmMalformed()
	}
	if len(sb) < sizeLen {
		return ebmlElem{}, webmTruncated()
	}
	size := uint64(sb[0]) & (0xFF >> sizeLen)
	for _, c := range sb[1:sizeLen] {
		size = size<<8 | uint64(c)
	}
	e := ebmlElem{id: id, off: off, data: off + int64(idLen+sizeLen)}
	if size == 1<<(7*sizeLen)-1 { // all value bits set: unknown size
		e.size, e.unknown = -1, true
		return e, nil
	}
	if size > math.MaxInt64/2 {
		return ebmlElem{}, webmMalformed()
	}
	e.size = int64(size)
	if e.end() > s.size {
		return ebmlElem{}, webmTruncated()
	}
	return e, nil
}

func inspectWebM(s src, info *Info) error {
	hdr, err := readElem(s, 0)
	if err != nil {
		return err
	}
	if hdr.id != idEBML || hdr.unknown || hdr.size > maxEBMLHeader {
		return webmMalformed()
	}
	body, err := s.read(hdr.data, int(hdr.size))
	if err != nil {
		return err
	}
	docType, err := ebmlDocType(body)
	if err != nil {
		return err
	}
	switch docType {
	case "webm":
	case "matroska":
		return unsupportedMsg("不支持 MKV（Matroska）格式，请转换为 WebM 或 MP4 视频后上传")
	default:
		return errNotAccepted
	}

	// The Segment follows the header, perhaps after Void padding.
	off := hdr.end()
	var seg ebmlElem
	for {
		e, err := readElem(s, off)
		if err != nil {
			return err
		}
		if e.id == idSegment {
			seg = e
			break
		}
		if e.unknown || (e.id != idVoid && e.id != idCRC32) {
			return webmMalformed()
		}
		off = e.end()
	}
	segEnd := s.size
	if !seg.unknown {
		segEnd = seg.end() // readElem has checked it is inside the file
	}

	var infoBody []byte
	for n, off := 0, seg.data; off < segEnd; n++ {
		if n >= maxWebMElements {
			return webmMalformed()
		}
		e, err := readElem(s, off)
		if err != nil {
			return err
		}
		if e.unknown {
			// Only a Cluster may be streamed with an unknown size (a Segment
			// too, but not inside another). Its children follow at this
			// level and are skipped one by one until the next Cluster or
			// other Segment child.
			if e.id != idCluster {
				return webmMalformed()
			}
			off = e.data
			continue
		}
		if e.end() > segEnd {
			return webmMalformed()
		}
		if e.id == idInfo && infoBody == nil {
			if e.size > maxInfoSize {
				return webmMalformed()
			}
			if infoBody, err = s.read(e.data, int(e.size)); err != nil {
				return err
			}
		}
		off = e.end()
	}
	if infoBody == nil {
		return corrupt("视频文件不完整或已损坏（WebM 缺少 Info 信息），请重新导出后上传")
	}
	d, err := webmDuration(infoBody)
	if err != nil {
		return err
	}
	info.Duration = d
	return nil
}

// memElems walks the elements of an in-memory master element's content.
func memElems(b []byte, fn func(id uint32, data []byte) error) error {
	s := src{r: bytes.NewReader(b), size: int64(len(b))}
	for off := int64(0); off < s.size; {
		e, err := readElem(s, off)
		if err != nil || e.unknown {
			return webmMalformed()
		}
		if err := fn(e.id, b[e.data:e.end()]); err != nil {
			return err
		}
		off = e.end()
	}
	return nil
}

func ebmlDocType(header []byte) (string, error) {
	docType := "matroska" // the EBML default
	err := memElems(header, func(id uint32, data []byte) error {
		if id == idDocType {
			docType = strings.TrimRight(string(data), "\x00")
		}
		return nil
	})
	return docType, err
}

const noDurationWebM = "WebM 视频缺少时长信息（浏览器或录屏软件直接录制的文件常见），请用常见软件（如剪映、格式工厂、HandBrake）重新导出后上传"

// webmDuration reads Info's Duration (a float in TimecodeScale units).
func webmDuration(infoBody []byte) (time.Duration, error) {
	scale := uint64(defaultTimescale)
	var dur float64
	var haveDur bool
	err := memElems(infoBody, func(id uint32, data []byte) error {
		switch id {
		case idTimecodeScale:
			if len(data) == 0 || len(data) > 8 {
				return webmMalformed()
			}
			scale = 0
			for _, c := range data {
				scale = scale<<8 | uint64(c)
			}
		case idDuration:
			switch len(data) {
			case 4:
				dur = float64(math.Float32frombits(binary.BigEndian.Uint32(data)))
			case 8:
				dur = math.Float64frombits(binary.BigEndian.Uint64(data))
			default:
				return webmMalformed()
			}
			haveDur = true
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if !haveDur {
		return 0, noDuration(noDurationWebM)
	}
	ns := dur * float64(scale)
	if scale == 0 || math.IsNaN(ns) || ns < 1 || ns >= float64(maxSeconds)*1e9 {
		return 0, noDuration(noDurationWebM)
	}
	return time.Duration(ns), nil
}
