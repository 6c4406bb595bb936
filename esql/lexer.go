package esql

import (
	"strings"
	"unicode/utf8"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// tokKind is the kind of a lexical token.
type tokKind uint8

const (
	tEOF tokKind = iota
	tIdent
	tQuoted // `backquoted identifier`
	tInt
	tDecimal
	tString
	tParam // ?name or ?
	tOp    // operators and punctuation
)

type token struct {
	kind tokKind
	text string // identifier, literal text (unescaped for strings), operator
	pos  int    // byte offset of the token's first byte
	end  int    // byte offset after the token
}

// lex splits a query into tokens; comments are dropped.
func lex(src string) ([]token, *srcpos.Error) {
	// Rule queries run about seven bytes a token, and no query of the
	// corpus has more than a token per four bytes: room for all of them
	// at once, rather than a slice grown (and copied) a dozen times.
	out := make([]token, 0, len(src)/4+1)
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
			continue
		case strings.HasPrefix(src[i:], "//"):
			j := strings.IndexByte(src[i:], '\n')
			if j < 0 {
				i = len(src)
			} else {
				i += j
			}
			continue
		case strings.HasPrefix(src[i:], "/*"):
			j := strings.Index(src[i+2:], "*/")
			if j < 0 {
				return nil, errAt(src, i, "unterminated comment")
			}
			i += j + 4
			continue
		}
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			out = append(out, token{tIdent, src[start:i], start, i})
		case c == '`':
			var b strings.Builder
			i++
			for {
				if i >= len(src) {
					return nil, errAt(src, start, "unterminated quoted identifier")
				}
				if src[i] == '`' {
					if i+1 < len(src) && src[i+1] == '`' {
						b.WriteByte('`')
						i += 2
						continue
					}
					i++
					break
				}
				b.WriteByte(src[i])
				i++
			}
			out = append(out, token{tQuoted, b.String(), start, i})
		case c >= '0' && c <= '9' || c == '.' && i+1 < len(src) && src[i+1] >= '0' && src[i+1] <= '9' && !prevIsIdent(out, start):
			kind := tInt
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			if i < len(src) && src[i] == '.' && (i+1 >= len(src) || !isIdentStart(src[i+1]) || src[i+1] == 'e' || src[i+1] == 'E') {
				kind = tDecimal
				i++
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
			}
			if i < len(src) && (src[i] == 'e' || src[i] == 'E') {
				j := i + 1
				if j < len(src) && (src[j] == '+' || src[j] == '-') {
					j++
				}
				if j < len(src) && src[j] >= '0' && src[j] <= '9' {
					kind = tDecimal
					i = j
					for i < len(src) && src[i] >= '0' && src[i] <= '9' {
						i++
					}
				}
			}
			out = append(out, token{kind, src[start:i], start, i})
		case strings.HasPrefix(src[i:], `"""`):
			j := strings.Index(src[i+3:], `"""`)
			if j < 0 {
				return nil, errAt(src, i, "unterminated string")
			}
			i += 3 + j + 3
			// a raw string may end in more quotes: """a"""" is a" .
			for i < len(src) && src[i] == '"' {
				i++
			}
			out = append(out, token{tString, src[start+3 : i-3], start, i})
		case c == '"':
			var b strings.Builder
			i++
			for {
				if i >= len(src) || src[i] == '\n' {
					return nil, errAt(src, start, "unterminated string")
				}
				if src[i] == '"' {
					i++
					break
				}
				if src[i] == '\\' && i+1 < len(src) {
					switch src[i+1] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case '"':
						b.WriteByte('"')
					case '\\':
						b.WriteByte('\\')
					default:
						return nil, errAt(src, i, "invalid escape sequence \\"+string(src[i+1]))
					}
					i += 2
					continue
				}
				b.WriteByte(src[i])
				i++
			}
			out = append(out, token{tString, b.String(), start, i})
		case c == '?':
			i++
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			out = append(out, token{tParam, src[start+1 : i], start, i})
		default:
			op := ""
			for _, o := range []string{"==", "!=", "<=", ">=", "=~", "::", "<", ">", "=", "+", "-", "*", "/", "%", "(", ")", ",", "|", ":", ".", "[", "]", "{", "}", ";"} {
				if strings.HasPrefix(src[i:], o) {
					op = o
					break
				}
			}
			if op == "" {
				r, _ := utf8.DecodeRuneInString(src[i:])
				return nil, errAt(src, i, "token recognition error at: '"+string(r)+"'")
			}
			i += len(op)
			out = append(out, token{tOp, op, start, i})
		}
	}
	out = append(out, token{tEOF, "", len(src), len(src)})
	return out, nil
}

func prevIsIdent(out []token, pos int) bool {
	return len(out) > 0 && out[len(out)-1].end == pos && (out[len(out)-1].kind == tIdent || out[len(out)-1].kind == tQuoted)
}

func isIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '@'
}

func isIdentPart(c byte) bool {
	return isIdentStart(c) || c >= '0' && c <= '9'
}

func errAt(src string, off int, msg string) *srcpos.Error {
	return srcpos.NewError(src, srcpos.Position(src, off), "esql: "+msg)
}
