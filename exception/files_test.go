package exception

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	rules := filepath.Join(dir, "rules")
	exc := write("rules/windows/lateral_exceptions.toml", "[metadata]\ncreation_date = \"2024/01/01\"\n\n[[exceptions]]\nname = \"x\"\n")
	write("rules/windows/rule.toml", "[metadata]\n\n[rule]\nname = \"r\"\n")
	write("rules/windows/notes.md", "[[exceptions]]\n")
	lists := filepath.Join(dir, "lists")
	ndjson := write("lists/export.ndjson", "{}\n")
	json := write("lists/more/items.JSON", "{}\n")
	toml := write("lists/more/exceptions.toml", "[[exceptions]]\n")
	write("lists/more/rule.toml", "[rule]\n[[exceptions]]\n")
	named := write("named.txt", "whatever it holds")

	tests := []struct {
		name  string
		paths []string
		want  []string
	}{
		{"rules folder", []string{rules}, []string{exc}},
		{"lists folder", []string{lists}, []string{ndjson, json, toml}},
		{"named file", []string{named}, []string{named}},
		{"both", []string{named, rules}, []string{named, exc}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Files(tt.paths)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("got %q, want %q", got, want)
			}
		})
	}
	if _, err := Files([]string{filepath.Join(dir, "absent")}); !os.IsNotExist(err) {
		t.Errorf("a missing path: got %v, want a not-exist error", err)
	}
}
