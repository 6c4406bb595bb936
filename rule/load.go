package rule

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/internal/workers"
)

// Parse decodes one detection-rules TOML document; path is used in
// positions and errors. It returns the rule even when there are errors (as
// far as it could be decoded), the warnings (unknown keys, once per key
// name), and an error that is a srcpos.ErrorList (see errors.go).
func Parse(path string, data []byte) (*Rule, []Warning, error) {
	b, err := parseTree(data)
	if err != nil {
		var se *syntaxError
		if errors.As(err, &se) {
			return nil, nil, srcpos.ErrorList{keyError(path, se.line, se.col, "", se.msg)}
		}
		return nil, nil, srcpos.ErrorList{keyError(path, 0, 0, "", err.Error())}
	}
	d := &decoder{b: b, path: path}
	r := d.document(b.root)
	b.release()
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

// A Loader parses a rule file of another format than detection-rules
// TOML (Sigma YAML) into rules; like Parse, it returns what it could read
// with the errors.
type Loader func(path string, data []byte) ([]*Rule, []Warning, error)

// loaders maps a file ending (".yml") to its loader. Packages above rule
// register theirs at init, so that rule needs none of their dependencies.
var loaders = map[string]Loader{}

// RegisterLoader makes LoadPaths and Files take files ending in ext (with
// its dot) and parse them with l. It is meant to be called from init.
func RegisterLoader(ext string, l Loader) { loaders[ext] = l }

// loaderOf returns the loader of a file other than TOML, or nil.
func loaderOf(path string) Loader {
	if strings.HasSuffix(path, ".toml") {
		return nil
	}
	return loaders[strings.ToLower(filepath.Ext(path))]
}

// TestSuffix ends the names of rule test files (package ruletest), which
// sit beside the rules in their folders but are not rules.
const TestSuffix = ".test.toml"

// Files expands rule files and folders into the rule files to load.
// Folders are walked recursively for *.toml files (and the endings of
// registered loaders: see RegisterLoader), skipping folders named
// _deprecated (rules Elastic retired), hidden folders and rule tests
// (*.test.toml); files given by name are always taken. The files come out
// sorted, without duplicates. Paths that cannot be read are returned as
// errors and the rest is still expanded.
func Files(paths ...string) (files []string, errs []error) {
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
			if strings.HasSuffix(d.Name(), ".toml") && !strings.HasSuffix(d.Name(), TestSuffix) || loaderOf(d.Name()) != nil {
				files = append(files, path)
			}
			return nil
		})
		if err != nil {
			errs = append(errs, err)
		}
	}
	sort.Strings(files)
	return dedupe(files), errs
}

// Loaded is what loading rule files and folders gave (see Load).
type Loaded struct {
	Rules    []*Rule
	Warnings []Warning
	Errors   []error
	// ExceptionFiles are the detection-rules exceptions files met among
	// the rule files (see IsExceptionsFile), sorted: detection-rules keeps
	// them beside its rules, and package exception loads them.
	ExceptionFiles []string
	// Unparsed counts the rule files a Selection left unparsed: they
	// could not hold a selected rule (see LoadSelected).
	Unparsed int
}

// LoadPaths loads rule files and folders: Load without the exceptions
// files.
func LoadPaths(paths ...string) (rules []*Rule, warns []Warning, errs []error) {
	l := Load(paths...)
	return l.Rules, l.Warnings, l.Errors
}

// Load loads rule files and folders (see Files for which files).
// Detection-rules exceptions files among them (see IsExceptionsFile) are
// not rules: their paths are returned, so that no caller reads the files
// again to find them. Rules come out sorted by path, so a load is
// deterministic. Files with errors are skipped (their errors returned)
// and loading goes on. Warnings are folded by key name over the whole
// load: one per unknown key, with its first position and a count. A
// rule_id met again (in another file, or in the same file reached by two
// paths) is loaded once, from the first path, with a warning naming both
// files.
func Load(paths ...string) Loaded { return LoadSelected(Selection{}, paths...) }

