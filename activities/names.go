package activities

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// digits keeps the decimal digits of s.
func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// foldName lower-cases s, strips accents and keeps letters and digits, one space between
// words: "Ragnarök  A/S" and "ragnarok a s" both give "ragnarok a s".
func foldName(s string) string {
	return strings.Join(nameWords(s), " ")
}

// nameWords splits s into accent-free, lower-case words of letters and digits.
func nameWords(s string) []string {
	return strings.FieldsFunc(foldAccents(strings.ToLower(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// letterFolds are letters that carry no combining mark to strip but are commonly written
// without their special form (a Norwegian passport's "Bjørn" is a form's "Bjorn").
var letterFolds = map[rune]string{
	'ø': "o", 'Ø': "O", 'æ': "ae", 'Æ': "AE", 'ß': "ss", 'đ': "d", 'Đ': "D",
	'ł': "l", 'Ł': "L", 'þ': "th", 'Þ': "TH", 'ð': "d", 'Ð': "D", 'œ': "oe", 'Œ': "OE",
}

// foldAccents removes diacritics: canonical decomposition, combining marks dropped, and the
// few letters in letterFolds spelled out.
func foldAccents(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		if f, ok := letterFolds[r]; ok {
			b.WriteString(f)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}
