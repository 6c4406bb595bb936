package rule

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestCorpus loads every active rule of Elastic's detection-rules corpus.
// The counts are those of elastic/detection-rules at the commit in
// $VIGIL_SHARED/README.md.
func TestCorpus(t *testing.T) {
	rules, warns, errs := LoadPaths(testenv.DetectionRules(t)...)
	for _, err := range errs {
		t.Error(err)
	}
	for _, w := range warns {
		t.Logf("warning: %s", w)
	}
	byType := map[string]int{}
	byLang := map[string]int{}
	for _, r := range rules {
		if strings.Contains(r.Path, "_deprecated/") {
			t.Errorf("%s: deprecated rule loaded", r.Path)
		}
		byType[r.Type]++
		byLang[r.Language]++
		if r.Language == "kuery" {
			byType["kuery/"+r.Type]++
		}
		if r.Window() <= 0 || r.IntervalDuration() <= 0 {
			t.Errorf("%s: window %v, interval %v", r.Path, r.Window(), r.IntervalDuration())
		}
		checkQueryPos(t, r)
	}
	want := map[string]int{
		"all": 2068, "eql": 1024, "kuery": 729, "kuery/query": 454, "kuery/new_terms": 241,
		"kuery/threshold": 28, "kuery/threat_match": 6, "esql": 209, "machine_learning": 106,
	}
	got := map[string]int{
		"all": len(rules), "eql": byLang["eql"], "kuery": byLang["kuery"], "kuery/query": byType["kuery/query"],
		"kuery/new_terms": byType["kuery/new_terms"], "kuery/threshold": byType["kuery/threshold"],
		"kuery/threat_match": byType["kuery/threat_match"], "esql": byLang["esql"],
		"machine_learning": byType["machine_learning"],
	}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %d rules, want %d", k, got[k], w)
		}
	}
	t.Logf("%d rules: by type %v, by language %v", len(rules), byType, byLang)
}

// checkQueryPos checks that the first character of every line of the query
// is found where QueryPos says it is in the file.
func checkQueryPos(t *testing.T, r *Rule) {
	t.Helper()
	if r.Query == "" {
		return
	}
	data, err := os.ReadFile(r.Path)
	if err != nil {
		t.Fatal(err)
	}
	fileLines := strings.Split(string(data), "\n")
	for i, ql := range strings.Split(r.Query, "\n") {
		if ql == "" {
			continue
		}
		l, c := r.QueryPos(i+1, 1)
		if l < 1 || l > len(fileLines) || c < 1 || c > len(fileLines[l-1]) {
			t.Errorf("%s: query line %d maps to %d:%d, outside the file", r.Path, i+1, l, c)
			return
		}
		got := fileLines[l-1][c-1]
		if got != ql[0] && !(got == '\\' && (r.QueryStyle == Basic || r.QueryStyle == MultiLineBasic)) {
			t.Errorf("%s: query line %d starts with %q, file has %q at %d:%d", r.Path, i+1, ql[0], got, l, c)
			return
		}
	}
}

func BenchmarkLoadCorpus(b *testing.B) {
	paths := testenv.DetectionRules(b)
	var size int64
	for _, p := range paths {
		filepath.Walk(p, func(path string, fi os.FileInfo, err error) error {
			if err == nil && !fi.IsDir() && strings.HasSuffix(path, ".toml") && !strings.Contains(path, "_deprecated") {
				size += fi.Size()
			}
			return nil
		})
	}
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		rules, _, errs := LoadPaths(paths...)
		if len(errs) > 0 || len(rules) == 0 {
			b.Fatal(errs)
		}
	}
}

// BenchmarkLoadWindows loads the corpus as vigil hunt --tag "OS: Windows"
// does: every file read, the few hundred that may hold the tag parsed.
func BenchmarkLoadWindows(b *testing.B) {
	paths := testenv.DetectionRules(b)
	sel := Selection{Groups: [][]string{{"OS: Windows"}}}
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		l := LoadSelected(sel, paths...)
		if len(l.Errors) > 0 || len(l.Rules) == 0 {
			b.Fatal(l.Errors)
		}
		n = len(l.Rules)
	}
	b.ReportMetric(float64(n), "rules")
}

func BenchmarkParse(b *testing.B) {
	data, err := os.ReadFile("testdata/sample.toml")
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Parse("sample.toml", data); err != nil {
			b.Fatal(err)
		}
	}
}

// corpusTOML reads every TOML file of the detection-rules corpus, for
// benchmarks of what loading does to each file; size is their bytes.
func corpusTOML(tb testing.TB) (files [][]byte, size int64) {
	for _, dir := range testenv.DetectionRules(tb) {
		filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
			if err == nil && !d.IsDir() && strings.HasSuffix(path, ".toml") {
				if data, err := os.ReadFile(path); err == nil {
					files = append(files, data)
					size += int64(len(data))
				}
			}
			return nil
		})
	}
	return files, size
}
