package kql

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/jsonscan"
)

// special are the characters an unquoted literal cannot hold unescaped.
const special = `\():<>"*{}`

func isSpecial(c byte) bool { return strings.IndexByte(special, c) >= 0 }

// literal parses a quoted or unquoted literal at p.i, or returns nil when
// there is none.
func (p *parser) literal() *Value {
	if p.peek() == '"' {
		return p.quoted()
	}
	return p.unquoted()
}

// quoted parses "...": \" and \\ stand for themselves, \t \r \n for
// whitespace, \uXXXX for a character; any other backslash is kept as is.
func (p *parser) quoted() *Value {
	start := p.i
	var b strings.Builder
	escaped := false // b holds the text so far once an escape is seen
	i := start + 1
	for {
		if i >= len(p.src) {
			p.fail(start, "unterminated quoted string")
		}
		c := p.src[i]
		if c == '"' {
			break
		}
		if c == '\\' && i+1 < len(p.src) {
			var r rune
			n := 0
			switch d := p.src[i+1]; d {
			case 't', 'r', 'n':
				r, n = rune(whitespaceEscape(d)), 2
			case '\\', '"':
				r, n = rune(d), 2
			case 'u':
				r, n = p.unicodeEscape(i)
			}
			if n > 0 {
				if !escaped {
					escaped = true
					b.WriteString(p.src[start+1 : i])
				}
				b.WriteRune(r)
				i += n
				continue
			}
		}
		if escaped {
			b.WriteByte(c)
		}
		i++
	}
	text := p.src[start+1 : i]
	if escaped {
		text = b.String()
	}
	i++
	p.i = i
	return &Value{Start: p.pos(start), Stop: p.pos(i), Raw: p.src[start:i], Text: text, Quoted: true}
}

