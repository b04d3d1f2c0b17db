package media

import (
	"encoding/binary"
	"math"
	"time"
)

// MP4 (ISO base media file format, ISO/IEC 14496-12): a sequence of boxes,
// each a 32-bit size and a four-character type; size 1 means a 64-bit size
// follows, size 0 means "to the end of the enclosing container".

// mp4Brands are the ftyp brands of MP4 files browsers play.
var mp4Brands = map[string]bool{
	"isom": true, "iso2": true, "iso3": true, "iso4": true, "iso5": true, "iso6": true,
	"iso7": true, "iso8": true, "iso9": true, "mp41": true, "mp42": true, "mp71": true,
	"avc1": true, "dash": true, "msdh": true, "msix": true, "cmfc": true, "cmf2": true,
	"M4V ": true, "M4VH": true, "M4VP": true, "MSNV": true, "NDAS": true, "mmp4": true,
	"f4v ": true, "XAVC": true, "3gp4": true, "3gp5": true, "3gp6": true,
}

// mp4NotVideo are major brands of ISO-BMFF files that are not videos
// (audio books, music, HEIF/AVIF pictures, camera raws) even when they list
// an MP4 brand as compatible.
var mp4NotVideo = map[string]bool{
	"M4A ": true, "M4B ": true, "M4P ": true, "F4A ": true, "F4B ": true,
	"heic": true, "heix": true, "heim": true, "heis": true, "hevc": true, "hevx": true,
	"mif1": true, "msf1": true, "avif": true, "avis": true, "crx ": true,
}

const (
	maxMP4Boxes   = 1 << 20 // top-level boxes (fragmented files have many)
	maxMP4Nested  = 1 << 16 // children of moov / mvex looked at
	maxFtypLength = 1024
)

type mp4Box struct {
	typ       string
	off, size int64 // size includes the header
	hdr       int64
}

func (b mp4Box) end() int64  { return b.off + b.size }
func (b mp4Box) body() int64 { return b.off + b.hdr }

func mp4Truncated(what string) error {
	return corrupt("视频文件不完整或已损坏（" + what + " 数据被截断），请重新导出后上传")
}

func mp4Malformed() error {
	return corrupt("视频文件已损坏（MP4 结构错误），请重新导出后上传")
}

// readBox reads the box header at off inside a container ending at end.
// top says whether the container is the file itself (running past it means
// the file was cut short) or a box (running past it means the file is
// malformed).
func readBox(s src, off, end int64, top bool) (mp4Box, error) {
	if end-off < 8 {
		if top {
			return mp4Box{}, mp4Truncated("文件末尾")
		}
		return mp4Box{}, mp4Malformed()
	}
	h, err := s.read(off, 8)
	if err != nil {
		return mp4Box{}, err
	}
	b := mp4Box{typ: string(h[4:8]), off: off, hdr: 8}
	if !printableFourCC(h[4:8]) {
		return mp4Box{}, mp4Malformed()
	}
	switch size := binary.BigEndian.Uint32(h); size {
	case 0:
		b.size = end - off
	case 1:
		if end-off < 16 {
			if top {
				return mp4Box{}, mp4Truncated(b.typ)
			}
			return mp4Box{}, mp4Malformed()
		}
		l, err := s.read(off+8, 8)
		if err != nil {
			return mp4Box{}, err
		}
		large := binary.BigEndian.Uint64(l)
		if large > math.MaxInt64 {
			return mp4Box{}, mp4Malformed()
		}
		b.size, b.hdr = int64(large), 16
	default:
		b.size = int64(size)
	}
	if b.typ == "uuid" {
		b.hdr += 16
	}
	if b.size < b.hdr {
		return mp4Box{}, mp4Malformed()
	}
	if b.size > end-off {
		if top {
			return mp4Box{}, mp4Truncated(b.typ)
		}
		return mp4Box{}, mp4Malformed()
	}
	return b, nil
}

// printableFourCC accepts the characters box types are made of (ASCII and
// the © of QuickTime metadata).
func printableFourCC(t []byte) bool {
	for _, c := range t {
		if (c < 0x20 || c > 0x7E) && c != 0xA9 {
			return false
		}
	}
	return true
}

func inspectMP4(s src, info *Info) error {
	ftyp, err := readBox(s, 0, s.size, true)
	if err != nil {
		return err
	}
	if ftyp.typ != "ftyp" || ftyp.size-ftyp.hdr < 8 || ftyp.size > maxFtypLength {
		return mp4Malformed()
	}
	body, err := s.read(ftyp.body(), int(ftyp.size-ftyp.hdr))
	if err != nil {
		return err
	}
	if err := checkBrands(body); err != nil {
		return err
	}

	var moov *mp4Box
	var mdats int
	var mdatBytes int64
	off := ftyp.end()
	for n := 0; off < s.size; n++ {
		if n >= maxMP4Boxes {
			return mp4Malformed()
		}
		b, err := readBox(s, off, s.size, true)
		if err != nil {
			return err
		}
		switch b.typ {
		case "ftyp":
			return mp4Malformed()
		case "moov":
			if moov != nil {
				return mp4Malformed()
			}
			moov = &b
		case "mdat":
			mdats++
			mdatBytes += b.size - b.hdr
		}
		off = b.end()
	}
	if moov == nil {
		return corrupt("视频文件不完整或已损坏（缺少 moov 信息），请重新导出后上传")
	}
	if mdats == 0 || mdatBytes == 0 {
		return corrupt("视频文件不完整或已损坏（缺少 mdat 媒体数据），请重新导出后上传")
	}
	d, err := moovDuration(s, *moov)
	if err != nil {
		return err
	}
	info.Duration = d
	return nil
}

