#!/usr/bin/python3
"""Regenerate certsans.ttf, the font embedded in certificate PDFs.

certsans.ttf is Droid Sans Fallback Full (Chinese) merged with Roboto
Regular (Latin, Greek, Cyrillic, punctuation), both Apache-2.0, both from
Debian bookworm:

    apt-get install fonts-droid-fallback fonts-roboto-unhinted python3-fonttools
    /usr/bin/python3 certs/document/fonts/mkfont.py

Droid Sans Fallback has no Latin letters or digits at all (it was Android's
fallback behind Roboto), so the Latin part comes from Roboto. Roboto is
scaled from 2048 to Droid's 256 units per em so that the two can be merged
into one font; one font keeps the PDF layout simple and costs one font
parse per document.

What is kept (see COVER_* below), everything else is dropped:
  - from Droid: every CJK Unified Ideograph it has (U+4E00-9FFF: all 20,902
    of GBK and GB 18030's BMP set), CJK Extension A (U+3400-4DBF, 6,582),
    compatibility ideographs, CJK symbols and punctuation, full-width forms,
    and every other GB 2312 character it has (kana, bopomofo, box drawing,
    enclosed numbers);
  - from Roboto: ASCII, Latin-1, Latin Extended-A, the pinyin letters of
    Latin Extended-B, Greek, Cyrillic, general punctuation (“” ‘’ — … ·),
    currency, letterlike symbols (℃ №), Roman numerals and whatever it has
    of the arrow, mathematical and geometric blocks (a few signs).
Hinting, OpenType layout tables and vertical metrics are dropped: the PDF
only needs outlines and advance widths.

The script prints what it covers and the GB 2312 characters neither font
has; font_test.go checks the same from Go.
"""

import hashlib
import os
import sys
import tempfile

from fontTools import subset
from fontTools.merge import Merger
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem

DROID = "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf"
ROBOTO = "/usr/share/fonts/truetype/roboto/unhinted/RobotoTTF/Roboto-Regular.ttf"
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "certsans.ttf")
FAMILY = "Anpei Cert Sans"

COVER_DROID = [
    (0x3000, 0x303F),  # CJK symbols and punctuation
    (0x3040, 0x30FF),  # kana (in GB 2312)
    (0x3100, 0x312F),  # bopomofo (in GB 2312)
    (0x3200, 0x32FF),  # enclosed CJK
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0xFE30, 0xFE4F),  # CJK compatibility forms
    (0xFF01, 0xFFEF),  # full-width and half-width forms
    (0x2460, 0x24FF),  # enclosed alphanumerics ①⑴⒈ (in GB 2312)
    (0x2500, 0x257F),  # box drawing (in GB 2312)
]

COVER_ROBOTO = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1
    (0x0100, 0x017F),  # Latin Extended-A
    (0x01CD, 0x01DC),  # pinyin ǎ ǐ ǒ ǔ ǖ ǘ ǚ ǜ
    (0x0250, 0x02FF),  # IPA and spacing modifiers ˇ ˉ
    (0x0370, 0x03FF),  # Greek
    (0x0400, 0x045F),  # Cyrillic
    (0x2010, 0x205E),  # general punctuation
    (0x20A0, 0x20CF),  # currency
    (0x2100, 0x215F),  # letterlike symbols and number forms
    (0x2160, 0x218F),  # Roman numerals
    (0x2190, 0x21FF),  # arrows
    (0x2200, 0x22FF),  # mathematical operators
    (0x2300, 0x23FF),  # miscellaneous technical ⌒
    (0x25A0, 0x25FF),  # geometric shapes
    (0x2600, 0x26FF),  # miscellaneous symbols ★ ☆ ♀ ♂
]


def gb2312():
    chars = set()
    for b1 in range(0xA1, 0xF8):
        for b2 in range(0xA1, 0xFF):
            try:
                chars.add(ord(bytes([b1, b2]).decode("gb2312")))
            except UnicodeDecodeError:
                pass
    return chars


def wanted(cmap, ranges, extra):
    want = {c for lo, hi in ranges for c in range(lo, hi + 1)} | extra
    return sorted(c for c in want if c in cmap)


def cut(path, unicodes, out, upem=None):
    font = TTFont(path)
    if upem:
        scale_upem(font, upem)
    opts = subset.Options()
    opts.layout_features = []
    opts.hinting = False
    opts.drop_tables += ["GSUB", "GPOS", "GDEF", "vhea", "vmtx", "DSIG", "gasp"]
    opts.notdef_outline = True
    opts.glyph_names = False
    opts.name_IDs = ["*"]
    opts.name_languages = ["*"]
    s = subset.Subsetter(opts)
    s.populate(unicodes=unicodes)
    s.subset(font)
    font.save(out)


def rename(font):
    """Give the merged font its own name: it is a modified Droid/Roboto."""
    name = font["name"]
    notes = {
        0: "Digitized data copyright Google Corporation 2006-2015. "
        "Modified for anpei: subset of Droid Sans Fallback Full merged with Roboto Regular.",
        1: FAMILY,
        3: FAMILY + " Regular",
        4: FAMILY + " Regular",
        6: "AnpeiCertSans-Regular",
        13: "Licensed under the Apache License, Version 2.0",
        14: "http://www.apache.org/licenses/LICENSE-2.0",
    }
    name.names = [n for n in name.names if n.nameID not in notes and n.nameID != 7]
    for nid, text in notes.items():
        name.setName(text, nid, 3, 1, 0x409)


def main():
    for p in (DROID, ROBOTO):
        if not os.path.exists(p):
            sys.exit(f"missing {p}: apt-get install fonts-droid-fallback fonts-roboto-unhinted")
    gb = gb2312()
    droid_cmap = TTFont(DROID).getBestCmap()
    roboto_cmap = TTFont(ROBOTO).getBestCmap()
    latin = wanted(roboto_cmap, COVER_ROBOTO, gb)
    cjk = [c for c in wanted(droid_cmap, COVER_DROID, gb) if c not in set(latin)]
    with tempfile.TemporaryDirectory() as tmp:
        a, b = os.path.join(tmp, "droid.ttf"), os.path.join(tmp, "roboto.ttf")
        cut(DROID, cjk, a)
        cut(ROBOTO, latin, b, upem=256)
        merged = Merger().merge([a, b])
    rename(merged)
    # The same inputs give the same bytes: keep Droid's dates.
    merged.recalcTimestamp = False
    merged["head"].created = merged["head"].modified = TTFont(DROID)["head"].modified
    merged.save(OUT)

    font = TTFont(OUT)
    cmap = font.getBestCmap()
    missing = sorted(c for c in gb if c not in cmap)
    ideo = sum(1 for c in cmap if 0x4E00 <= c <= 0x9FFF)
    ext_a = sum(1 for c in cmap if 0x3400 <= c <= 0x4DBF)
    print(f"{OUT}: {os.path.getsize(OUT)} bytes, {len(cmap)} characters, {font['maxp'].numGlyphs} glyphs")
    print(f"  {len(cjk)} from Droid ({ideo} URO + {ext_a} Extension A ideographs), {len(latin)} from Roboto")
    print(f"  GB 2312: {len(gb) - len(missing)} of {len(gb)}; missing: {''.join(map(chr, missing))}")
    with open(OUT, "rb") as f:
        print(f"  sha256 {hashlib.sha256(f.read()).hexdigest()}")


if __name__ == "__main__":
    main()
