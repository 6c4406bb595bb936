package dsl

import (
	"slices"
	"sort"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// TestFieldSlot checks that multi-fields read their parent's slot, and
// that fields below a name the non-ECS schema types as a keyword
// ("process") are not taken for multi-fields of it.
func TestFieldSlot(t *testing.T) {
	s := event.NewSchema()
	c := New(s, Options{})
	for _, tt := range []struct{ name, src, typ string }{
		{"process.name", "process.name", "keyword"},
		{"user_agent.original", "user_agent.original", "keyword"},
		{"process.command_line.text", "process.command_line", "match_only_text"},
		{"user_agent.original.text", "user_agent.original", "match_only_text"},
		{"powershell.file.script_block_text", "powershell.file.script_block_text", "text"},
		{"custom.field", "custom.field", ""},
	} {
		f := c.Field(tt.name)
		if got := s.Name(f.Slot); got != tt.src || f.Type != tt.typ {
			t.Errorf("Field(%q) reads %q as %q, want %q as %q", tt.name, got, f.Type, tt.src, tt.typ)
		}
	}
}

// TestExpand compares Expand, which searches the sorted known fields from
// the pattern's text before its first wildcard, with matching the
// pattern against every field the schema and the types know.
func TestExpand(t *testing.T) {
	for _, types := range []match.FieldTypes{match.ECSAndNonECS(), match.ECS()} {
		s := event.NewSchema()
		for _, name := range []string{"custom.hash.x", "file.hash.custom", "zz.top", "a*b.c", `back\slash.x`, "process.name"} {
			s.Slot(name)
		}
		c := New(s, Options{Types: types})
		known := slices.Clone(s.Fields())
		known = append(known, types.(Lister).Fields()...)
		if !sort.StringsAreSorted(types.(Lister).Fields()) {
			t.Fatal("the types' fields are not sorted")
		}
		for _, pattern := range []string{
			"file.hash.*", "*.hash.*", "*", "process.*", "process.*.name", "process.pe.*", "zz*",
			"nothing.here.*", "a*", `back\slash.*`, "?rocess.*", "proc?ss.*", "file.hash*", "@*", "~*", "custom.*",
		} {
			t.Run(pattern, func(t *testing.T) {
				g := match.CompileGlob(pattern, match.GlobStar, false)
				var want []string
				for _, name := range known {
					if g.Match(name) && !slices.Contains(want, name) {
						want = append(want, name)
					}
				}
				sort.Strings(want)
				if got := c.Expand(pattern); !slices.Equal(got, want) {
					t.Errorf("Expand(%q): %d fields %.5q, want %d %.5q", pattern, len(got), got, len(want), want)
				}
			})
		}
	}
}

func BenchmarkExpand(b *testing.B) {
	c := New(event.NewSchema(), Options{})
	c.Expand("file.hash.*") // the field list built once, before
	b.ReportAllocs()
	for b.Loop() {
		for _, p := range []string{"file.hash.*", "process.*.name", "winlog.event_data.*"} {
			c.Expand(p)
		}
	}
}
