package document

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"
	"time"
	"unicode"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// nameChars are about 200 characters of Chinese names: the common
// surnames (compound ones too), common given-name characters, and rarer
// ones registrars see (喆 堃 昇 …, 䶮 from Extension A), plus the dots
// that join the parts of a minority name.
const nameChars = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤" +
	"欧阳司马上官诸葛东方皇甫尉迟公孙慕容长孙宇文令狐端木" +
	"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红梅鑫宇浩轩子涵梓萱一诺欣怡佳琪晨雨泽睿博文思" +
	"喆堃昇珺玥犇淼婧䶮赟昱曌翀彧婕晗玮琰祎燚垚淏玙琤栢玹璟甦旻炘堉珏瑄暐嫚溦琇曦珩璐瑾琛璇钰铠骞煜晟" +
	"·•．"

// layoutText is every fixed string the layout draws, with the characters
// of dates and numbers.
func layoutText() string {
	c := newContent(Certificate{
		Title: "培训合格证明安全生产知识和管理能力考核合格证明", HolderName: "名", MaskedID: "*", Sex: "男女",
		KindName: "特种作业", OperationItem: "作业", Hours: "学时", Score: "分", Issuer: "局", TrainingOrg: "机构",
		Number: "PX", QRCaption: "扫码核验", Status: "已撤销已注销已暂停已过期",
		IssuedOn: time.Now(), ValidUntil: time.Now(), NextReview: time.Now(),
	})
	return string(c.runes()) + "0123456789年月日" + noExpiry
}

func TestFontCovers(t *testing.T) {
	font, err := certSans()
	if err != nil {
		t.Fatal(err)
	}
	var ascii, fullwidth strings.Builder
	for r := rune(0x20); r < 0x7F; r++ {
		ascii.WriteRune(r)
	}
	for r := rune(0xFF01); r <= 0xFF5E; r++ {
		fullwidth.WriteRune(r)
	}
	tests := []struct{ name, chars string }{
		{"layout", layoutText()},
		{"names", nameChars},
		{"ASCII", ascii.String()},
		{"full-width forms", fullwidth.String()},
		{"CJK punctuation", "、。〃《》「」『』【】〔〕〖〗〇“”‘’—…·"},
		{"pinyin", "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜü"},
		{"GB 2312 hanzi", gbHanzi(t, 0xB0, 0xF7)},
		{"GBK hanzi", gbHanzi(t, 0x81, 0xFE)},
	}
	for _, tc := range tests {
		var missing []string
		for _, r := range tc.chars {
			if !font.has(r) {
				missing = append(missing, string(r))
			}
		}
		if len(missing) > 0 {
			t.Errorf("%s: font lacks %d characters: %s", tc.name, len(missing), strings.Join(missing[:min(len(missing), 50)], " "))
		}
	}
}

// gbHanzi decodes every two-byte code with a lead byte from lo to hi as
// GBK and returns the CJK Unified Ideographs among them: lead bytes
// B0–F7 give GB 2312's 6,763, 81–FE all of GBK's.
func gbHanzi(t *testing.T, lo, hi byte) string {
	dec := simplifiedchinese.GBK.NewDecoder()
	var b strings.Builder
	n := 0
	for b1 := int(lo); b1 <= int(hi); b1++ {
		for b2 := 0x40; b2 <= 0xFE; b2++ {
			if b2 == 0x7F || (lo == 0xB0 && b2 < 0xA1) {
				continue
			}
			s, err := dec.String(string([]byte{byte(b1), byte(b2)}))
			if err != nil {
				continue
			}
			for _, r := range s {
				if unicode.Is(unicode.Han, r) && r >= 0x4E00 && r <= 0x9FFF {
					b.WriteRune(r)
					n++
				}
			}
		}
	}
	if want := map[byte]int{0xB0: 6763, 0x81: 20902}[lo]; n < want {
		t.Fatalf("decoded %d hanzi for lead bytes %X–%X, want %d", n, lo, hi, want)
	}
	return b.String()
}

func TestFontCut(t *testing.T) {
	font, err := certSans()
	if err != nil {
		t.Fatal(err)
	}
	chars := []rune(layoutText() + nameChars + " AZaz09")
	cut, err := font.cut(chars)
	if err != nil {
		t.Fatal(err)
	}
	small, err := parseSFNT(cut)
	if err != nil {
		t.Fatalf("cut font does not parse: %v", err)
	}
	if got := checksum(cut); got != 0xB1B0AFBA {
		t.Errorf("font checksum %08X, want B1B0AFBA", got)
	}
	composites := 0
	for _, r := range chars {
		g, sg := font.gid[r], small.gid[r]
		if sg == 0 {
			t.Errorf("cut font does not map %q", r)
			continue
		}
		wantAdv, _ := font.metric(g)
		if adv, _ := small.metric(sg); adv != wantAdv {
			t.Errorf("%q advance %d, want %d", r, adv, wantAdv)
		}
		comps, err := components(small.glyph(sg))
		if err != nil {
			t.Fatal(err)
		}
		if len(comps) > 0 {
			composites++
		}
		srcComps, _ := components(font.glyph(g))
		for i, c := range comps {
			if int(c) >= len(small.loca)-1 {
				t.Errorf("%q has component %d past the %d glyphs", r, c, len(small.loca)-1)
				continue
			}
			// Renumbered, each component is still the same outline.
			want := font.glyph(srcComps[i])
			if simple := len(want) >= 2 && int16(binary.BigEndian.Uint16(want)) >= 0; simple && !bytes.HasPrefix(small.glyph(c), want) {
				t.Errorf("%q component %d is not the source's component %d", r, c, srcComps[i])
			}
		}
	}
	if composites == 0 {
		t.Error("no composite glyph among the test characters: the component renumbering went untested")
	}
	if n := len(small.loca) - 1; n > 3*len(chars) {
		t.Errorf("cut font has %d glyphs for %d characters", n, len(chars))
	}
}
