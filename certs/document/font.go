package document

import (
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
)

// certSansTTF is Droid Sans Fallback Full merged with Roboto Regular, cut to
// Chinese, Latin and punctuation by fonts/mkfont.py; fonts/NOTICE says what
// it covers and under which licence.
//
//go:embed fonts/certsans.ttf
var certSansTTF []byte

// certSans returns the embedded font, parsed on first use. The parsed font
// is read-only and shared by every Render: the per-document font is cut
// from it (fontcut.go), so no document pays to parse 4 MB of TrueType.
var certSans = sync.OnceValues(func() (*sfnt, error) { return parseSFNT(certSansTTF) })

// sfnt is a TrueType font held as views into its file, with the BMP part
// of its Unicode cmap expanded to a table for constant-time lookups.
type sfnt struct {
	tables      map[string][]byte
	glyf, hmtx  []byte
	loca        []uint32 // numGlyphs+1 offsets into glyf
	numHMetrics int
	gid         []uint16 // rune (BMP) to glyph ID; 0 is none
}

// parseSFNT reads the tables a per-document font is cut from. It returns
// an error for anything that is not a TrueType-outline font with a
// Unicode BMP cmap (format 4).
func parseSFNT(b []byte) (*sfnt, error) {
	if len(b) < 12 || binary.BigEndian.Uint32(b) != 0x00010000 {
		return nil, errors.New("document: font is not TrueType")
	}
	f := &sfnt{tables: map[string][]byte{}}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if len(b) < 12+16*n {
		return nil, errors.New("document: font table directory is cut short")
	}
	for i := range n {
		rec := b[12+16*i:]
		off, size := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		if uint64(off)+uint64(size) > uint64(len(b)) {
			return nil, fmt.Errorf("document: font table %q is cut short", rec[:4])
		}
		f.tables[string(rec[:4])] = b[off : off+size]
	}
	for _, tag := range []string{"cmap", "glyf", "head", "hhea", "hmtx", "loca", "maxp", "name", "post"} {
		if len(f.tables[tag]) == 0 {
			return nil, fmt.Errorf("document: font has no %q table", tag)
		}
	}
	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, errors.New("document: font header tables are cut short")
	}
	f.glyf, f.hmtx = f.tables["glyf"], f.tables["hmtx"]
	numGlyphs := int(binary.BigEndian.Uint16(maxp[4:]))
	f.numHMetrics = int(binary.BigEndian.Uint16(hhea[34:]))
	if f.numHMetrics == 0 || f.numHMetrics > numGlyphs || len(f.hmtx) < 2*numGlyphs+2*f.numHMetrics {
		return nil, errors.New("document: font hmtx table does not match its glyph count")
	}
	if err := f.parseLoca(binary.BigEndian.Uint16(head[50:]) == 1, numGlyphs); err != nil {
		return nil, err
	}
	if err := f.parseCmap(); err != nil {
		return nil, err
	}
	return f, nil
}

func (f *sfnt) parseLoca(long bool, numGlyphs int) error {
	loca := f.tables["loca"]
	f.loca = make([]uint32, numGlyphs+1)
	for i := range f.loca {
		var off uint32
		switch {
		case long && len(loca) >= 4*i+4:
			off = binary.BigEndian.Uint32(loca[4*i:])
		case !long && len(loca) >= 2*i+2:
			off = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		default:
			return errors.New("document: font loca table is cut short")
		}
		if off > uint32(len(f.glyf)) || (i > 0 && off < f.loca[i-1]) {
			return errors.New("document: font loca table points outside glyf")
		}
		f.loca[i] = off
	}
	return nil
}

// parseCmap expands the Windows Unicode BMP subtable (3,1, format 4).
func (f *sfnt) parseCmap() error {
	cmap := f.tables["cmap"]
	var sub []byte
	for i := range int(binary.BigEndian.Uint16(cmap[2:])) {
		rec := cmap[4+8*i:]
		if len(rec) < 8 {
			break
		}
		off := binary.BigEndian.Uint32(rec[4:])
		if binary.BigEndian.Uint16(rec) == 3 && binary.BigEndian.Uint16(rec[2:]) == 1 && int(off)+14 <= len(cmap) &&
			binary.BigEndian.Uint16(cmap[off:]) == 4 {
			sub = cmap[off:]
			break
		}
	}
	if sub == nil {
		return errors.New("document: font has no Unicode BMP cmap")
	}
	segs := int(binary.BigEndian.Uint16(sub[6:])) / 2
	if len(sub) < 16+8*segs {
		return errors.New("document: font cmap is cut short")
	}
	ends, starts := sub[14:], sub[16+2*segs:]
	deltas, ranges := sub[16+4*segs:], sub[16+6*segs:]
	f.gid = make([]uint16, 0x10000)
	for s := range segs {
		end, start := int(binary.BigEndian.Uint16(ends[2*s:])), int(binary.BigEndian.Uint16(starts[2*s:]))
		delta, ro := binary.BigEndian.Uint16(deltas[2*s:]), int(binary.BigEndian.Uint16(ranges[2*s:]))
		for c := start; c <= end && c < 0xFFFF; c++ {
			g := uint16(c) + delta
			if ro != 0 {
				at := 16 + 6*segs + 2*s + ro + 2*(c-start)
				if at+2 > len(sub) {
					return errors.New("document: font cmap is cut short")
				}
				if g = binary.BigEndian.Uint16(sub[at:]); g != 0 {
					g += delta
				}
			}
			if int(g) < len(f.loca)-1 {
				f.gid[c] = g
			}
		}
	}
	return nil
}

// has reports whether the font draws r with a glyph of its own.
func (f *sfnt) has(r rune) bool {
	return r >= 0 && r < 0xFFFF && f.gid[r] != 0
}

// glyph returns the outline data of glyph g.
func (f *sfnt) glyph(g uint16) []byte {
	return f.glyf[f.loca[g]:f.loca[g+1]]
}

// metric returns the advance width and left side bearing of glyph g.
func (f *sfnt) metric(g uint16) (advance, lsb uint16) {
	i := int(g)
	if i < f.numHMetrics {
		return binary.BigEndian.Uint16(f.hmtx[4*i:]), binary.BigEndian.Uint16(f.hmtx[4*i+2:])
	}
	advance = binary.BigEndian.Uint16(f.hmtx[4*(f.numHMetrics-1):])
	return advance, binary.BigEndian.Uint16(f.hmtx[4*f.numHMetrics+2*(i-f.numHMetrics):])
}
