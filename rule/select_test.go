package rule

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/match"
)

func TestSelectionMayHold(t *testing.T) {
	windows := Selection{Groups: [][]string{{"OS: Windows"}}}
	for _, tc := range []struct {
		name string
		sel  Selection
		data string
		want bool
	}{
		{"no selection", Selection{}, `tags = ["OS: Linux"]`, true},
		{"tag present", windows, `tags = ["Domain: Endpoint", "OS: Windows"]`, true},
		{"tag absent", windows, `tags = ["OS: Linux"]`, false},
		{"other case", windows, `tags = ["os: WINDOWS"]`, true},
		{"at the end", windows, `x = "OS: Windows`, true},
		{"cut short", windows, `x = "OS: Window`, false},
		{"unicode escape", windows, `tags = ["OS: \u0057indows"]`, true},
		{"hex escape", windows, `tags = ["OS: \x57indows"]`, true},
		{"line-ending backslash", windows, "tags = [\"\"\"OS: Win\\\n  dows\"\"\"]", true},
		{"escaped backslash is not an escape", windows, `q = "C:\\Users\\x"`, false},
		{"backslash at the end", windows, `q = "C:\`, true},
		{"kelvin sign folds to k", Selection{Groups: [][]string{{"kernel"}}}, "tags = [\"\u212Aernel\"]", true},
		{"long s folds to s", Selection{Groups: [][]string{{"sysmon"}}}, "tags = [\"\u017Fysmon\"]", true},
		{"want not ASCII", Selection{Groups: [][]string{{"Système"}}}, `tags = ["OS: Linux"]`, true},
		{"one of a group", Selection{Groups: [][]string{{"OS: macOS", "OS: Windows"}}}, `tags = ["OS: Windows"]`, true},
		{"every group", Selection{Groups: [][]string{{"OS: Windows"}, {"a1b2"}}}, `rule_id = "a1b2"` + "\n" + `tags = ["OS: Windows"]`, true},
		{"a group missing", Selection{Groups: [][]string{{"OS: Windows"}, {"a1b2"}}}, `rule_id = "c3"` + "\n" + `tags = ["OS: Windows"]`, false},
		{"one of many", Selection{Groups: [][]string{{"r1", "r2", "r3", "r4", "R5", "r6"}}}, `rule_id = "r5"`, true},
		{"none of many", Selection{Groups: [][]string{{"r1", "r2", "r3", "r4", "r5", "r6"}}}, `rule_id = "r7"`, false},
		{"one of many, text not ASCII", Selection{Groups: [][]string{{"r1", "r2", "r3", "r4", "r5", "r6"}}}, `note = "é"` + "\n" + `rule_id = "R6"`, true},
		{"none of many, text not ASCII", Selection{Groups: [][]string{{"r1", "r2", "r3", "r4", "r5", "r6"}}}, `note = "é"` + "\n" + `rule_id = "r7"`, false},
		{"want trimmed", Selection{Groups: [][]string{{"  Windows "}}}, `tags = ["OS: Windows"]`, true},
		{"tag present, an escape elsewhere", windows, `tags = ["OS: Windows"]` + "\n" + `q = "\u0041"`, true},
		{"second group only escaped", Selection{Groups: [][]string{{"OS: Windows"}, {"a1b2"}}}, `rule_id = "\u00611b2"` + "\n" + `tags = ["OS: Windows"]`, true},
		{"first group only escaped", Selection{Groups: [][]string{{"OS: Windows"}, {"a1b2"}}}, `rule_id = "a1b2"` + "\n" + `tags = ["\u004FS: Windows"]`, true},
	} {
		if got := tc.sel.compile().mayHold([]byte(tc.data)); got != tc.want {
			t.Errorf("%s: mayHold(%q) = %v, want %v", tc.name, tc.data, got, tc.want)
		}
	}
}

// TestLoadSelected checks that a selection leaves out only files that
// cannot hold a selected rule, counts them, and reports nothing of them.
func TestLoadSelected(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(id, tag string) string {
		return `[metadata]
creation_date = "2024/01/01"
[rule]
author = ["x"]
description = "d"
name = "` + id + `"
risk_score = 21
rule_id = "` + id + `"
severity = "low"
tags = ["` + tag + `"]
type = "query"
language = "kuery"
index = ["logs-*"]
query = "process.name: x"
`
	}
	write("a.toml", rule("a", "OS: Windows"))
	write("b.toml", rule("b", "OS: Linux"))
	write("c.toml", rule("c", "OS: Linux")+"broken = \n")
	write("d.toml", rule("d", "OS: Windows")+"broken = \n")
	all := Load(dir)
	if len(all.Rules) != 2 || len(all.Errors) != 2 || all.Unparsed != 0 {
		t.Fatalf("Load: %d rules, %d errors, %d unparsed; want 2, 2, 0", len(all.Rules), len(all.Errors), all.Unparsed)
	}
	sel := LoadSelected(Selection{Groups: [][]string{{"windows"}}}, dir)
	var ids []string
	for _, r := range sel.Rules {
		ids = append(ids, r.ID)
	}
	if !slices.Equal(ids, []string{"a"}) || len(sel.Errors) != 1 || sel.Unparsed != 2 {
		t.Fatalf("LoadSelected: rules %v, errors %v, %d unparsed; want [a], d.toml's error, 2", ids, sel.Errors, sel.Unparsed)
	}
}

// TestContainsFold checks the anchored search against lowering the text
// and searching it, around the anchor's occurrences.
func TestContainsFold(t *testing.T) {
	for _, tc := range []struct{ text, low string }{
		{"OS: Windows", "os: windows"},
		{": Windows OS: Windows", "os: windows"},
		{"xx: OS: Window", "os: windows"},
		{"OS: WindowsOS", "os: windows"},
		{"a: b", "a: b"},
		{"", "q"},
		{"Q", "q"},
		{"zzZ", "zz"},
		{"xqx", "qx"},
		{"q", "xq"},
		{"the quick brown fox", "quick"},
		{"the quack brown fox", "quick"},
		{"kernel KERNEL", "kernel"},
		{"   ", "  "},
		{"a b", "  "},
	} {
		want := strings.Contains(strings.ToLower(tc.text), tc.low)
		if got := containsFold(tc.text, tc.low); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", tc.text, tc.low, got, want)
		}
	}
}

func FuzzContainsFold(f *testing.F) {
	f.Add("OS: Windows", "os: windows")
	f.Add("xqx qx", "qx")
	f.Fuzz(func(t *testing.T, text, low string) {
		low = strings.ToLower(low)
		if low == "" || !match.IsASCII(low) || !match.IsASCII(text) {
			return
		}
		if got, want := containsFold(text, low), strings.Contains(strings.ToLower(text), low); got != want {
			t.Errorf("containsFold(%q, %q) = %v, want %v", text, low, got, want)
		}
	})
}

// TestReadFile checks readFile over the sizes around its read chunk and
// that its errors read as os.ReadFile's.
func TestReadFile(t *testing.T) {
	dir := t.TempDir()
	for _, n := range []int{0, 1, readChunk - 1, readChunk, readChunk + 1, 3*readChunk + 7} {
		want := make([]byte, n)
		for i := range want {
			want[i] = byte('a' + i%26)
		}
		name := filepath.Join(dir, "f")
		if err := os.WriteFile(name, want, 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := readFile(name, []byte("x"))
		if err != nil || string(got) != "x"+string(want) {
			t.Errorf("readFile of %d bytes: %d bytes, %v", n, len(got), err)
		}
	}
	for _, name := range []string{filepath.Join(dir, "missing"), dir} {
		_, want := os.ReadFile(name)
		if _, err := readFile(name, nil); err == nil || want == nil || err.Error() != want.Error() {
			t.Errorf("readFile(%q) = %v, want %v", name, err, want)
		}
	}
}

// BenchmarkSelectionMayHold tests every file of the corpus against
// vigil hunt --tag "OS: Windows"'s selection.
func BenchmarkSelectionMayHold(b *testing.B) {
	files, size := corpusTOML(b)
	sel := Selection{Groups: [][]string{{"OS: Windows"}}}.compile()
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			sel.mayHold(f)
		}
	}
}