// checkBrands accepts an ftyp body whose major brand is an MP4 video brand,
// or whose major brand is not a known non-video one and which lists an MP4
// video brand as compatible.
func checkBrands(body []byte) error {
	major := string(body[:4])
	if major == "qt  " {
		return unsupportedMsg("不支持 QuickTime（MOV）格式，请导出为 MP4 或 WebM 视频后上传")
	}
	if mp4Brands[major] {
		return nil
	}
	if !mp4NotVideo[major] {
		for c := body[8:]; len(c) >= 4; c = c[4:] {
			if mp4Brands[string(c[:4])] {
				return nil
			}
		}
	}
	return errNotAccepted
}

// children walks the boxes inside parent, calling fn for each.
func children(s src, parent mp4Box, fn func(mp4Box) error) error {
	off := parent.body()
	for n := 0; off < parent.end(); n++ {
		if n >= maxMP4Nested {
			return mp4Malformed()
		}
		b, err := readBox(s, off, parent.end(), false)
		if err != nil {
			return err
		}
		if err := fn(b); err != nil {
			return err
		}
		off = b.end()
	}
	return nil
}

const noDurationVideo = "无法读取视频时长，请用常见软件（如剪映、格式工厂、HandBrake）重新导出为 MP4 后上传"

// moovDuration reads the movie header's duration (mvhd, version 0 or 1),
// falling back to the fragmented-movie header (mvex/mehd) when mvhd says 0
// or "unknown".
func moovDuration(s src, moov mp4Box) (time.Duration, error) {
	var mvhd, mvex *mp4Box
	err := children(s, moov, func(b mp4Box) error {
		switch {
		case b.typ == "mvhd" && mvhd == nil:
			mvhd = &b
		case b.typ == "mvex" && mvex == nil:
			mvex = &b
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	if mvhd == nil {
		return 0, corrupt("视频文件不完整或已损坏（缺少 mvhd 信息），请重新导出后上传")
	}
	p, err := s.read(mvhd.body(), int(min(mvhd.size-mvhd.hdr, 32)))
	if err != nil {
		return 0, err
	}
	var timescale uint32
	var ticks uint64
	switch {
	case len(p) >= 20 && p[0] == 0:
		timescale = binary.BigEndian.Uint32(p[12:16])
		ticks = uint64(binary.BigEndian.Uint32(p[16:20]))
		if ticks == math.MaxUint32 {
			ticks = 0
		}
	case len(p) >= 32 && p[0] == 1:
		timescale = binary.BigEndian.Uint32(p[20:24])
		ticks = binary.BigEndian.Uint64(p[24:32])
		if ticks == math.MaxUint64 {
			ticks = 0
		}
	default:
		return 0, mp4Malformed()
	}
	if ticks == 0 && mvex != nil {
		if ticks, err = mehdDuration(s, *mvex); err != nil {
			return 0, err
		}
	}
	d, ok := ticksToDuration(ticks, uint64(timescale))
	if !ok {
		return 0, noDuration(noDurationVideo)
	}
	return d, nil
}

// mehdDuration returns the fragment_duration of mvex/mehd, or 0.
func mehdDuration(s src, mvex mp4Box) (uint64, error) {
	var ticks uint64
	err := children(s, mvex, func(b mp4Box) error {
		if b.typ != "mehd" || ticks != 0 {
			return nil
		}
		p, err := s.read(b.body(), int(min(b.size-b.hdr, 12)))
		if err != nil {
			return err
		}
		switch {
		case len(p) >= 8 && p[0] == 0:
			ticks = uint64(binary.BigEndian.Uint32(p[4:8]))
		case len(p) >= 12 && p[0] == 1:
			ticks = binary.BigEndian.Uint64(p[4:12])
		default:
			return mp4Malformed()
		}
		return nil
	})
	return ticks, err
}

// maxSeconds keeps a duration inside time.Duration.
const maxSeconds = math.MaxInt64/int64(time.Second) - 1

// ticksToDuration converts ticks of 1/scale second exactly, refusing 0 and
// overflow.
func ticksToDuration(ticks, scale uint64) (time.Duration, bool) {
	if ticks == 0 || scale == 0 {
		return 0, false
	}
	secs, rem := ticks/scale, ticks%scale
	if secs > uint64(maxSeconds) {
		return 0, false
	}
	// rem < scale < 2^32, so rem*1e9 fits in 64 bits.
	d := time.Duration(secs)*time.Second + time.Duration(rem*uint64(time.Second)/scale)
	if d <= 0 {
		return 0, false
	}
	return d, true
}