func whitespaceEscape(d byte) byte {
	switch d {
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	return '\n'
}

// unicodeEscape decodes \uXXXX at i (and a following low surrogate, as
// JavaScript strings pair them). n is 0 when there is no valid escape.
func (p *parser) unicodeEscape(i int) (r rune, n int) {
	if i+2 > len(p.src) || p.src[i] != '\\' || p.src[i+1] != 'u' {
		return 0, 0
	}
	r, next, ok := jsonscan.Unicode(p.src, i+2)
	if !ok {
		return 0, 0
	}
	return r, next - i
}

// unquoted parses an unquoted literal: any characters but the special ones
// (unless escaped), up to a keyword (" or ", " and ", "not "). It may hold
// spaces ("quick brown fox" is one literal); surrounding whitespace is
// trimmed from Text.
func (p *parser) unquoted() *Value {
	start := p.i
	i := start
	var b strings.Builder
	escaped := false // b holds the text so far once an escape is seen
	var stars []int
	lastNonSpace := start // end of Raw without trailing whitespace
	for i < len(p.src) {
		c := p.src[i]
		if c == '\\' {
			if !escaped {
				b.WriteString(p.src[start:i])
			}
			n := p.escapeAt(i, &b)
			if n == 0 {
				if !escaped {
					b.Reset()
				}
				break // a lone backslash ends the literal; the caller reports it
			}
			escaped = true
			i += n
			lastNonSpace = i
			continue
		}
		if c == '*' {
			stars = append(stars, i-start)
			if escaped {
				stars[len(stars)-1] = b.Len()
				b.WriteByte('*')
			}
			i++
			lastNonSpace = i
			continue
		}
		if isSpecial(c) || p.keywordAhead(i) {
			break
		}
		n := p.spaceAt(i)
		if n == 0 {
			_, n = utf8.DecodeRuneInString(p.src[i:])
			lastNonSpace = i + n
		}
		if escaped {
			b.WriteString(p.src[i : i+n])
		}
		i += n
	}
	if i == start {
		return nil
	}
	p.i = i
	text := p.src[start:i]
	if escaped {
		text = b.String()
	}
	text, stars = trimJS(text, stars)
	return &Value{
		Start: p.pos(start), Stop: p.pos(lastNonSpace), Raw: p.src[start:lastNonSpace],
		Text: text, Wildcard: len(stars) > 0, Stars: stars,
	}
}

// escapeAt decodes the escape at i of an unquoted literal into b and
// returns its length, 0 if it is not an escape. The order of the checks is
// Kibana's: \t \r \n first (so "\not" is a newline and "ot"), then a
// special character, \uXXXX, and \and \or \not in any case.
func (p *parser) escapeAt(i int, b *strings.Builder) int {
	if i+1 >= len(p.src) {
		return 0
	}
	d := p.src[i+1]
	switch {
	case d == 't' || d == 'r' || d == 'n':
		b.WriteByte(whitespaceEscape(d))
		return 2
	case isSpecial(d):
		b.WriteByte(d)
		return 2
	}
	if r, n := p.unicodeEscape(i); n > 0 {
		b.WriteRune(r)
		return n
	}
	for _, kw := range [...]string{"or", "and", "not"} {
		if p.wordAt(i+1, kw) {
			b.WriteString(p.src[i+1 : i+1+len(kw)])
			return 1 + len(kw)
		}
	}
	return 0
}

// trimJS trims whitespace as JavaScript's String.prototype.trim does and
// shifts the wildcard offsets accordingly.
func trimJS(s string, stars []int) (string, []int) {
	t := strings.TrimLeftFunc(s, isJSSpace)
	cut := len(s) - len(t)
	t = strings.TrimRightFunc(t, isJSSpace)
	if cut > 0 {
		for i := range stars {
			stars[i] -= cut
		}
	}
	return t, stars
}

func isJSSpace(r rune) bool {
	switch r {
	case 0xFEFF:
		return true
	case 0x85:
		return false
	}
	return unicode.IsSpace(r)
}

// quote writes text as a quoted KQL phrase.
func quote(text string) string {
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// escapeUnquoted writes text as an unquoted literal whose wildcards are the
// *s at the offsets stars, escaping everything else that would be read
// differently.
func escapeUnquoted(text string, stars []int) string {
	var b strings.Builder
	isStar := func(i int) bool {
		for _, s := range stars {
			if s == i {
				return true
			}
		}
		return false
	}
	for i := 0; i < len(text); {
		c := text[i]
		switch {
		case c == '*' && isStar(i):
			b.WriteByte('*')
		case isSpecial(c):
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == '\n':
			b.WriteString(`\n`)
		case (c == 'n' || c == 'N') && hasFoldPrefix(text[i:], "not") && followedBySpace(text, i+3):
			// "not " ends an unquoted literal wherever it is, and \not
			// would read as a newline: spell the n as \u006e.
			if c == 'n' {
				b.WriteString(`\u006e`)
			} else {
				b.WriteString(`\u004e`)
			}
		case i > 0 && isSpaceByte(text[i-1]) && keywordIn(text, i) != "":
			kw := keywordIn(text, i)
			b.WriteByte('\\')
			b.WriteString(text[i : i+len(kw)])
			i += len(kw)
			continue
		default:
			b.WriteByte(c)
		}
		i++
	}
	return b.String()
}

func isSpaceByte(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == 0xA0 }

func hasFoldPrefix(s, kw string) bool { return len(s) >= len(kw) && strings.EqualFold(s[:len(kw)], kw) }

func followedBySpace(s string, i int) bool {
	return i < len(s) && (isSpaceByte(s[i]) || s[i] == 0xC2 && i+1 < len(s) && s[i+1] == 0xA0)
}

// keywordIn returns "or" or "and" as written when one starts at i and is
// followed by whitespace.
func keywordIn(s string, i int) string {
	for _, kw := range [...]string{"or", "and"} {
		if hasFoldPrefix(s[i:], kw) && followedBySpace(s, i+len(kw)) {
			return s[i : i+len(kw)]
		}
	}
	return ""
}
