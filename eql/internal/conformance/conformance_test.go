package conformance

import (
	"testing"

	"github.com/pelletier/go-toml/v2"
)

func TestQuoteBareNulls(t *testing.T) {
	tests := []struct{ in, want string }{
		{`join_keys = [null]`, `join_keys = ["null"]`},
		{`join_keys = ["tag1", null]`, `join_keys = ["tag1", "null"]`},
		{"join_keys = [\"null\",\n  null]", "join_keys = [\"null\",\n  \"null\"]"},
		{`join_keys = ["nullable", "a null"]`, `join_keys = ["nullable", "a null"]`},
		{`query = 'a == null'` + "\n" + `join_keys = [null]`, `query = 'a == null'` + "\n" + `join_keys = ["null"]`},
	}
	for _, tt := range tests {
		if got := string(quoteBareNulls([]byte(tt.in))); got != tt.want {
			t.Errorf("quoteBareNulls(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var v map[string]any
		if err := toml.Unmarshal(quoteBareNulls([]byte(tt.in)), &v); err != nil {
			t.Errorf("%q is not TOML after quoting: %v", tt.in, err)
		}
	}
}

func TestStripComments(t *testing.T) {
	in := "[\n //// test2\n {\"a\": \"http://x\"}\n]"
	want := "[\n {\"a\": \"http://x\"}\n]"
	if got := string(stripComments([]byte(in))); got != want {
		t.Errorf("stripComments = %q, want %q", got, want)
	}
}

func TestExpectedIDs(t *testing.T) {
	got, err := expectedIDs([]any{[]any{int64(1), int64(2)}, []any{int64(3)}})
	if err != nil || len(got) != 2 || got[1][0] != 3 {
		t.Errorf("alternatives: %v %v", got, err)
	}
	got, err = expectedIDs([]any{int64(1), int64(-1)})
	if err != nil || len(got) != 1 || got[0][1] != -1 {
		t.Errorf("flat: %v %v", got, err)
	}
	got, err = expectedIDs(nil)
	if err != nil || len(got) != 1 || len(got[0]) != 0 {
		t.Errorf("empty: %v %v", got, err)
	}
}
