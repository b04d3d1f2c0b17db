package document

import (
	"encoding/binary"
	"errors"
	"slices"
	"sort"
)

// This file cuts, for each document, a TrueType font holding only the
// glyphs that document draws. fpdf parses every font a document adds and
// parses it again when it writes its own subset, 25–40 ms for the whole
// 4 MB font; it has no way to share a parsed font between documents. The
// shared, parsed font is certSans; what fpdf sees is the few dozen glyphs
// cut from it here, which it parses in microseconds.

// Composite glyph flags (TrueType glyf table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	haveTwoByTwo   = 0x0080
)

// cut returns a TrueType font with the glyphs of runes (each of which
// f.has) and the glyphs they are composed of, renumbered from 1, and a
// format 4 cmap for exactly those runes. It returns an error only for a
// malformed composite glyph in f.
func (f *sfnt) cut(runes []rune) ([]byte, error) {
	runes = slices.Clone(runes)
	slices.Sort(runes)
	runes = slices.Compact(runes)

	// Old glyph IDs to keep: .notdef, the runes' glyphs, their components.
	keep := map[uint16]bool{0: true}
	todo := []uint16{0}
	for _, r := range runes {
		if g := f.gid[r]; !keep[g] {
			keep[g] = true
			todo = append(todo, g)
		}
	}
	for len(todo) > 0 {
		g := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		comps, err := components(f.glyph(g))
		if err != nil {
			return nil, err
		}
		for _, c := range comps {
			if int(c) >= len(f.loca)-1 {
				return nil, errors.New("document: font composite glyph names a glyph that does not exist")
			}
			if !keep[c] {
				keep[c] = true
				todo = append(todo, c)
			}
		}
	}
	old := make([]uint16, 0, len(keep))
	for g := range keep {
		old = append(old, g)
	}
	slices.Sort(old)
	renum := make(map[uint16]uint16, len(old))
	for i, g := range old {
		renum[g] = uint16(i)
	}

	var glyf, loca, hmtx []byte
	for _, g := range old {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		start := len(glyf)
		glyf = append(glyf, f.glyph(g)...)
		if err := renumberComponents(glyf[start:], renum); err != nil {
			return nil, err
		}
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		adv, lsb := f.metric(g)
		hmtx = binary.BigEndian.AppendUint16(hmtx, adv)
		hmtx = binary.BigEndian.AppendUint16(hmtx, lsb)
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	n := uint16(len(old))
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], n)
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], n)
	post := slices.Clone(f.tables["post"][:32])
	binary.BigEndian.PutUint32(post, 0x00030000) // no glyph names

	tables := map[string][]byte{
		"cmap": cmap4(runes, func(r rune) uint16 { return renum[f.gid[r]] }),
		"glyf": glyf, "head": head, "hhea": hhea, "hmtx": hmtx, "loca": loca,
		"maxp": maxp, "name": f.tables["name"], "post": post,
	}
	if os2 := f.tables["OS/2"]; os2 != nil {
		tables["OS/2"] = os2
	}
	return assemble(tables), nil
}

// components returns the glyph IDs a composite glyph is made of, or none
// for a simple glyph.
func components(g []byte) ([]uint16, error) {
	var ids []uint16
	err := eachComponent(g, func(at int) { ids = append(ids, binary.BigEndian.Uint16(g[at:])) })
	return ids, err
}

// renumberComponents rewrites, in place, the component IDs of composite
// glyph g.
func renumberComponents(g []byte, renum map[uint16]uint16) error {
	return eachComponent(g, func(at int) {
		binary.BigEndian.PutUint16(g[at:], renum[binary.BigEndian.Uint16(g[at:])])
	})
}

// eachComponent calls do with the offset of each component's glyph ID in
// composite glyph g; a simple or empty glyph has none.
func eachComponent(g []byte, do func(at int)) error {
	if len(g) < 10 || int16(binary.BigEndian.Uint16(g)) >= 0 {
		return nil
	}
	for at := 10; ; {
		if at+4 > len(g) {
			return errors.New("document: font composite glyph is cut short")
		}
		flags := binary.BigEndian.Uint16(g[at:])
		do(at + 2)
		at += 4
		if flags&argsAreWords != 0 {
			at += 4
		} else {
			at += 2
		}
		switch {
		case flags&haveScale != 0:
			at += 2
		case flags&haveXYScale != 0:
			at += 4
		case flags&haveTwoByTwo != 0:
			at += 8
		}
		if flags&moreComponents == 0 {
			return nil
		}
	}
}

// cmap4 returns a cmap table with one Windows Unicode BMP subtable mapping
// the sorted runes; each run of consecutive runes with consecutive glyphs is
// one segment.
func cmap4(runes []rune, glyph func(rune) uint16) []byte {
	type seg struct{ start, end, delta uint16 }
	var segs []seg
	for _, r := range runes {
		g := glyph(r)
		if k := len(segs) - 1; k >= 0 && int(segs[k].end)+1 == int(r) && segs[k].end+segs[k].delta+1 == g {
			segs[k].end++
			continue
		}
		segs = append(segs, seg{uint16(r), uint16(r), g - uint16(r)})
	}
	segs = append(segs, seg{0xFFFF, 0xFFFF, 1})
	n := len(segs)
	search, selector := 1, 0
	for search*2 <= n {
		search, selector = search*2, selector+1
	}
	sub := make([]byte, 0, 16+8*n)
	for _, v := range []int{4, 16 + 8*n, 0, 2 * n, 2 * search, selector, 2*n - 2*search} {
		sub = binary.BigEndian.AppendUint16(sub, uint16(v))
	}
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.end)
	}
	sub = binary.BigEndian.AppendUint16(sub, 0) // reservedPad
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.start)
	}
	for _, s := range segs {
		sub = binary.BigEndian.AppendUint16(sub, s.delta)
	}
	for range segs {
		sub = binary.BigEndian.AppendUint16(sub, 0) // idRangeOffset
	}
	cmap := []byte{0, 0, 0, 1, 0, 3, 0, 1, 0, 0, 0, 12}
	return append(cmap, sub...)
}

// assemble writes an sfnt file: table directory sorted by tag, tables
// 4-byte aligned, checksums and head's checkSumAdjustment filled in.
func assemble(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	sort.Strings(tags)
	n := len(tags)
	search, selector := 1, 0
	for search*2 <= n {
		search, selector = search*2, selector+1
	}
	size := 12 + 16*n
	for _, t := range tags {
		size += (len(tables[t]) + 3) &^ 3
	}
	out := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(out, 0x00010000)
	binary.BigEndian.PutUint16(out[4:], uint16(n))
	binary.BigEndian.PutUint16(out[6:], uint16(16*search))
	binary.BigEndian.PutUint16(out[8:], uint16(selector))
	binary.BigEndian.PutUint16(out[10:], uint16(16*n-16*search))
	headAt := 0
	for i, t := range tags {
		data := tables[t]
		rec := out[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], checksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(out)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		if t == "head" {
			headAt = len(out)
		}
		out = append(out, data...)
		for len(out)%4 != 0 {
			out = append(out, 0)
		}
	}
	binary.BigEndian.PutUint32(out[headAt+8:], 0xB1B0AFBA-checksum(out))
	return out
}

// checksum is the TrueType table checksum: the sum of big-endian uint32s,
// the last one zero-padded.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return sum + binary.BigEndian.Uint32(last[:])
}
