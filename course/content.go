package course

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html"
	"strings"
	"unicode"

	"github.com/microcosm-cc/bluemonday"
)

// How long a document or text lesson may be credited for: the 30-minute
// online 学时 (AQ 8011-2023) must be real learning, so reading time follows
// from the amount of content, and a trainer may claim less, never more.
var reading = struct {
	// CharsPerMinute is the expected reading speed of Chinese safety text,
	// for the default; SlowCharsPerMinute bounds what a trainer may claim.
	CharsPerMinute, SlowCharsPerMinute int
	// MinutesPerPage and MaxMinutesPerPage do the same for PDF pages.
	MinutesPerPage, MaxMinutesPerPage int
	// UnknownPagesMax bounds a PDF whose pages could not be counted.
	UnknownPagesMax int
}{CharsPerMinute: 300, SlowCharsPerMinute: 150, MinutesPerPage: 2, MaxMinutesPerPage: 3, UnknownPagesMax: 5}

// Limits of course and lesson text.
const (
	maxTitle       = 100
	maxDescription = 2000
	maxBody        = 200_000 // bytes of sanitized HTML
	maxLessons     = 200
)

// textPolicy is what a text lesson may contain: structure and emphasis,
// tables, no links, images, styles or scripts.
var textPolicy = func() *bluemonday.Policy {
	p := bluemonday.NewPolicy()
	p.AllowElements("p", "br", "h3", "h4", "ul", "ol", "li", "strong", "em", "b", "i", "u",
		"blockquote", "table", "thead", "tbody", "tr", "th", "td", "caption", "hr")
	p.AllowAttrs("colspan", "rowspan").Matching(bluemonday.Integer).OnElements("td", "th")
	return p
}()

// SanitizeHTML returns body with everything a text lesson may not contain
// removed.
func SanitizeHTML(body string) string {
	return strings.TrimSpace(textPolicy.Sanitize(body))
}

// textChars counts the visible characters of sanitized HTML, without
// whitespace.
func textChars(body string) int {
	plain := html.UnescapeString(bluemonday.StrictPolicy().Sanitize(body))
	n := 0
	for _, r := range plain {
		if !unicode.IsSpace(r) {
			n++
		}
	}
	return n
}

// readingLimits returns the default and the most minutes a document of
// pages (0 = unknown) or a text of chars may be credited for.
func readingLimits(kind LessonKind, pages, chars int) (def, most int) {
	switch kind {
	case KindDocument:
		if pages <= 0 {
			return reading.UnknownPagesMax, reading.UnknownPagesMax
		}
		return pages * reading.MinutesPerPage, pages * reading.MaxMinutesPerPage
	case KindText:
		def = max(1, ceilDiv(chars, reading.CharsPerMinute))
		most = max(1, ceilDiv(chars, reading.SlowCharsPerMinute))
		return def, most
	}
	return 0, 0
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// contentKey identifies a lesson's content so that coverage carries over to
// an unchanged copy in a later version.
func contentKey(kind LessonKind, mediaSHA, body string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%s\n%s\n", kind, mediaSHA)
	h.Write([]byte(body))
	return hex.EncodeToString(h.Sum(nil))
}
