package eql

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIllegal
	tIdent       // process, event.category is ident . ident
	tTildeIdent  // startsWith~ (a function name)
	tQuotedIdent // `my-field`
	tString      // "..." or """..."""
	tInt
	tFloat
	tKeyword // and or not in in~ like like~ regex regex~ where any sequence sample by with until true false null of join
	tEq      // ==
	tNeq     // !=
	tLt
	tLte
	tGt
	tGte
	tColon  // :
	tAssign // =
	tPlus
	tMinus
	tStar
	tSlash
	tPercent
	tLParen
	tRParen
	tLBracket
	tRBracket
	tComma
	tDot
	tPipe
	tBang     // !
	tQuestion // ?
)

var tokNames = [...]string{
	tEOF: "end of query", tIllegal: "illegal token", tIdent: "identifier", tTildeIdent: "function name",
	tQuotedIdent: "quoted identifier", tString: "string", tInt: "integer", tFloat: "number",
	tKeyword: "keyword", tEq: "'=='", tNeq: "'!='", tLt: "'<'", tLte: "'<='", tGt: "'>'", tGte: "'>='",
	tColon: "':'", tAssign: "'='", tPlus: "'+'", tMinus: "'-'", tStar: "'*'", tSlash: "'/'",
	tPercent: "'%'", tLParen: "'('", tRParen: "')'", tLBracket: "'['", tRBracket: "']'", tComma: "','",
	tDot: "'.'", tPipe: "'|'", tBang: "'!'", tQuestion: "'?'",
}

func (k tokKind) String() string { return tokNames[k] }

// keywords of Elasticsearch EQL. They are lower case; as in Elasticsearch,
// "AND" is an identifier, not a keyword.
var keywords = map[string]bool{
	"and": true, "any": true, "by": true, "false": true, "in": true, "in~": true, "join": true,
	"like": true, "like~": true, "maxspan": false, "not": true, "null": true, "of": true, "or": true,
	"regex": true, "regex~": true, "sample": true, "sequence": true, "true": true, "until": true,
	"where": true, "with": true,
}

// token is one lexical token. For strings, val is the unescaped value; for
// identifiers the name; for keywords the keyword; otherwise the text.
type token struct {
	kind tokKind
	pos  srcpos.Pos
	end  int // byte offset after the token
	val  string
	raw  bool // a """raw""" string
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of query"
	case tString:
		return "string " + strconv.Quote(t.val)
	case tKeyword:
		return "'" + t.val + "'"
	case tIdent, tTildeIdent, tQuotedIdent, tInt, tFloat:
		return t.kind.String() + " " + strconv.Quote(t.val)
	case tIllegal:
		return strconv.Quote(t.val)
	}
	return t.kind.String()
}

// scanner splits a query into tokens. Errors are collected in errs; the
// scanner always makes progress, so the parser can go on after one.
type scanner struct {
	src  string
	off  int
	line int
	col  int // column of src[off], 1-based, in bytes
	errs *srcpos.ErrorList
}

func newScanner(src string, errs *srcpos.ErrorList) *scanner {
	return &scanner{src: src, line: 1, col: 1, errs: errs}
}

func (s *scanner) pos() srcpos.Pos { return srcpos.Pos{Offset: s.off, Line: s.line, Col: s.col} }

func (s *scanner) errorf(p srcpos.Pos, format string, args ...any) {
	s.errs.Addf(s.src, p, "eql: "+format, args...)
}

// advance moves past n bytes, keeping line and column.
func (s *scanner) advance(n int) {
	end := s.off + n
	for s.off < end {
		r, size := utf8.DecodeRuneInString(s.src[s.off:])
		if r == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col += size
		}
		s.off += size
	}
	if s.off > end {
		// a multi-byte rune straddled end; keep the offset exact
		s.off = end
	}
}

func (s *scanner) peekByte(i int) byte {
	if s.off+i < len(s.src) {
		return s.src[s.off+i]
	}
	return 0
}

