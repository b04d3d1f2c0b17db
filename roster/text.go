package roster

import (
	"fmt"
	"strings"
	"unicode"
)

// markup are the characters refused in the roster's free text (names,
// posts, addresses, notes): they have no place in a Chinese name or
// address, and refusing them keeps markup and SQL fragments out of the
// data rather than relying only on escaping at every output.
const markup = "<>\"'`;\\{}"

// textProblem says what is wrong with a free-text value, or "" if nothing.
// label names the field in Chinese.
func textProblem(label, s string) string {
	for _, r := range s {
		if strings.ContainsRune(markup, r) {
			return fmt.Sprintf("%s不能包含符号 %c，请删除后重新填写", label, r)
		}
		if unicode.IsControl(r) {
			return fmt.Sprintf("%s不能包含换行或控制字符", label)
		}
	}
	return ""
}
