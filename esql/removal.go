package esql

import (
	"regexp/syntax"
	"strings"
	"unicode/utf8"
)

// Elastic's PowerShell-obfuscation rules count the matches of a pattern
// by replacing each with an emoji and subtracting lengths:
//
//	EVAL tmp = REPLACE(text, pattern, "🔥")
//	EVAL n = LENGTH(tmp) - LENGTH(REPLACE(tmp, "🔥", ""))
//
// LENGTH(REPLACE(tmp, "🔥", "")) builds a copy of a script block (tens of
// kB) only to count its characters. Removing the occurrences of a valid
// UTF-8 literal from a valid UTF-8 string removes whole characters, so
// the count is the string's less those of the literal's occurrences,
// found without a copy (lengthOfRemoval).

// removal is REPLACE(col, lit, "") of a column and a pattern that is a
// literal string.
type removal struct {
	col *cexpr
	lit string
	n   int // the literal's characters
}

// newRemoval returns the removal of REPLACE(a[0], a[1], a[2]) (Go pattern
// gp), or nil when it is not one: the first argument is not a column
// (whose evaluation has no effect, so it may be read twice), the
// replacement is not a literal "", or the pattern matches other than a
// non-empty literal string.
func newRemoval(x *Call, a []*cexpr, gp string) *removal {
	if _, ok := x.Args[0].(*Field); !ok || !a[2].isLit || a[2].lit != "" {
		return nil
	}
	p, err := syntax.Parse(gp, syntax.Perl)
	if err != nil {
		return nil
	}
	p = p.Simplify()
	if p.Op != syntax.OpLiteral || p.Flags&syntax.FoldCase != 0 || len(p.Rune) == 0 {
		return nil
	}
	lit := string(p.Rune)
	if !utf8.ValidString(lit) {
		return nil
	}
	return &removal{col: a[0], lit: lit, n: len(p.Rune)}
}

// lengthOfRemoval is LENGTH(REPLACE(col, lit, "")), e, counted without
// the copy when the column holds one valid UTF-8 string; e decides any
// other value (null, several, invalid UTF-8), warnings included.
func lengthOfRemoval(r *removal, e *cexpr) *cexpr {
	return &cexpr{t: TInt, src: e.src, eval: func(row []any, w *Warnings) any {
		if s, ok := r.col.eval(row, w).(string); ok && utf8.ValidString(s) {
			return int64(utf8.RuneCountInString(s) - strings.Count(s, r.lit)*r.n)
		}
		return e.eval(row, w)
	}}
}
