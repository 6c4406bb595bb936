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

// TestLoadPathsSkipsExceptionsFiles: a detection-rules exceptions file
// among rules is not a rule and not an error.
func TestLoadPathsSkipsExceptionsFiles(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "r.toml"), []byte(minimal+"type = \"query\"\nquery = \"a:b\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "x_exceptions.toml"), []byte("[metadata]\nlist_name = \"l\"\n\n[[exceptions]]\n[exceptions.container]\nlist_id = \"l\"\n"), 0o644)
	rules, _, errs := LoadPaths(dir)
	if len(rules) != 1 || len(errs) != 0 {
		t.Errorf("%d rules, errors %v", len(rules), errs)
	}
	if IsExceptionsFile([]byte(minimal)) {
		t.Error("a rule taken for an exceptions file")
	}
}
