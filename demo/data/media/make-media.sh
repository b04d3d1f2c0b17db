#!/usr/bin/env bash
# make-media.sh — builds the demo course media of the anpei (安培) platform.
#
# What it makes (all in demo/data/media/):
#   hazard-intro.webm   ~90 s, 640x360, VP8 + Opus WebM: six title-card slides
#                       (15 s each) introducing 《工贸企业重大事故隐患判定标准》
#                       (应急管理部令第10号): what it is, who issued it, when it
#                       took effect, scope and structure, the general items, the
#                       special items, what an enterprise must do on finding one.
#                       A running timecode (HH:MM:SS.mmm) in the bottom-right
#                       corner lets a test see playback move. The audio is a quiet
#                       short chime at each slide change (so an audio track exists).
#   hazard-intro.mp4    the same as H.264 (libx264) + AAC MP4, +faststart
#                       (skipped with a message if libx264 is not available).
#   emergency-card.pdf  A4 有限空间作业事故应急处置卡 (3 pages), printed by
#                       headless Chromium from emergency-card.html (in this dir).
#
# Needs: ffmpeg (with libvpx, libopus, drawtext/libfreetype + libfontconfig;
#        libx264 for the MP4), fonts-noto-cjk (Noto Sans CJK SC), chromium.
#        Optional: python3 with fontTools (Debian: python3-fonttools). With it
#        the PDF embeds small TrueType subsets of Noto Sans CJK SC (~240 KB
#        PDF); without it Chromium falls back to Type 3 glyphs (~700 KB).
#        On Debian: apt-get install -y ffmpeg chromium fonts-noto-cjk python3-fonttools
#
# Run from the repository root:   bash demo/data/media/make-media.sh
# (it also works from anywhere: it cds to the repo root from its own path).
#
# Determinism: video and audio are encoded single-threaded with bitexact
# flags and no metadata, so the same ffmpeg/libvpx/libx264 build gives the
# same bytes on every run. The PDF carries Chromium's creation date and a
# document ID, so its bytes differ between runs (its content does not).
#
# The slide text is in this script (the heredocs below). Font note: the
# Noto CJK .ttc holds several faces and face 0 is the Japanese one, whose
# glyphs differ for some characters (直, 骨, 户 …). drawtext's fontfile=
# always takes face 0, so we select the Simplified Chinese face by family
# name through fontconfig (font='Noto Sans CJK SC') after checking with
# fc-match that it resolves to a Noto CJK file.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/../../.."          # repo root
out="demo/data/media"

need() { command -v "$1" >/dev/null 2>&1 || { echo "make-media: $1 not found ($2)" >&2; exit 1; }; }
need ffmpeg "apt-get install -y ffmpeg"
need ffprobe "apt-get install -y ffmpeg"
need fc-match "apt-get install -y fontconfig"

FAMILY="Noto Sans CJK SC"
FONT_FILE="$(fc-match -f '%{file}' "$FAMILY" 2>/dev/null || true)"
case "$FONT_FILE" in
  *NotoSansCJK*|*NotoSansSC*|*NotoSans-*CJK*) ;;
  *) FONT_FILE=/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
     [ -f "$FONT_FILE" ] || { echo "make-media: Noto Sans CJK not found (apt-get install -y fonts-noto-cjk)" >&2; exit 1; }
     echo "make-media: warning: fontconfig does not resolve '$FAMILY'; drawtext may pick another face" >&2 ;;
esac
echo "make-media: font $FAMILY -> $FONT_FILE"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

SLIDE=15          # seconds per slide
FPS=15            # enough for a running timecode; fewer frames, sharper text per bit
NSLIDES=6
DUR=$((SLIDE * NSLIDES))

# ---------------------------------------------------------------- slide text
# Per slide: sN.txt is the header line, sN-body.txt the body (slide 1 has
# its own title-card layout: s1-big.txt and s1-sub.txt).
cat >"$tmp/s1.txt" <<'EOF'
安培 · 安全生产培训示范课程
EOF
cat >"$tmp/s1-big.txt" <<'EOF'
工贸企业重大事故隐患判定标准
EOF
cat >"$tmp/s1-sub.txt" <<'EOF'
是什么　管什么　发现了怎么办

