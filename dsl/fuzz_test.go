package dsl

import (
	"testing"
	"unicode/utf8"
)

// FuzzAnalyze checks that tokens are non-empty, in order, within the text,
// at most 255 UTF-16 units long, and that matching a phrase of a text's own
// tokens against it succeeds.
func FuzzAnalyze(f *testing.F) {
	for _, s := range []string{"The 2 QUICK Brown-Foxes", "a.b:c'd 1,2;3", "__init__ _", "中文カタカナ", "e\u0301\u200d", "\xff\xfe", "İK"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tk := tokenizer{s: s}
		last := 0
		var toks []string
		for {
			start, end, ok := tk.next()
			if !ok {
				break
			}
			if start < last || end <= start || end > len(s) {
				t.Fatalf("token [%d,%d) after %d in %q", start, end, last, s)
			}
			units := 0
			for _, r := range s[start:end] {
				units += u16len(r)
			}
			if units > maxTokenLen {
				t.Fatalf("token of %d units", units)
			}
			last = end
			toks = append(toks, lower(s[start:end]))
		}
		if !utf8.ValidString(s) || len(toks) == 0 || len(toks) > 20 {
			return
		}
		p := &textPred{phrases: [][]string{toks}}
		if len(toks) == 1 {
			p = &textPred{terms: toks}
		}
		p.finish()
		// Lowercasing may change how a text tokenizes only in corner
		// cases; the phrase of the text's own tokens must match it.
		if !p.matchText(s) {
			t.Fatalf("%q does not match its own tokens %q", s, toks)
		}
	})
}
