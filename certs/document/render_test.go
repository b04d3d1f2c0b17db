package document

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"anpei/fault"
)

func TestRenderTextExtracts(t *testing.T) {
	tests := []struct {
		name string
		edit func(*Certificate)
	}{
		{"typical", func(*Certificate) {}},
		{"manager exam, no optional fields", func(c *Certificate) {
			c.Title = "安全生产知识和管理能力考核合格证明"
			c.KindName = "生产经营单位主要负责人"
			c.Sex, c.OperationItem, c.Hours, c.Score, c.TrainingOrg = "", "", "", "", ""
			c.ValidUntil, c.NextReview = time.Time{}, time.Time{}
		}},
		{"rare name characters", func(c *Certificate) { c.HolderName = "欧阳喆堃" }},
		{"extension A name", func(c *Certificate) { c.HolderName = "刘䶮" }},
		{"minority name with middle dot", func(c *Certificate) { c.HolderName = "阿卜杜热合曼·买买提明" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := sample()
			tc.edit(&d)
			pdf := renderPDF(t, d)
			writePreview(t, strings.ReplaceAll(tc.name, " ", "_"), pdf)
			text := pageText(t, pdf)
			for _, want := range []string{d.HolderName, d.Number, d.KindName, d.Title, d.Issuer, d.MaskedID, "经考核合格，特发此证。"} {
				if !strings.Contains(text, want) {
					t.Errorf("extracted text lacks %q:\n%s", want, text)
				}
			}
			if d.ValidUntil.IsZero() && !strings.Contains(text, "长期有效") {
				t.Errorf("no expiry, but text lacks 长期有效:\n%s", text)
			}
		})
	}
}

func TestRenderWatermark(t *testing.T) {
	for _, status := range []string{"", "已撤销", "已注销", "已暂停"} {
		d := sample()
		d.Status = status
		text := pageText(t, renderPDF(t, d))
		for _, s := range []string{"已撤销", "已注销", "已暂停"} {
			if got, want := strings.Contains(text, s), s == status; got != want {
				t.Errorf("Status %q: text contains %q = %v, want %v", status, s, got, want)
			}
		}
	}
}

func TestRenderDeterministic(t *testing.T) {
	a, b := renderPDF(t, sample()), renderPDF(t, sample())
	if !bytes.Equal(a, b) {
		t.Error("the same certificate rendered to different bytes")
	}
	d := sample()
	d.Number = "PX-2026-000124-8M5R"
	if bytes.Equal(a, renderPDF(t, d)) {
		t.Error("different certificates rendered to the same bytes")
	}
}

// Documents made at once share only the parsed font, which they read.
func TestRenderConcurrent(t *testing.T) {
	want := renderPDF(t, sample())
	errs := make(chan error, 8)
	for range 8 {
		go func() {
			var b bytes.Buffer
			err := Render(&b, sample())
			if err == nil && !bytes.Equal(b.Bytes(), want) {
				err = errors.New("concurrent Render made different bytes")
			}
			errs <- err
		}()
	}
	for range 8 {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestRenderRejects(t *testing.T) {
	long := func(n int) string { return strings.Repeat("安", n) }
	tests := []struct {
		name  string
		edit  func(*Certificate)
		want  *fault.Error
		field string
	}{
		{"empty name", func(c *Certificate) { c.HolderName = "  " }, ErrInvalid, "HolderName"},
		{"empty title", func(c *Certificate) { c.Title = "" }, ErrInvalid, "Title"},
		{"empty issuer", func(c *Certificate) { c.Issuer = "" }, ErrInvalid, "Issuer"},
		{"empty number", func(c *Certificate) { c.Number = "" }, ErrInvalid, "Number"},
		{"empty kind", func(c *Certificate) { c.KindName = "" }, ErrInvalid, "KindName"},
		{"empty payload", func(c *Certificate) { c.QRPayload = "" }, ErrInvalid, "QRPayload"},
		{"zero issue date", func(c *Certificate) { c.IssuedOn = time.Time{} }, ErrInvalid, "IssuedOn"},
		{"expiry before issue", func(c *Certificate) { c.ValidUntil = c.IssuedOn.AddDate(0, 0, -1) }, ErrInvalid, "ValidUntil"},
		{"review before issue", func(c *Certificate) { c.NextReview = c.IssuedOn.AddDate(-1, 0, 0) }, ErrInvalid, "NextReview"},
		{"name too long", func(c *Certificate) { c.HolderName = long(31) }, ErrInvalid, "HolderName"},
		{"title too long", func(c *Certificate) { c.Title = long(31) }, ErrInvalid, "Title"},
		{"issuer too long", func(c *Certificate) { c.Issuer = long(31) }, ErrInvalid, "Issuer"},
		{"org too long", func(c *Certificate) { c.TrainingOrg = long(41) }, ErrInvalid, "TrainingOrg"},
		{"status too long", func(c *Certificate) { c.Status = long(9) }, ErrInvalid, "Status"},
		{"number too long", func(c *Certificate) { c.Number = strings.Repeat("X", 41) }, ErrInvalid, "Number"},
		{"number not ASCII", func(c *Certificate) { c.Number = "证PX-1" }, ErrInvalid, "Number"},
		{"payload too long", func(c *Certificate) { c.QRPayload = strings.Repeat("a", MaxQRPayload+1) }, ErrInvalid, "QRPayload"},
		{"ID not masked", func(c *Certificate) { c.MaskedID = "530302199001011234" }, ErrInvalid, "MaskedID"},
		{"newline in name", func(c *Certificate) { c.HolderName = "张\n晓明" }, ErrInvalid, "HolderName"},
		{"invalid UTF-8", func(c *Certificate) { c.KindName = "特种\xff作业" }, ErrInvalid, "KindName"},
		{"name outside the BMP", func(c *Certificate) { c.HolderName = "王𬌗" }, ErrUnprintable, "HolderName"},
		{"zero-width space", func(c *Certificate) { c.Issuer = "麒麟区\u200b应急管理局" }, ErrUnprintable, "Issuer"},
		{"emoji", func(c *Certificate) { c.Score = "92 分 👍" }, ErrUnprintable, "Score"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := sample()
			tc.edit(&d)
			var b bytes.Buffer
			err := Render(&b, d)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Render = %v, want %v", err, tc.want)
			}
			var fe *fault.Error
			if !errors.As(err, &fe) || len(fe.Details) == 0 || fe.Details[0].Field != tc.field {
				t.Errorf("error %v does not name field %s", err, tc.field)
			}
			if b.Len() != 0 {
				t.Errorf("Render wrote %d bytes before failing", b.Len())
			}
		})
	}
}