依据：应急管理部令第10号（2023年）
示范课程 · 约1分30秒 · 共6页
EOF
cat >"$tmp/s2.txt" <<'EOF'
一、标准是什么、谁发布、何时施行
EOF
cat >"$tmp/s2-body.txt" <<'EOF'
● 名称：《工贸企业重大事故隐患判定标准》
● 发布：应急管理部令第10号，属部门规章
● 公布：2023年4月14日
● 施行：2023年5月15日起
● 原《工贸行业重大生产安全事故隐患判定标准》
　（安监总管四〔2017〕129号）同时废止
● 上位法：《安全生产法》要求有关部门制定
　重大事故隐患判定标准
EOF
cat >"$tmp/s3.txt" <<'EOF'
二、适用范围与结构
EOF
cat >"$tmp/s3-body.txt" <<'EOF'
● 适用于冶金、有色、建材、机械、轻工、纺织、
　烟草、商贸等工贸企业
● 涉及危险化学品、消防（火灾）、燃气、特种设备
　等方面的重大事故隐患另有规定的，适用其规定
● 共64项：管理类3项　行业类47项　专项类14项
● 专项类：存在粉尘爆炸危险、使用液氨制冷、
　存在硫化氢和一氧化碳等中毒风险的有限空间作业
EOF
cat >"$tmp/s4.txt" <<'EOF'
三、管理类重大事故隐患（适用于所有工贸企业）
EOF
cat >"$tmp/s4-body.txt" <<'EOF'
1. 未对承包单位、承租单位的安全生产工作统一
　 协调、管理，或者未定期进行安全检查
2. 特种作业人员未按照规定经专门的安全作业培训
　 并取得相应资格，上岗作业
3. 金属冶炼企业主要负责人、安全生产管理人员
　 未按照规定经考核合格
EOF
cat >"$tmp/s5.txt" <<'EOF'
四、专项类重大事故隐患（举例）
EOF
cat >"$tmp/s5-body.txt" <<'EOF'
粉尘防爆　粉尘爆炸危险场所设在非框架结构多层建筑内；
　　　　　干式除尘系统未采取泄爆、惰化、抑爆任一措施
液氨制冷　包装、分割、产品整理场所空调氨直接蒸发制冷；
　　　　　快速冻结装置作业间内作业人员超过9人
有限空间　未辨识、未建台账且未设明显安全警示标志；
　　　　　未审批、未“先通风、再检测、后作业”、
　　　　　作业现场未设监护人员
EOF
cat >"$tmp/s6.txt" <<'EOF'
五、发现重大事故隐患怎么办
EOF
cat >"$tmp/s6-body.txt" <<'EOF'
● 立即采取措施，必要时局部或全部停产停业、撤出人员
● 制定治理方案，措施、责任、资金、时限、预案“五到位”
● 如实记录，及时向负有安全生产监督管理职责的部门
　和职工大会或职工代表大会报告（《安全生产法》第41条）
● 治理完成后评估验收、销号，建立自查自改常态化机制
● 拒不执行整改的，依法责令停产停业整顿并处罚款；
　有发生重大伤亡事故现实危险的，可构成危险作业罪
EOF
cat >"$tmp/foot.txt" <<'EOF'
依据：应急管理部令第10号《工贸企业重大事故隐患判定标准》　具体条款以原文为准
EOF

# ------------------------------------------------------------ filter graph
BG=0xF5F8FC; BLUE=0x1F5FAE; DARK=0x0E3F7A; INK=0x1A2B40; PALE=0xE3ECF7
F="font='$FAMILY'"
on() { echo "enable='between(t\\,$(( ($1-1)*SLIDE ))\\,$(( $1*SLIDE ))-0.001)'"; }

