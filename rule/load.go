package rule

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Parse decodes one detection-rules TOML document; path is used in
// positions and errors. It returns the rule even when there are errors (as
// far as it could be decoded), the warnings (unknown keys, once per key
// name), and an error that is a srcpos.ErrorList (see errors.go).
func Parse(path string, data []byte) (*Rule, []Warning, error) {
	root, err := parseTree(data)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, nil, srcpos.ErrorList{keyError(path, se.line, se.col, "", se.msg)}
		}
		return nil, nil, srcpos.ErrorList{keyError(path, 0, 0, "", err.Error())}
	}
	d := &decoder{path: path}
	r := d.document(root)
	sort.SliceStable(d.warns, func(i, j int) bool {
		a, b := d.warns[i], d.warns[j]
		return a.Line < b.Line || a.Line == b.Line && a.Col < b.Col
	})
	if len(d.errs) > 0 {
		return r, d.warns, d.errs
	}
	return r, d.warns, nil
}

// LoadFile reads and parses one rule file.
func LoadFile(path string) (*Rule, []Warning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	return Parse(path, data)
}

// LoadPaths loads rule files and folders. Folders are walked recursively for
// *.toml files, skipping folders named _deprecated (rules Elastic retired)
// and hidden folders; files given by name are always loaded. Rules come out
// sorted by path, so a load is deterministic. Files with errors are
// skipped (their errors returned) and loading goes on. Warnings are folded
// by key name over the whole load: one per unknown key, with its first
// position and a count.
func LoadPaths(paths ...string) (rules []*Rule, warns []Warning, errs []error) {
	var files []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if !fi.IsDir() {
			files = append(files, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				errs = append(errs, err)
				return nil
			}
			if d.IsDir() {
				name := d.Name()
				if path != p && (name == "_deprecated" || strings.HasPrefix(name, ".")) {
					return filepath.SkipDir
				}
				return nil
			}
			if strings.HasSuffix(d.Name(), ".toml") {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	sort.Strings(files)
	files = dedupe(files)

	byKey := map[string]int{}
	for _, f := range files {
		r, w, err := LoadFile(f)
		for _, x := range w {
			if i, ok := byKey[x.Key]; ok {
				warns[i].Count++
				continue
			}
			byKey[x.Key] = len(warns)
			warns = append(warns, x)
		}
		if err != nil {
			errs = append(errs, err)
			continue
		}
		rules = append(rules, r)
	}
	return rules, warns, errs
}

func dedupe(sorted []string) []string {
	out := sorted[:0]
	for i, s := range sorted {
		if i == 0 || s != sorted[i-1] {
			out = append(out, s)
		}
	}
	return out
}
