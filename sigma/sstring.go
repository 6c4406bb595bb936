package sigma

import (
	"encoding/base64"
	"fmt"
	"strings"
	"unicode/utf16"
)

// sstring is a Sigma string value: literal text and wildcards (* and ?
// unless escaped with a backslash, which escapes *, ? and itself only).
type sstring []spart

// spart is a literal run or a wildcard.
type spart struct {
	lit  string
	wild byte // '*' or '?', or 0 for a literal
}

// parseSString reads a value; wild is false for numbers and booleans,
// which have no wildcards.
func parseSString(s string, wild bool) sstring {
	if !wild {
		return literalS(s)
	}
	var out sstring
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			out = append(out, spart{lit: b.String()})
			b.Reset()
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\' && i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\'):
			b.WriteByte(s[i+1])
			i++
		case c == '*' || c == '?':
			flush()
			out = append(out, spart{wild: c})
		default:
			b.WriteByte(c)
		}
	}
	flush()
	return out
}

func literalS(s string) sstring {
	if s == "" {
		return nil
	}
	return sstring{{lit: s}}
}

// literal returns the value when it has no wildcard.
func (s sstring) literal() (string, bool) {
	var b strings.Builder
	for _, p := range s {
		if p.wild != 0 {
			return "", false
		}
		b.WriteString(p.lit)
	}
	return b.String(), true
}

// glob renders the value as a match.GlobLucene pattern for a match kind:
// equality, contains, startswith or endswith.
func (s sstring) glob(kind string) string {
	var b strings.Builder
	if kind == "contains" || kind == "endswith" {
		b.WriteByte('*')
	}
	for _, p := range s {
		if p.wild != 0 {
			b.WriteByte(p.wild)
			continue
		}
		for i := 0; i < len(p.lit); i++ {
			if c := p.lit[i]; c == '*' || c == '?' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(p.lit[i])
		}
	}
	if kind == "contains" || kind == "startswith" {
		b.WriteByte('*')
	}
	return b.String()
}

// windashChars are the characters a Windows command line flag may start
// with, which the windash modifier makes interchangeable with '-'.
var windashChars = []string{"-", "/", "\u2013", "\u2014", "\u2015"}

// windash returns every variant of the value with each flag dash of its
// literal parts (a - or / after a non-word character and before a word
// character) replaced by each of windashChars.
func (s sstring) windash() []sstring {
	out := []sstring{nil}
	for i, p := range s {
		if p.wild != 0 {
			for j := range out {
				out[j] = append(out[j], p)
			}
			continue
		}
		// Positions of flag dashes in this literal; a literal that follows
		// a wildcard starts after an unknown character, taken as non-word.
		var pos []int
		lit := p.lit
		for k := 0; k < len(lit); k++ {
			if lit[k] != '-' && lit[k] != '/' {
				continue
			}
			before := k == 0 && (i == 0 || s[i-1].wild != 0) || k > 0 && !isWord(lit[k-1])
			after := k+1 < len(lit) && isWord(lit[k+1])
			if before && after {
				pos = append(pos, k)
			}
		}
		variants := []string{lit}
		for n := len(pos) - 1; n >= 0; n-- {
			k := pos[n]
			var next []string
			for _, v := range variants {
				for _, d := range windashChars {
					next = append(next, v[:k]+d+v[k+1:])
				}
			}
			variants = next
			if len(variants)*len(out) > maxVariants {
				break
			}
		}
		var grown []sstring
		for _, o := range out {
			for _, v := range variants {
				grown = append(grown, append(append(sstring(nil), o...), spart{lit: v}))
			}
		}
		out = grown
	}
	return out
}

func isWord(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= 0x80
}

// expand replaces %name% placeholders with each of their values.
func (s sstring) expand(values map[string][]string) ([]sstring, error) {
	out := []sstring{nil}
	for _, p := range s {
		if p.wild != 0 {
			for j := range out {
				out[j] = append(out[j], p)
			}
			continue
		}
		lit := p.lit
		for lit != "" {
			i := strings.IndexByte(lit, '%')
			j := -1
			if i >= 0 {
				j = strings.IndexByte(lit[i+1:], '%')
			}
			if i < 0 || j < 0 {
				for k := range out {
					out[k] = append(out[k], spart{lit: lit})
				}
				break
			}
			name := lit[i+1 : i+1+j]
			vals, ok := values[name]
			if !ok {
				return nil, &unsetError{name: name}
			}
			var grown []sstring
			for _, o := range out {
				if i > 0 {
					o = append(append(sstring(nil), o...), spart{lit: lit[:i]})
				}
				for _, v := range vals {
					grown = append(grown, append(append(sstring(nil), o...), parseSString(v, true)...))
				}
			}
			if len(grown) > maxVariants {
				return nil, unsupported("placeholder %%%s%% expands to more than %d values", name, maxVariants)
			}
			out = grown
			lit = lit[i+2+j:]
		}
	}
	return out, nil
}

// unsetError is a placeholder without values (see compiler.transform).
type unsetError struct{ name string }

func (e *unsetError) Error() string {
	return fmt.Sprintf("placeholder %%%s%% has no values (give them with --sigma-placeholder %s=VALUE)", e.name, e.name)
}

// placeholders returns the names of the %name% placeholders of s, as
// expand reads them.
func (s sstring) placeholders() []string {
	var out []string
	for _, p := range s {
		lit := p.lit
		for p.wild == 0 && lit != "" {
			i := strings.IndexByte(lit, '%')
			if i < 0 {
				break
			}
			j := strings.IndexByte(lit[i+1:], '%')
			if j < 0 {
				break
			}
			out = append(out, lit[i+1:i+1+j])
			lit = lit[i+2+j:]
		}
	}
	return out
}

// encodeUTF16 encodes s as UTF-16 bytes (big endian if be, little endian
// otherwise; with a byte order mark if bom).
func encodeUTF16(s string, be, bom bool) string {
	units := utf16.Encode([]rune(s))
	var b strings.Builder
	put := func(u uint16) {
		if be {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, u := range units {
		put(u)
	}
	return b.String()
}

func base64Std(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// base64Offsets returns the three encodings of s at byte offsets 0, 1 and
// 2 of a base64 stream, each cut to the characters that depend on s
// alone: one of them occurs in any base64 text that encodes s.
func base64Offsets(s string) []string {
	var out []string
	for i := 0; i < 3; i++ {
		enc := base64.StdEncoding.EncodeToString([]byte(strings.Repeat(" ", i) + s))
		start := [3]int{0, 2, 3}[i]
		end := len(enc) - [3]int{0, 3, 2}[(len(s)+i)%3]
		if start < end {
			out = append(out, enc[start:end])
		}
	}
	return out
}

func (s sstring) String() string { return fmt.Sprintf("%q", s.glob("")) }