{
  echo "color=c=$BG:s=640x360:r=$FPS:d=$DUR,format=yuv420p,"
  echo "drawbox=x=0:y=0:w=640:h=54:color=$BLUE:t=fill,"
  echo "drawbox=x=0:y=54:w=640:h=3:color=$DARK:t=fill,"
  echo "drawbox=x=0:y=328:w=640:h=32:color=$PALE:t=fill,"
  echo "drawbox=x=0:y=327:w=640:h=1:color=0x9FB9DA:t=fill,"
  # slide 1: title card
  echo "drawtext=$F:expansion=none:textfile=$tmp/s1.txt:fontsize=20:fontcolor=white:x=24:y=15:$(on 1),"
  echo "drawbox=x=60:y=104:w=520:h=64:color=$BLUE:t=fill:$(on 1),"
  echo "drawtext=$F:expansion=none:textfile=$tmp/s1-big.txt:fontsize=32:fontcolor=white:x=(w-tw)/2:y=118:$(on 1),"
  echo "drawtext=$F:expansion=none:textfile=$tmp/s1-sub.txt:fontsize=17:fontcolor=$INK:line_spacing=8:x=(w-tw)/2:y=188:$(on 1),"
  # slides 2..6: header + body
  for i in 2 3 4 5 6; do
    echo "drawtext=$F:expansion=none:textfile=$tmp/s$i.txt:fontsize=21:fontcolor=white:x=24:y=14:$(on $i),"
    echo "drawtext=$F:expansion=none:textfile=$tmp/s$i-body.txt:fontsize=18:fontcolor=$INK:line_spacing=11:x=30:y=76:$(on $i),"
  done
  # footer: source, page number, running timecode
  echo "drawtext=$F:expansion=none:textfile=$tmp/foot.txt:fontsize=11:fontcolor=$DARK:x=12:y=338,"
  for i in 1 2 3 4 5 6; do
    echo "drawtext=$F:expansion=none:text='$i/$NSLIDES':fontsize=13:fontcolor=$DARK:x=500:y=337:$(on $i),"
  done
  echo "drawtext=$F:text='%{pts\\:hms}':fontsize=13:fontcolor=$DARK:x=538:y=337"
} >"$tmp/video.filter"

# Audio: a soft 660 Hz chime, decaying over ~1 s, at the start of each slide.
AUDIO="aevalsrc=exprs='0.06*sin(2*PI*660*t)*exp(-5*mod(t\\,$SLIDE))':s=48000:d=$DUR"

BITEXACT=(-fflags +bitexact -flags:v +bitexact -flags:a +bitexact -map_metadata -1 -threads 1)

echo "make-media: encoding $out/hazard-intro.webm"
ffmpeg -hide_banner -loglevel error -y \
  -f lavfi -i "$(tr -d '\n' <"$tmp/video.filter")" \
  -f lavfi -i "$AUDIO" \
  -map 0:v -map 1:a -t "$DUR" \
  -c:v libvpx -deadline good -cpu-used 0 -b:v 110k -minrate 0 -maxrate 300k -bufsize 600k \
  -crf 12 -g 125 -keyint_min 25 -auto-alt-ref 1 -lag-in-frames 16 \
  -c:a libopus -b:a 24k -ac 1 -ar 48000 \
  "${BITEXACT[@]}" \
  "$out/hazard-intro.webm"

encoders="$(ffmpeg -hide_banner -encoders 2>/dev/null)"
if grep -q ' libx264 ' <<<"$encoders"; then
  echo "make-media: encoding $out/hazard-intro.mp4"
  ffmpeg -hide_banner -loglevel error -y \
    -f lavfi -i "$(tr -d '\n' <"$tmp/video.filter")" \
    -f lavfi -i "$AUDIO" \
    -map 0:v -map 1:a -t "$DUR" \
    -c:v libx264 -preset slow -tune stillimage -crf 30 -maxrate 300k -bufsize 600k \
    -profile:v main -pix_fmt yuv420p -g 125 -x264-params "threads=1:lookahead-threads=1" \
    -c:a aac -b:a 48k -ac 1 -ar 48000 \
    -movflags +faststart \
    "${BITEXACT[@]}" \
    "$out/hazard-intro.mp4"
else
  echo "make-media: libx264 not available; skipping $out/hazard-intro.mp4" >&2
fi

