package rule

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestSplitEnabled(t *testing.T) {
	parse := func(id, extra string) *Rule {
		src := strings.Replace(minimal, `rule_id = "x"`, `rule_id = "`+id+`"`, 1) + "type = \"query\"\nquery = \"a:b\"\n" + extra
		r, _, err := Parse(id+".toml", []byte(src))
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	rules := []*Rule{parse("on", "enabled = true\n"), parse("off", "enabled = false\n"), parse("unsaid", "")}
	ids := func(rs []*Rule) []string {
		var out []string
		for _, r := range rs {
			out = append(out, r.ID)
		}
		return out
	}
	for _, tc := range []struct {
		include       bool
		run, disabled []string
	}{
		{false, []string{"on", "unsaid"}, []string{"off"}},
		{true, []string{"on", "off", "unsaid"}, []string{"off"}},
	} {
		run, disabled := SplitEnabled(rules, tc.include)
		if !reflect.DeepEqual(ids(run), tc.run) || !reflect.DeepEqual(ids(disabled), tc.disabled) {
			t.Errorf("include %v: run %v disabled %v, want %v %v", tc.include, ids(run), ids(disabled), tc.run, tc.disabled)
		}
	}
}

// TestLoadPathsDuplicates loads one rule_id from two files and one file
// by two paths: each rule is loaded once, with a warning naming both files.
func TestLoadPathsDuplicates(t *testing.T) {
	dir := t.TempDir()
	src := minimal + "type = \"query\"\nquery = \"a:b\"\n"
	for _, name := range []string{"a.toml", "copy/b.toml"} {
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := strings.Replace(src, `rule_id = "x"`, `rule_id = "z"`, 1)
	if err := os.WriteFile(filepath.Join(dir, "z.toml"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	// z.toml once through the folder and once by a relative path.
	cwd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(cwd, filepath.Join(dir, "z.toml"))
	if err != nil {
		t.Fatal(err)
	}
	rules, warns, errs := LoadPaths(dir, rel)
	if len(errs) != 0 {
		t.Fatal(errs)
	}
	var got []string
	for _, r := range rules {
		got = append(got, r.ID+" "+strings.TrimPrefix(r.Path, dir+"/"))
	}
	if want := []string{"z " + rel, "x a.toml"}; !reflect.DeepEqual(got, want) {
		t.Errorf("rules %v, want %v", got, want)
	}
	var msgs []string
	for _, w := range warns {
		msgs = append(msgs, strings.ReplaceAll(w.String(), dir+"/", ""))
	}
	want := []string{
		`copy/b.toml:4: rule.rule_id: rule_id "x" is also in a.toml; this copy is skipped`,
		`z.toml:4: rule.rule_id: file loaded twice (also as ` + strings.ReplaceAll(rel, dir+"/", "") + `); this copy is skipped`,
	}
	if !reflect.DeepEqual(msgs, want) {
		t.Errorf("warnings:\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(want, "\n"))
	}
}

// TestLoadExceptionsFiles: a detection-rules exceptions file among rules
// is not a rule and not an error; Load returns its path, whether it was
// found in a folder or named, and not those of folders it does not walk.
func TestLoadExceptionsFiles(t *testing.T) {
	dir := t.TempDir()
	exc := []byte("[metadata]\nlist_name = \"l\"\n\n[[exceptions]]\n[exceptions.container]\nlist_id = \"l\"\n")
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("rules/r.toml", []byte(minimal+"type = \"query\"\nquery = \"a:b\"\n"))
	beside := write("rules/x_exceptions.toml", exc)
	write("rules/_deprecated/old_exceptions.toml", exc)
	named := write("elsewhere/y.toml", exc)
	for _, tc := range []struct {
		paths []string
		want  []string
	}{
		{[]string{filepath.Join(dir, "rules")}, []string{beside}},
		{[]string{named}, []string{named}},
		{[]string{filepath.Join(dir, "rules"), named}, []string{named, beside}},
		{[]string{filepath.Join(dir, "rules", "r.toml")}, nil},
	} {
		l := Load(tc.paths...)
		rules := 0
		if len(tc.paths) != 1 || tc.paths[0] != named {
			rules = 1
		}
		if len(l.Rules) != rules || len(l.Errors) != 0 {
			t.Errorf("%v: %d rules, errors %v", tc.paths, len(l.Rules), l.Errors)
		}
		if !reflect.DeepEqual(l.ExceptionFiles, tc.want) {
			t.Errorf("%v: exceptions files %v, want %v", tc.paths, l.ExceptionFiles, tc.want)
		}
	}
	if IsExceptionsFile([]byte(minimal)) {
		t.Error("a rule taken for an exceptions file")
	}
}

// TestIsExceptionsFile: a header counts only at the start of a line, and
// a bracket sequence that is not one (inside a string, indented, after
// other text) is passed over for a later one that is.
func TestIsExceptionsFile(t *testing.T) {
	for _, tc := range []struct {
		name, text string
		want       bool
	}{
		{"first line", "[[exceptions]]\nname = \"a\"\n", true},
		{"after metadata", "[metadata]\ncreation_date = \"2020/01/01\"\n\n[[exceptions]]\nname = \"a\"\n", true},
		{"rule too", "[[exceptions]]\nname = \"a\"\n[rule]\nname = \"b\"\n", false},
		{"rule first", "[rule]\nname = \"b\"\n[[exceptions]]\n", false},
		{"rule mid-line only", "[[exceptions]]\nnote = \"see [rule]\"\n", true},
		{"indented", "[metadata]\n  [[exceptions]]\n", false},
		{"in a string, then a header", "note = \"x[[exceptions]]\"\n[[exceptions]]\n", true},
		{"in a string only", "note = \"x[[exceptions]]\"\n", false},
		{"at the very end", "[metadata]\n[[exceptions]]", true},
		{"truncated", "[metadata]\n[[exceptions]", false},
		{"empty", "", false},
		{"rule", minimal, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsExceptionsFile([]byte(tc.text)); got != tc.want {
				t.Errorf("IsExceptionsFile(%q) = %v, want %v", tc.text, got, tc.want)
			}
		})
	}
}

func BenchmarkIsExceptionsFile(b *testing.B) {
	files, size := corpusTOML(b)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, f := range files {
			IsExceptionsFile(f)
		}
	}
}
