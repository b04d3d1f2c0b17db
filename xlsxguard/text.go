package xlsxguard

// LooksLikeText reports whether b (the start of an upload) has no control
// bytes but tab and line breaks: UTF-8 or GBK text such as a CSV someone
// uploaded in place of a workbook.
func LooksLikeText(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < 0x20 && c != '\t' && c != '\n' && c != '\r' {
			return false
		}
	}
	return true
}
