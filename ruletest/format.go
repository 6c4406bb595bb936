package ruletest

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/pelletier/go-toml/v2"

	"github.com/vigilsec/vigil/rule"
)

// File is one test file: the rule it tests and its cases.
type File struct {
	Path string // the test file
	// Rule is the path of the rule under test: the "rule" key, relative to
	// the test file, or the file beside it with the same stem.
	Rule  string
	Cases []Case

	// fsys and root are set for a file read from a file system other than
	// the operating system's (LoadFS): paths are root/name in fsys.
	fsys fs.FS
	root string
}

// Case is one [[test]]: events and the alerts they must raise.
type Case struct {
	Name string `toml:"name"`
	// Events are inline events, one JSON document per line (ECS, or a raw
	// winlog record as Winlogbeat and Elastic Agent ship it, which is
	// normalised as vigil hunt would). Blank lines and lines starting
	// with # are left out; event N is the Nth document.
	Events string `toml:"events"`
	// Files are event files or folders (EVTX, NDJSON, raw winlog JSON),
	// relative to the test file unless absolute, read with the inline events in one time
	// order.
	Files []string `toml:"files"`
	// Alerts is the number of alerts expected; without it, the number of
	// [[test.alert]] entries.
	Alerts *int `toml:"alerts"`
	// Expect describe the first alerts, in the order the rule raises them
	// (event time).
	Expect []Expect `toml:"alert"`

	events []string // the inline documents, comments and blank lines removed
}

// Expect is one expected alert.
type Expect struct {
	// Events name the alert's events, in order: a number is an inline
	// event (1-based), "FILE:N" is record or line N of an event file
	// (FILE as listed in files, or its base name). Empty: not checked.
	Events []any `toml:"events"`
	// Fields are values that one of the alert's events must hold; an array
	// field holds a value when one of its elements equals it.
	Fields map[string]any `toml:"fields"`
}

// testFile is the TOML document.
type testFile struct {
	Rule  string `toml:"rule"`
	Tests []Case `toml:"test"`
}

// Want returns the number of alerts the case expects.
func (c *Case) Want() int {
	if c.Alerts != nil {
		return *c.Alerts
	}
	return len(c.Expect)
}

// Load reads and checks a test file.
func Load(path string) (*File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadFS reads and checks a test file from fsys, such as the rule pack
// embedded in the binary; its rule is read from fsys too. root prefixes the
// paths shown (e.g. "builtin"). Cases in fsys cannot read event files.
func LoadFS(fsys fs.FS, root, name string) (*File, error) {
	data, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, err
	}
	f, err := Parse(path.Join(root, name), data)
	if err != nil {
		return nil, err
	}
	f.fsys, f.root = fsys, root
	for _, c := range f.Cases {
		if len(c.Files) > 0 {
			return nil, fmt.Errorf("%s: test %q: event files cannot be read from %s", f.Path, c.Name, root)
		}
	}
	return f, nil
}

// loadRule reads the rule under test.
func (f *File) loadRule() (*rule.Rule, error) {
	if f.fsys == nil {
		r, _, err := rule.LoadFile(f.Rule)
		return r, err
	}
	data, err := fs.ReadFile(f.fsys, strings.TrimPrefix(f.Rule, f.root+"/"))
	if err != nil {
		return nil, err
	}
	r, _, err := rule.Parse(f.Rule, data)
	return r, err
}

// Parse decodes a test file; path names it in errors and anchors its
// relative paths. Unknown keys are errors, so that a misspelt expectation
// cannot pass silently.
func Parse(path string, data []byte) (*File, error) {
	var tf testFile
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&tf); err != nil {
		return nil, decodeError(path, err)
	}
	f := &File{Path: path, Cases: tf.Tests}
	if tf.Rule != "" {
		f.Rule = resolve(filepath.Dir(path), tf.Rule)
	} else {
		f.Rule = strings.TrimSuffix(path, Suffix) + ".toml"
	}
	var errs []error
	if len(f.Cases) == 0 {
		errs = append(errs, fmt.Errorf("%s: no [[test]] cases", path))
	}
	names := map[string]bool{}
	for i := range f.Cases {
		c := &f.Cases[i]
		where := fmt.Sprintf("%s: test %d", path, i+1)
		if c.Name != "" {
			where = fmt.Sprintf("%s: test %q", path, c.Name)
		}
		if err := c.check(names); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", where, err))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return f, nil
}

// check validates a case and splits its inline events.
func (c *Case) check(names map[string]bool) error {
	if c.Name == "" {
		return errors.New("no name")
	}
	if names[c.Name] {
		return errors.New("name used twice")
	}
	names[c.Name] = true
	for _, line := range strings.Split(c.Events, "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") {
			c.events = append(c.events, line)
		}
	}
	if len(c.events) == 0 && len(c.Files) == 0 {
		return errors.New("no events and no files")
	}
	if c.Alerts == nil && len(c.Expect) == 0 {
		return errors.New("no expectation: set alerts = N or add [[test.alert]] entries")
	}
	if c.Alerts != nil && *c.Alerts < 0 {
		return fmt.Errorf("alerts = %d: want 0 or more", *c.Alerts)
	}
	if c.Alerts != nil && *c.Alerts < len(c.Expect) {
		return fmt.Errorf("alerts = %d but %d [[test.alert]] entries", *c.Alerts, len(c.Expect))
	}
	for i, x := range c.Expect {
		for _, ref := range x.Events {
			switch r := ref.(type) {
			case int64:
				if r < 1 || int(r) > len(c.events) {
					return fmt.Errorf("alert %d: event %d: there are %d inline events", i+1, r, len(c.events))
				}
			case string:
				if j := strings.LastIndexByte(r, ':'); j <= 0 || !isDigits(r[j+1:]) {
					return fmt.Errorf("alert %d: event %q: want FILE:N", i+1, r)
				}
			default:
				return fmt.Errorf("alert %d: event %v: want a number or \"FILE:N\"", i+1, ref)
			}
		}
		for name, v := range x.Fields {
			if _, ok := scalar(v); !ok {
				return fmt.Errorf("alert %d: field %s: want a string, number or boolean", i+1, name)
			}
		}
	}
	return nil
}

func isDigits(s string) bool {
	_, err := strconv.ParseUint(s, 10, 63)
	return err == nil
}

// scalar returns the text form of an expected field value.
func scalar(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int64:
		return strconv.FormatInt(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	}
	return "", false
}

// decodeError positions a TOML decoding error as file:line:col.
func decodeError(path string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) {
		var errs []error
		for _, e := range strict.Errors {
			line, col := e.Position()
			errs = append(errs, fmt.Errorf("%s:%d:%d: unknown key %s", path, line, col, strings.Join(e.Key(), ".")))
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		line, col := de.Position()
		return fmt.Errorf("%s:%d:%d: %s", path, line, col, de.Error())
	}
	return fmt.Errorf("%s: %w", path, err)
}