// skipSpace skips white space and comments.
func (s *scanner) skipSpace() {
	for s.off < len(s.src) {
		c := s.src[s.off]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			s.advance(1)
		case c == '/' && s.peekByte(1) == '/':
			i := strings.IndexByte(s.src[s.off:], '\n')
			if i < 0 {
				i = len(s.src) - s.off
			}
			s.advance(i)
		case c == '/' && s.peekByte(1) == '*':
			p := s.pos()
			i := strings.Index(s.src[s.off+2:], "*/")
			if i < 0 {
				s.errorf(p, "unterminated comment")
				s.advance(len(s.src) - s.off)
				return
			}
			s.advance(i + 4)
		default:
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRuneInString(s.src[s.off:])
				if unicode.IsSpace(r) {
					s.advance(size)
					continue
				}
			}
			return
		}
	}
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// next returns the next token.
func (s *scanner) next() token {
	s.skipSpace()
	p := s.pos()
	if s.off >= len(s.src) {
		return token{kind: tEOF, pos: p, end: s.off}
	}
	c := s.src[s.off]
	tok := func(k tokKind, n int) token {
		v := s.src[s.off : s.off+n]
		s.advance(n)
		return token{kind: k, pos: p, end: s.off, val: v}
	}
	switch {
	case isIdentStart(c):
		i := s.off + 1
		for i < len(s.src) && isIdentPart(s.src[i]) {
			i++
		}
		word := s.src[s.off:i]
		if i < len(s.src) && s.src[i] == '~' {
			// in~ like~ regex~ and function names such as startsWith~
			t := tok(tTildeIdent, i+1-s.off)
			if keywords[t.val] {
				t.kind = tKeyword
			}
			return t
		}
		t := tok(tIdent, len(word))
		if keywords[word] {
			t.kind = tKeyword
		}
		return t
	case isDigit(c) || c == '.' && isDigit(s.peekByte(1)):
		return s.number(p)
	case c == '"':
		return s.str(p)
	case c == '\'':
		// Elasticsearch reserves single quotes; scan to the closing quote
		// to report one error for the whole string.
		j := strings.IndexByte(s.src[s.off+1:], '\'')
		n := len(s.src) - s.off
		if j >= 0 && !strings.Contains(s.src[s.off:s.off+1+j], "\n") {
			n = j + 2
		} else {
			n = 1
		}
		s.errorf(p, "single-quoted strings are not supported; use double quotes")
		t := tok(tString, n)
		t.val = strings.Trim(t.val, "'")
		return t
	case c == '`':
		return s.quotedIdent(p)
	}
	two := ""
	if s.off+1 < len(s.src) {
		two = s.src[s.off : s.off+2]
	}
	switch two {
	case "==":
		return tok(tEq, 2)
	case "!=":
		return tok(tNeq, 2)
	case "<=":
		return tok(tLte, 2)
	case ">=":
		return tok(tGte, 2)
	}
	switch c {
	case '<':
		return tok(tLt, 1)
	case '>':
		return tok(tGt, 1)
	case ':':
		return tok(tColon, 1)
	case '=':
		return tok(tAssign, 1)
	case '+':
		return tok(tPlus, 1)
	case '-':
		return tok(tMinus, 1)
	case '*':
		return tok(tStar, 1)
	case '/':
		return tok(tSlash, 1)
	case '%':
		return tok(tPercent, 1)
	case '(':
		return tok(tLParen, 1)
	case ')':
		return tok(tRParen, 1)
	case '[':
		return tok(tLBracket, 1)
	case ']':
		return tok(tRBracket, 1)
	case ',':
		return tok(tComma, 1)
	case '.':
		return tok(tDot, 1)
	case '|':
		return tok(tPipe, 1)
	case '!':
		return tok(tBang, 1)
	case '?':
		return tok(tQuestion, 1)
	}
	_, size := utf8.DecodeRuneInString(s.src[s.off:])
	t := tok(tIllegal, size)
	s.errorf(p, "unexpected character %q", t.val)
	return t
}

// number scans an integer or a decimal number (with optional fraction and
// exponent), as Elasticsearch's EQL lexer does.
func (s *scanner) number(p srcpos.Pos) token {
	i := s.off
	for i < len(s.src) && isDigit(s.src[i]) {
		i++
	}
	kind := tInt
	if i < len(s.src) && s.src[i] == '.' && !(i+1 < len(s.src) && isIdentStart(s.src[i+1]) && s.src[i+1] != 'e' && s.src[i+1] != 'E') {
		kind = tFloat
		i++
		for i < len(s.src) && isDigit(s.src[i]) {
			i++
		}
	}
	if i < len(s.src) && (s.src[i] == 'e' || s.src[i] == 'E') {
		j := i + 1
		if j < len(s.src) && (s.src[j] == '+' || s.src[j] == '-') {
			j++
		}
		if j < len(s.src) && isDigit(s.src[j]) {
			for j < len(s.src) && isDigit(s.src[j]) {
				j++
			}
			i = j
			kind = tFloat
		}
	}
	v := s.src[s.off:i]
	s.advance(i - s.off)
	return token{kind: kind, pos: p, end: s.off, val: v}
}

