package match

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Elasticsearch's regex operators use Lucene's regular expression syntax
// (RegExp with all optional operators enabled), which differs from Go's:
// a Lucene regexp always matches the whole value; `^` and `$` are ordinary
// characters; `"..."` quotes a literal string; `@` is any string; `x*?`
// means (x*)? rather than a lazy star; and `.` matches any code point,
// newlines included. translateLucene parses the Lucene syntax and writes
// the equivalent Go syntax, and rejects what it cannot honour (intervals
// <1-10>, intersection &, complement ~, named automata <name>, the empty
// language #) with an error.

// compileLucene compiles a Lucene regexp for matching whole values.
func compileLucene(pattern string, fold bool) (*regexp.Regexp, error) {
	g, err := translateLucene(pattern)
	if err != nil {
		return nil, err
	}
	prefix := `\A(?:`
	if fold {
		prefix = `(?i)\A(?:`
	}
	re, err := regexp.Compile(prefix + g + `)\z`)
	if err != nil {
		return nil, fmt.Errorf("regex %q: %v", pattern, err)
	}
	return re, nil
}

// translateLucene rewrites a Lucene regexp into Go's syntax.
func translateLucene(pattern string) (string, error) {
	t := &luceneTranslator{src: pattern}
	out, err := t.union()
	if err == nil && t.pos < len(t.src) {
		err = t.errorf("unexpected %q", t.src[t.pos])
	}
	if err != nil {
		return "", err
	}
	return out, nil
}

type luceneTranslator struct {
	src   string
	pos   int
	depth int
}

func (t *luceneTranslator) errorf(format string, args ...any) error {
	return fmt.Errorf("regex %q at offset %d: %s", t.src, t.pos, fmt.Sprintf(format, args...))
}

func (t *luceneTranslator) more() bool { return t.pos < len(t.src) }

func (t *luceneTranslator) peek() byte {
	if t.pos < len(t.src) {
		return t.src[t.pos]
	}
	return 0
}

