package match

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// BenchmarkGlob matches the shapes a pattern can take (prefix, segments,
// with ?, escaped wildcards, ignoring case) against a decoded event's
// field, as a rule's predicate does.
func BenchmarkGlob(b *testing.B) {
	const doc = `{"process":{"executable":"C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",` +
		`"command_line":"powershell.exe -NoP -W Hidden -enc SQBFAFgAIAAoAE4AZQB3AC0ATwBiAGoAZQBjAHQAIABOAGUAdAAuAFcAZQBiAEMAbABpAGUAbgB0ACkA c:\\users\\public\\x.ps1"}}`
	cases := []struct {
		name, field, pattern string
		syntax               GlobSyntax
		fold                 bool
	}{
		{"prefix-fold", "process.executable", `c:\windows\*`, GlobStarQuestion, true},
		{"segments", "process.command_line", `*-NoP*Hidden*.ps1`, GlobStarQuestion, false},
		{"segments-fold", "process.command_line", `*-nop*hidden*.PS1`, GlobStarQuestion, true},
		{"general-fold", "process.executable", `*\system32\*\v?.0\*.exe`, GlobStarQuestion, true},
		{"general-miss", "process.command_line", `*?x*?y*?z*?q`, GlobStarQuestion, false},
		{"escaped-star", "process.command_line", `*-enc\*x*`, GlobLucene, false},
		{"escaped-fold", "process.command_line", `*HIDDEN\?*`, GlobLucene, true},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			s := event.NewSchema()
			p := WildcardGlob(s.Slot(c.field), CompileGlob(c.pattern, c.syntax, c.fold))
			var ev event.Event
			if err := s.Decode([]byte(doc), &ev); err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			for b.Loop() {
				p.Match(&ev)
			}
		})
	}
}