# --------------------------------------------------------------------- PDF
# Chromium (Skia) cannot embed the CFF outlines of the Noto CJK collection as
# a CID font and writes every glyph as a Type 3 procedure instead, which makes
# the PDF ~700 KB. When fontTools is available we cut the Simplified Chinese
# face down to the characters of the card, convert it to TrueType outlines,
# and hand it to Chromium with an @font-face in a temporary copy of the HTML;
# Chromium then embeds compact CIDFontType2 subsets.
subset_fonts() { # $1 = python with fontTools; writes $tmp/card-Regular.ttf, $tmp/card-Bold.ttf
  cat >"$tmp/subset.py" <<'PY'
import sys
from fontTools.ttLib import TTFont, TTCollection, newTable
from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen

src, family, textfile, out = sys.argv[1:5]
text = open(textfile, encoding="utf-8").read()
faces = TTCollection(src).fonts if src.lower().endswith((".ttc", ".otc")) else None
index = 0
if faces:
    index = next(i for i, f in enumerate(faces) if f["name"].getDebugName(1) == family)
font = TTFont(src, fontNumber=index)
opts = subset.Options()
opts.name_IDs = ["*"]
opts.name_languages = ["*"]
opts.notdef_outline = True
opts.hinting = False
opts.desubroutinize = True
sub = subset.Subsetter(opts)
sub.populate(text=text + "".join(map(chr, range(0x20, 0x7F))))
sub.subset(font)
if "CFF " in font:  # CFF -> TrueType (quadratic) outlines
    order = font.getGlyphOrder()
    gs = font.getGlyphSet()
    glyphs = {}
    for g in order:
        pen = TTGlyphPen(gs)
        gs[g].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[g] = pen.glyph()
    font["loca"] = newTable("loca")
    glyf = font["glyf"] = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = glyphs
    del font["CFF "]
    if "VORG" in font:
        del font["VORG"]
    glyf.compile(font)
    hmtx = font["hmtx"]
    for g in order:
        if hasattr(glyf[g], "xMin"):
            hmtx[g] = (hmtx[g][0], glyf[g].xMin)
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.maxZones = 1
    for k in ("maxTwilightPoints", "maxStorage", "maxFunctionDefs", "maxInstructionDefs",
              "maxStackElements", "maxSizeOfInstructions", "maxComponentElements"):
        setattr(maxp, k, 0)
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font.sfntVersion = "\x00\x01\x00\x00"
font.save(out)
PY
  local w file
  for w in Regular Bold; do
    file="$(fc-match -f '%{file}' "$FAMILY:style=$w" 2>/dev/null || true)"
    [ -f "$file" ] || return 1
    "$1" "$tmp/subset.py" "$file" "$FAMILY" "$out/emergency-card.html" "$tmp/card-$w.ttf" || return 1
  done
}

chrome=""
for c in chromium chromium-browser google-chrome; do
  if command -v "$c" >/dev/null 2>&1; then chrome="$c"; break; fi
done
if [ -z "$chrome" ]; then
  echo "make-media: chromium not found (apt-get install -y chromium); skipping PDF" >&2
else
  py=""
  for c in python3 /usr/bin/python3; do
    if command -v "$c" >/dev/null 2>&1 && "$c" -c 'import fontTools' 2>/dev/null; then py="$c"; break; fi
  done
  html="$PWD/$out/emergency-card.html"
  if [ -n "$py" ] && subset_fonts "$py"; then
    echo "make-media: embedding TrueType subsets of $FAMILY (fontTools via $py)"
    face="@font-face{font-family:'AnpeiCardSans';font-weight:400;src:url('card-Regular.ttf')}"
    face="$face@font-face{font-family:'AnpeiCardSans';font-weight:700;src:url('card-Bold.ttf')}"
    face="$face html{font-family:'AnpeiCardSans','$FAMILY',sans-serif}"
    sed "s#</head>#<style>$face</style></head>#" "$out/emergency-card.html" >"$tmp/card.html"
    html="$tmp/card.html"
  else
    echo "make-media: warning: python3 fontTools not available; the PDF will use Type 3 glyphs and be larger" >&2
  fi
  echo "make-media: printing $out/emergency-card.pdf"
  # --no-pdf-header-footer is the current flag, --print-to-pdf-no-header the
  # older one; Chromium ignores the one it does not know.
  timeout 180 "$chrome" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$tmp/chrome" --no-first-run --no-default-browser-check \
    --no-pdf-header-footer --print-to-pdf-no-header \
    --print-to-pdf="$PWD/$out/emergency-card.pdf" \
    "file://$html" >"$tmp/chrome.log" 2>&1 \
    || { cat "$tmp/chrome.log" >&2; echo "make-media: chromium failed" >&2; exit 1; }
fi

# ------------------------------------------------------------------ report
for f in hazard-intro.webm hazard-intro.mp4 emergency-card.pdf; do
  p="$out/$f"
  [ -f "$p" ] || continue
  size=$(stat -c %s "$p")
  case "$f" in
    *.pdf) echo "make-media: $p  $size bytes" ;;
    *)     d=$(ffprobe -v error -show_entries format=duration -of default=nw=1:nk=1 "$p")
           echo "make-media: $p  $size bytes  duration ${d}s" ;;
  esac
done
