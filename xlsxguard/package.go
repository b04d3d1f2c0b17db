package xlsxguard

import (
	"archive/zip"
	"errors"
	"strings"
)

// Limits of a workbook's zip directory that hold whatever the caller's own
// limits are.
const (
	// MaxEntries bounds the central directory; a workbook has dozens.
	MaxEntries = 10000
	// ratioFloor: entries inflating to less than this are not ratio-checked
	// (small XML parts compress very well and are harmless).
	ratioFloor = 1 << 20
)

// ErrUnzipLimit: the directory declares too many entries, too many
// inflated bytes, or an entry compressed suspiciously well (a zip bomb).
var ErrUnzipLimit = errors.New("xlsxguard: zip directory over the unzip limits")

// Package is what a zip directory says about the file, before anything is
// inflated.
type Package struct {
	// Workbook: it has [Content_Types].xml and xl/workbook.xml.
	Workbook bool
	// Sheets counts the worksheet parts.
	Sheets int
	// Word: a Word or PowerPoint document; ODF: an OpenDocument file (.ods);
	// Nested: an archive of files named with one of the nested extensions.
	Word, ODF, Nested bool
}

// Inspect reads zr's directory only. It returns ErrUnzipLimit for more than
// MaxEntries entries, more than maxUnzipped bytes inflated in all, or an
// entry over 1 MiB inflated more than maxRatio times its compressed size.
// An entry whose lower-cased name ends in one of nestedExt marks the file
// Nested.
func Inspect(zr *zip.Reader, maxUnzipped, maxRatio int64, nestedExt ...string) (Package, error) {
	if len(zr.File) > MaxEntries {
		return Package{}, ErrUnzipLimit
	}
	var (
		p                      Package
		total                  uint64
		contentTypes, workbook bool
	)
	for _, zf := range zr.File {
		name := strings.ToLower(strings.ReplaceAll(zf.Name, `\`, "/"))
		switch {
		case name == "[content_types].xml":
			contentTypes = true
		case name == "xl/workbook.xml":
			workbook = true
		case strings.HasPrefix(name, "xl/worksheets/") && strings.HasSuffix(name, ".xml") && !strings.Contains(name, "_rels"):
			p.Sheets++
		case name == "word/document.xml" || name == "ppt/presentation.xml":
			p.Word = true
		case name == "mimetype" || name == "content.xml":
			p.ODF = true
		case hasSuffix(name, nestedExt):
			p.Nested = true
		}
		// Compared before adding, so crafted sizes cannot wrap the sum.
		if zf.UncompressedSize64 > uint64(maxUnzipped)-total {
			return Package{}, ErrUnzipLimit
		}
		total += zf.UncompressedSize64
		if zf.UncompressedSize64 > ratioFloor && zf.UncompressedSize64/max(zf.CompressedSize64, 1) > uint64(maxRatio) {
			return Package{}, ErrUnzipLimit
		}
	}
	p.Workbook = contentTypes && workbook
	return p, nil
}

func hasSuffix(name string, exts []string) bool {
	for _, e := range exts {
		if strings.HasSuffix(name, e) {
			return true
		}
	}
	return false
}
