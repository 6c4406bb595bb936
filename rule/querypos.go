package rule

import (
	"strconv"
	"unicode/utf8"
)

// QueryPos maps a position in Query (1-based line and byte column, as a
// query parser reports them) to the position in the rule file. Literal
// strings (single quotes, one or three) map one to one; in basic strings
// (double quotes) escapes such as \ and \" and line-ending backslashes are
// accounted for. Positions past the end of the query are extrapolated from
// its last character.
func (r *Rule) QueryPos(line, col int) (fileLine, fileCol int) {
	body := r.queryBody
	basic := r.QueryStyle == Basic || r.QueryStyle == MultiLineBasic
	multi := r.QueryStyle == MultiLineBasic || r.QueryStyle == MultiLineLiteral
	fl, fc := r.QueryLine, r.QueryCol // file position of body[i]
	ql, qc := 1, 1                    // query position of the character decoded from body[i]
	for i := 0; i < len(body); {
		if ql > line || ql == line && qc >= col {
			break
		}
		c := body[i]
		if basic && c == '\\' && i+1 < len(body) {
			if multi {
				if j, lines, lastCol, ok := lineEndingBackslash(body, i); ok {
					i = j
					if lines > 0 {
						fl += lines
						fc = lastCol
					} else {
						fc += lastCol - 1
					}
					continue
				}
			}
			n, decoded := escapeLen(body[i:])
			i += n
			fc += n
			if decoded == '\n' {
				// \n in a basic string is a newline of the query but not of the file.
				ql, qc = ql+1, 1
			} else {
				qc += utf8.RuneLen(decoded)
			}
			continue
		}
		if c == '\n' {
			fl, fc, ql, qc = fl+1, 1, ql+1, 1
		} else {
			fc, qc = fc+1, qc+1
		}
		i++
	}
	if ql == line {
		return fl, fc + col - qc
	}
	if ql < line {
		return fl + line - ql, col
	}
	return fl, fc
}

// lineEndingBackslash reports whether body[i] is a backslash that ends a
// line of a multi-line basic string; if so it returns where the string goes
// on, how many newlines were skipped, and the column there.
func lineEndingBackslash(body string, i int) (next, lines, col int, ok bool) {
	j := i + 1
	for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r') {
		j++
	}
	if j >= len(body) || body[j] != '\n' {
		return 0, 0, 0, false
	}
	col = 1
	for j < len(body) && (body[j] == ' ' || body[j] == '\t' || body[j] == '\r' || body[j] == '\n') {
		if body[j] == '\n' {
			lines++
			col = 1
		} else {
			col++
		}
		j++
	}
	return j, lines, col, true
}

// escapeLen returns the length of the escape sequence at the start of s and
// the character it stands for.
func escapeLen(s string) (n int, decoded rune) {
	switch s[1] {
	case 'b':
		return 2, '\b'
	case 't':
		return 2, '\t'
	case 'n':
		return 2, '\n'
	case 'f':
		return 2, '\f'
	case 'r':
		return 2, '\r'
	case 'e':
		return 2, 0x1b
	case 'x':
		return hexEscape(s, 2)
	case 'u':
		return hexEscape(s, 4)
	case 'U':
		return hexEscape(s, 8)
	}
	r, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size, r
}

func hexEscape(s string, digits int) (int, rune) {
	if len(s) < 2+digits {
		return len(s), utf8.RuneError
	}
	v, err := strconv.ParseUint(s[2:2+digits], 16, 32)
	if err != nil || !utf8.ValidRune(rune(v)) {
		return 2 + digits, utf8.RuneError
	}
	return 2 + digits, rune(v)
}