// LoadSelected is Load that parses only the rule files that could hold a
// rule sel selects (see Selection); the caller still selects among the
// rules loaded.
func LoadSelected(sel Selection, paths ...string) Loaded {
	files, errs := Files(paths...)
	parsed := parseFiles(files, sel.compile())
	l := Loaded{Errors: errs}
	byKey := map[string]int{}
	byID := map[string]*Rule{}
	var dups []Warning
	for i, f := range files {
		p := parsed[i]
		if p.exceptions {
			l.ExceptionFiles = append(l.ExceptionFiles, f)
			continue
		}
		if p.unparsed {
			l.Unparsed++
			continue
		}
		for _, x := range p.warns {
			if i, ok := byKey[x.Key]; ok {
				l.Warnings[i].Count++
				continue
			}
			byKey[x.Key] = len(l.Warnings)
			l.Warnings = append(l.Warnings, x)
		}
		if p.err != nil {
			l.Errors = append(l.Errors, p.err)
			if loaderOf(f) == nil {
				continue
			}
		}
		for _, r := range p.rules {
			if r == nil {
				continue
			}
			if first, ok := byID[r.ID]; ok && r.ID != "" {
				dups = append(dups, duplicate(first, r))
				continue
			}
			byID[r.ID] = r
			l.Rules = append(l.Rules, r)
		}
	}
	l.Warnings = append(l.Warnings, dups...)
	return l
}

// parsedFile is what reading and parsing one rule file gave.
type parsedFile struct {
	rules      []*Rule
	warns      []Warning
	err        error
	exceptions bool // an exceptions file, not rules
	unparsed   bool // left unparsed by a Selection
}

// parseFiles reads and parses files on every core (a corpus is some
// thousands of small files, and parsing is most of loading it); the
// results come back in the order of files, so that what LoadPaths makes of
// them does not depend on timing.
func parseFiles(files []string, sel *selector) []parsedFile {
	out := make([]parsedFile, len(files))
	workers.Each(len(files), func(i int) { out[i] = parseFile(files[i], sel) })
	return out
}

// parseFile reads and parses one rule file, unless it is a TOML file
// that could not hold a rule sel selects.
func parseFile(f string, sel *selector) parsedFile {
	if l := loaderOf(f); l != nil {
		data, err := os.ReadFile(f)
		if err != nil {
			return parsedFile{err: err}
		}
		if IsExceptionsFile(data) {
			return parsedFile{exceptions: true}
		}
		var p parsedFile
		p.rules, p.warns, p.err = l(f, data)
		return p
	}
	// Parse keeps nothing of the bytes (it copies what the rule holds):
	// the buffer serves the next file.
	buf := fileBufs.Get().(*[]byte)
	defer fileBufs.Put(buf)
	data, err := readFile(f, (*buf)[:0])
	if cap(data) <= maxFileBuf {
		*buf = data
	}
	if err != nil {
		return parsedFile{err: err}
	}
	if IsExceptionsFile(data) {
		return parsedFile{exceptions: true}
	}
	if !sel.mayHold(data) {
		return parsedFile{unparsed: true}
	}
	var p parsedFile
	var r *Rule
	r, p.warns, p.err = Parse(f, data)
	p.rules = []*Rule{r}
	return p
}

// fileBufs holds the buffers rule files are read into; a buffer that grew
// past maxFileBuf is not kept.
var fileBufs = sync.Pool{New: func() any { return new([]byte) }}

const maxFileBuf = 1 << 20

// readChunk is the room readFile makes before each read: more than most
// rule files hold.
const readChunk = 64 << 10

// readFile appends the contents of a file to buf. Rule files are small:
// a buffer of readChunk holds most, so the file is not stat'ed for its
// size (a system call per file, thousands per load).
func readFile(name string, buf []byte) ([]byte, error) {
	f, err := openRaw(name)
	if err != nil {
		return buf, err
	}
	defer f.Close()
	if cap(buf)-len(buf) < readChunk {
		buf = slices.Grow(buf, readChunk)
	}
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, readChunk)
		}
		n, err := f.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// duplicate is the warning for a rule whose rule_id an earlier file
// already gave: the same file reached twice (two --rules paths overlap),
// or two files with one rule_id. Kibana keeps one rule per rule_id; so does
// LoadPaths, the first by path.
func duplicate(first, again *Rule) Warning {
	msg := "rule_id " + strconv.Quote(again.ID) + " is also in " + first.Path + "; this copy is skipped"
	if sameFile(first.Path, again.Path) {
		msg = "file loaded twice (also as " + first.Path + "); this copy is skipped"
	}
	return Warning{Path: again.Path, Line: again.Line, Key: "rule.rule_id", Msg: msg, Count: 1}
}

func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
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