func (t *luceneTranslator) union() (string, error) {
	t.depth++
	defer func() { t.depth-- }()
	if t.depth > 200 {
		return "", t.errorf("nested too deeply")
	}
	first, err := t.concat()
	if err != nil {
		return "", err
	}
	parts := []string{first}
	for t.peek() == '|' {
		t.pos++
		p, err := t.concat()
		if err != nil {
			return "", err
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "|"), nil
}

func (t *luceneTranslator) concat() (string, error) {
	var b strings.Builder
	for t.more() {
		c := t.peek()
		if c == '|' || c == ')' {
			break
		}
		if c == '&' {
			return "", t.errorf("intersection (&) is not supported")
		}
		r, err := t.repeat()
		if err != nil {
			return "", err
		}
		b.WriteString(r)
	}
	return b.String(), nil
}

func (t *luceneTranslator) repeat() (string, error) {
	x, err := t.complement()
	if err != nil {
		return "", err
	}
	for t.more() {
		switch c := t.peek(); c {
		case '?', '*', '+':
			t.pos++
			x = "(?:" + x + ")" + string(c)
		case '{':
			start := t.pos
			end := strings.IndexByte(t.src[t.pos:], '}')
			if end < 0 {
				return "", t.errorf("unterminated repetition {")
			}
			body := t.src[t.pos+1 : t.pos+end]
			t.pos += end + 1
			lo, hi, ok := strings.Cut(body, ",")
			n, err1 := strconv.Atoi(lo)
			if err1 != nil || n < 0 {
				t.pos = start
				return "", t.errorf("invalid repetition {%s}", body)
			}
			m := -1
			if ok && hi != "" {
				v, err2 := strconv.Atoi(hi)
				if err2 != nil || v < n {
					t.pos = start
					return "", t.errorf("invalid repetition {%s}", body)
				}
				m = v
			}
			if n > 1000 || m > 1000 {
				t.pos = start
				return "", t.errorf("repetition {%s} is larger than 1000", body)
			}
			switch {
			case !ok:
				x = fmt.Sprintf("(?:%s){%d}", x, n)
			case m < 0:
				x = fmt.Sprintf("(?:%s){%d,}", x, n)
			default:
				x = fmt.Sprintf("(?:%s){%d,%d}", x, n, m)
			}
		default:
			return x, nil
		}
	}
	return x, nil
}

func (t *luceneTranslator) complement() (string, error) {
	if t.peek() == '~' {
		return "", t.errorf("complement (~) is not supported")
	}
	if t.peek() == '[' {
		return t.charClass()
	}
	return t.simple()
}

func (t *luceneTranslator) simple() (string, error) {
	c := t.peek()
	switch c {
	case '.':
		t.pos++
		return `(?s:.)`, nil
	case '@':
		t.pos++
		return `(?s:.*)`, nil
	case '#':
		return "", t.errorf("the empty language (#) is not supported")
	case '"':
		end := strings.IndexByte(t.src[t.pos+1:], '"')
		if end < 0 {
			return "", t.errorf("unterminated quoted string")
		}
		lit := t.src[t.pos+1 : t.pos+1+end]
		t.pos += end + 2
		return "(?:" + regexp.QuoteMeta(lit) + ")", nil
	case '(':
		t.pos++
		if t.peek() == ')' {
			t.pos++
			return "(?:)", nil
		}
		inner, err := t.union()
		if err != nil {
			return "", err
		}
		if t.peek() != ')' {
			return "", t.errorf("missing )")
		}
		t.pos++
		return "(?:" + inner + ")", nil
	case '<':
		return "", t.errorf("intervals and named automata (<...>) are not supported")
	case ')', '|', '&':
		return "", t.errorf("unexpected %q", c)
	}
	// Anything else is a literal, as in Lucene, where a repetition
	// operator with nothing before it (a leading *) and a lone ] } > are
	// ordinary characters.
	r, esc, err := t.char()
	if err != nil {
		return "", err
	}
	if esc != "" {
		return esc, nil
	}
	return regexp.QuoteMeta(string(r)), nil
}

// char reads a character, or an escaped one; a shorthand class (\d, \w,
// \s and their negations) is returned in esc.
func (t *luceneTranslator) char() (r rune, esc string, err error) {
	if t.peek() == '\\' {
		t.pos++
		if !t.more() {
			return 0, "", t.errorf("trailing backslash")
		}
		r, n := utf8.DecodeRuneInString(t.src[t.pos:])
		t.pos += n
		switch r {
		case 'd', 'D', 's', 'S', 'w', 'W':
			return 0, `\` + string(r), nil
		}
		return r, "", nil
	}
	r, n := utf8.DecodeRuneInString(t.src[t.pos:])
	if r == utf8.RuneError && n == 1 {
		return 0, "", t.errorf("invalid UTF-8")
	}
	t.pos += n
	return r, "", nil
}

// classChar quotes a rune for use inside a Go character class.
func classChar(r rune) string {
	switch r {
	case '\\', ']', '[', '^', '-':
		return `\` + string(r)
	}
	return string(r)
}

func (t *luceneTranslator) charClass() (string, error) {
	t.pos++ // [
	var b strings.Builder
	b.WriteByte('[')
	if t.peek() == '^' {
		t.pos++
		b.WriteByte('^')
	}
	n := 0
	for {
		if !t.more() {
			return "", t.errorf("unterminated character class")
		}
		if t.peek() == ']' && n > 0 {
			t.pos++
			break
		}
		lo, esc, err := t.char()
		if err != nil {
			return "", err
		}
		n++
		if esc != "" {
			b.WriteString(esc)
			continue
		}
		if t.peek() == '-' && t.pos+1 < len(t.src) && t.src[t.pos+1] != ']' {
			t.pos++
			hi, esc2, err := t.char()
			if err != nil {
				return "", err
			}
			if esc2 != "" || hi < lo {
				return "", t.errorf("invalid character range")
			}
			b.WriteString(classChar(lo) + "-" + classChar(hi))
			continue
		}
		b.WriteString(classChar(lo))
	}
	b.WriteByte(']')
	return b.String(), nil
}