// str scans a "string" with escapes or a """raw string""".
func (s *scanner) str(p srcpos.Pos) token {
	if strings.HasPrefix(s.src[s.off:], `"""`) {
		j := strings.Index(s.src[s.off+3:], `"""`)
		if j < 0 {
			s.errorf(p, "unterminated raw string")
			v := s.src[s.off+3:]
			s.advance(len(s.src) - s.off)
			return token{kind: tString, pos: p, end: s.off, val: v, raw: true}
		}
		end := s.off + 3 + j + 3
		// Up to two more quotes belong to the string: """a""""" is `a""`.
		for k := 0; k < 2 && end < len(s.src) && s.src[end] == '"'; k++ {
			end++
		}
		v := s.src[s.off+3 : end-3]
		s.advance(end - s.off)
		return token{kind: tString, pos: p, end: s.off, val: v, raw: true}
	}
	// Most strings have no escapes: their value is cut from the source.
	i := s.off + 1
	for i < len(s.src) && s.src[i] != '"' && s.src[i] != '\\' && s.src[i] != '\n' && s.src[i] != '\r' {
		i++
	}
	if i < len(s.src) && s.src[i] == '"' {
		v := s.src[s.off+1 : i]
		s.advance(i + 1 - s.off)
		return token{kind: tString, pos: p, end: s.off, val: v}
	}
	var b strings.Builder
	b.Grow(i - s.off + 16)
	b.WriteString(s.src[s.off+1 : i])
	for i < len(s.src) {
		c := s.src[i]
		switch c {
		case '"':
			s.advance(i + 1 - s.off)
			return token{kind: tString, pos: p, end: s.off, val: b.String()}
		case '\n', '\r':
			i = len(s.src) // fall out: unterminated
			continue
		case '\\':
			if i+1 >= len(s.src) {
				i++
				continue
			}
			e := s.src[i+1]
			switch e {
			case 'n':
				b.WriteByte('\n')
			case 't':
				b.WriteByte('\t')
			case 'r':
				b.WriteByte('\r')
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case '"', '\\', '\'':
				b.WriteByte(e)
			case 'u':
				r, n, msg := unicodeEscape(s.src[i:])
				if msg != "" {
					s.errorf(s.posAt(i), "%s", msg)
				} else {
					b.WriteRune(r)
				}
				i += n
				continue
			default:
				s.errorf(s.posAt(i), "unknown escape sequence \\%c (use \\\\ for a backslash)", e)
				b.WriteByte(e)
			}
			i += 2
			continue
		}
		b.WriteByte(c)
		i++
	}
	s.errorf(p, "unterminated string")
	end := strings.IndexAny(s.src[s.off:], "\r\n")
	if end < 0 {
		end = len(s.src) - s.off
	}
	s.advance(end)
	return token{kind: tString, pos: p, end: s.off, val: b.String()}
}

// posAt returns the position of byte offset i (≥ s.off) on the current line
// or after it.
func (s *scanner) posAt(i int) srcpos.Pos {
	p := s.pos()
	for j := s.off; j < i; j++ {
		if s.src[j] == '\n' {
			p.Line++
			p.Col = 1
		} else {
			p.Col++
		}
	}
	p.Offset = i
	return p
}

// unicodeEscape decodes \u{X...} (2 to 8 hex digits) at the start of s. It
// returns the rune, the bytes consumed and an error message.
func unicodeEscape(s string) (rune, int, string) {
	if len(s) < 3 || s[2] != '{' {
		return 0, 2, `invalid unicode escape: use \u{XXXX}`
	}
	end := strings.IndexByte(s, '}')
	if end < 0 {
		return 0, len(s), `unterminated unicode escape \u{`
	}
	hex := s[3:end]
	if len(hex) < 2 || len(hex) > 8 {
		return 0, end + 1, fmt.Sprintf(`unicode escape \u{%s} must have 2 to 8 hex digits`, hex)
	}
	v, err := strconv.ParseUint(hex, 16, 32)
	if err != nil {
		return 0, end + 1, fmt.Sprintf(`invalid hex digits in unicode escape \u{%s}`, hex)
	}
	r := rune(v)
	if !utf8.ValidRune(r) {
		return 0, end + 1, fmt.Sprintf(`unicode escape \u{%s} is not a valid code point`, hex)
	}
	return r, end + 1, ""
}

// quotedIdent scans a `backtick quoted` identifier, “ being a literal
// backtick.
func (s *scanner) quotedIdent(p srcpos.Pos) token {
	var b strings.Builder
	i := s.off + 1
	for i < len(s.src) {
		if s.src[i] == '`' {
			if i+1 < len(s.src) && s.src[i+1] == '`' {
				b.WriteByte('`')
				i += 2
				continue
			}
			s.advance(i + 1 - s.off)
			return token{kind: tQuotedIdent, pos: p, end: s.off, val: b.String()}
		}
		b.WriteByte(s.src[i])
		i++
	}
	s.errorf(p, "unterminated quoted identifier")
	s.advance(len(s.src) - s.off)
	return token{kind: tQuotedIdent, pos: p, end: s.off, val: b.String()}
}
