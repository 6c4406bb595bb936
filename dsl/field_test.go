package dsl

import (
	"testing"

	"github.com/vigilsec/vigil/event"
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