// A character the font lacks must stop the certificate, named in the
// message, rather than leave a gap in a person's name.
func TestRenderNeverDropsACharacter(t *testing.T) {
	d := sample()
	d.HolderName = "王𬌗"
	err := Render(&bytes.Buffer{}, d)
	var fe *fault.Error
	if !errors.As(err, &fe) || !strings.Contains(fe.Message, "「𬌗」") || !strings.Contains(fe.Message, "姓名") {
		t.Fatalf("Render = %v, want a message naming 姓名 and 「𬌗」", err)
	}
	if !strings.Contains(fe.Error(), "U+2C317") {
		t.Errorf("log text %q lacks the code point", fe.Error())
	}

	// Rare characters the font has are drawn with their own glyphs: the
	// cut font maps each to a glyph with an outline.
	font, err := certSans()
	if err != nil {
		t.Fatal(err)
	}
	name := []rune("喆堃昇珺玥犇淼婧䶮")
	cut, err := font.cut(name)
	if err != nil {
		t.Fatal(err)
	}
	small, err := parseSFNT(cut)
	if err != nil {
		t.Fatalf("cut font does not parse: %v", err)
	}
	for _, r := range name {
		if !small.has(r) || len(small.glyph(small.gid[r])) == 0 {
			t.Errorf("cut font has no outline for %q", r)
		}
	}
}

// Long names, issuers, titles and values shrink or wrap to stay inside the
// frame without running into each other.
func TestRenderFits(t *testing.T) {
	longest := func(c *Certificate) {
		c.Title = strings.Repeat("考", 30)
		c.HolderName = strings.Repeat("欧", 30)
		c.Issuer = strings.Repeat("麟", 30)
		c.KindName = strings.Repeat("特", 40)
		c.OperationItem = strings.Repeat("作", 40)
		c.TrainingOrg = strings.Repeat("培", 40)
		c.Hours = strings.Repeat("时", 16)
		c.Score = strings.Repeat("分", 16)
		c.Sex = "男男男男"
		c.Number = strings.Repeat("W", 40)
		c.MaskedID = strings.Repeat("*", 32)
		c.QRCaption = strings.Repeat("核", 12)
		c.Status = strings.Repeat("撤", 8)
	}
	tests := []struct {
		name string
		edit func(*Certificate)
	}{
		{"typical", func(*Certificate) {}},
		{"long name", func(c *Certificate) { c.HolderName = "阿卜杜热合曼·买买提明·艾合买提江·吐尔逊" }},
		{"long issuer", func(c *Certificate) {
			c.Issuer = "云南省曲靖市麒麟区应急管理局安全生产监督管理执法大队"
		}},
		{"short issuer", func(c *Certificate) { c.Issuer = "局" }},
		{"every field at its limit", longest},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := sample()
			tc.edit(&d)
			pg, _, err := build(d)
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if err := pg.p.Output(&out); err != nil {
				t.Fatal(err)
			}
			writePreview(t, "fits_"+strings.ReplaceAll(tc.name, " ", "_"), out.Bytes())
			for _, b := range pg.boxes {
				if b.x < frameLimit || b.x+b.w > pageW-frameLimit || b.top < frameLimit || b.top+b.h > pageH-frameLimit {
					t.Errorf("%q at x %.1f–%.1f, y %.1f–%.1f leaves the frame", b.s, b.x, b.x+b.w, b.top, b.top+b.h)
				}
			}
			for i, a := range pg.boxes {
				for _, b := range pg.boxes[i+1:] {
					if a.x < b.x+b.w-0.01 && b.x < a.x+a.w-0.01 && a.top < b.top+b.h-0.01 && b.top < a.top+a.h-0.01 {
						t.Errorf("%q and %q overlap", a.s, b.s)
					}
				}
			}
			for _, b := range pg.boxes {
				if b.top+b.h > footerTop && b.top < footerTop {
					t.Errorf("%q straddles the footer line", b.s)
				}
			}
		})
	}
}

// TestRenderStatement: a kind's own sentence replaces the default one.
func TestRenderStatement(t *testing.T) {
	d := sample()
	d.Statement = "同志截至2026年11月29日参加安全生产教育培训共48学时，特此证明。"
	text := strings.ReplaceAll(pageText(t, renderPDF(t, d)), " ", "")
	if !strings.Contains(text, "参加安全生产教育培训共48学时，特此证明。") || strings.Contains(text, "经考核合格") {
		t.Errorf("the statement is not the sentence on the page:\n%s", text)
	}
}
