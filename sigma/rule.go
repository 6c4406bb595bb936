package sigma

import (
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// Rule is one Sigma document: a detection rule, a correlation rule or a
// filter, as written.
type Rule struct {
	Path string
	Pos  srcpos.Pos // of the document's first key

	Title          string
	ID             string
	Name           string // the name correlations and filters refer to
	Status         string
	Description    string
	Author         string
	Date           string
	Modified       string
	Level          string
	References     []string
	Tags           []string
	FalsePositives []string
	Fields         []string

	Logsource   Logsource
	Detection   *Detection   // detection rules
	Correlation *Correlation // correlation rules
	Filter      *Filter      // filters (meta rules)

	src string
}

// Logsource is a rule's logsource.
type Logsource struct {
	Product, Category, Service, Definition string
	Pos                                    srcpos.Pos
}

// Detection is a rule's detection: named searches and the conditions
// over them (several conditions are ORed).
type Detection struct {
	Searches   map[string]*Search
	Names      []string // the searches in the order written
	Conditions []Expr
	CondText   []string
	Timeframe  string
	Pos        srcpos.Pos
}

// Search is one search identifier: a disjunction of field maps and of
// keywords (an unnamed list of values).
type Search struct {
	Name     string
	Pos      srcpos.Pos
	Maps     []*FieldMap // ORed
	Keywords []Value     // ORed; searched in every string of the event
	KeyMods  []string    // modifiers of the keyword list (`'|all'` style lists are not used)
}

// FieldMap is a conjunction of field conditions.
type FieldMap struct {
	Items []*Item
	Pos   srcpos.Pos
}

// Item is one field condition: field|mod|mod: value(s).
type Item struct {
	Field  string
	Mods   []string
	Values []Value
	Pos    srcpos.Pos
}

// Value is a scalar of a detection.
type Value struct {
	S    string // as written (numbers and booleans in their YAML text)
	Kind ValueKind
	Pos  srcpos.Pos
}

// ValueKind is a scalar's YAML type.
type ValueKind uint8

// Value kinds.
const (
	VString ValueKind = iota
	VNumber
	VBool
	VNull
)

// Correlation is a correlation rule's correlation.
type Correlation struct {
	Type      string
	Rules     []string
	GroupBy   []string
	Timespan  string
	Condition map[string]string // gt, gte, lt, lte, eq, neq (and field)
	Field     string
	Generate  bool
	Aliases   map[string]map[string]string // alias → rule name → field
	Pos       srcpos.Pos
}

// Filter is a filter (meta rule): its selection excludes events from the
// rules it names.
type Filter struct {
	Rules     []string
	Detection *Detection
	Pos       srcpos.Pos
}

// Parse reads every document of a Sigma file. Documents that have errors
// are reported (a srcpos.ErrorList) and left out; the others are returned.
func Parse(path string, data []byte) ([]*Rule, error) {
	var errs srcpos.ErrorList
	var rules []*Rule
	src := string(data)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var global *yaml.Node
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			errs = append(errs, yamlError(path, src, err))
			break
		}
		if len(doc.Content) == 0 {
			continue
		}
		root := doc.Content[0]
		if root.Kind != yaml.MappingNode {
			errs = append(errs, nodeError(path, src, root, "sigma: a rule is a mapping"))
			continue
		}
		switch scalarOf(lookup(root, "action")) {
		case "global":
			global = root
			continue
		case "reset":
			global = nil
			continue
		case "repeat":
			return nil, srcpos.ErrorList{nodeError(path, src, root, "sigma: action: repeat is not supported")}
		}
		if global != nil {
			root = mergeNodes(global, root)
		}
		p := &parser{path: path, src: src}
		r := p.rule(root)
		if len(p.errs) > 0 {
			errs = append(errs, p.errs...)
			continue
		}
		rules = append(rules, r)
	}
	return rules, errs.Err()
}

// yamlError positions a YAML decoding error ("yaml: line 3: ...").
func yamlError(path, src string, err error) *srcpos.Error {
	msg := err.Error()
	line := 0
	if rest, ok := strings.CutPrefix(msg, "yaml: line "); ok {
		if i := strings.IndexByte(rest, ':'); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				line = n
				msg = "yaml:" + rest[i+1:]
			}
		}
	}
	return srcpos.NewError(src, srcpos.Pos{File: path, Line: line, Col: min(line, 1)}, "sigma: "+msg)
}

func nodeError(path, src string, n *yaml.Node, msg string) *srcpos.Error {
	return srcpos.NewError(src, nodePos(path, n), msg)
}

func nodePos(path string, n *yaml.Node) srcpos.Pos {
	if n == nil {
		return srcpos.Pos{File: path}
	}
	return srcpos.Pos{File: path, Line: n.Line, Col: n.Column}
}

// lookup returns the value of key in a mapping node.
func lookup(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}

func scalarOf(n *yaml.Node) string {
	if n == nil || n.Kind != yaml.ScalarNode {
		return ""
	}
	return n.Value
}

// mergeNodes merges a global document (action: global) under a rule
// document: mappings merge recursively, the rule's other values win.
func mergeNodes(global, doc *yaml.Node) *yaml.Node {
	if global.Kind != yaml.MappingNode || doc.Kind != yaml.MappingNode {
		return doc
	}
	out := &yaml.Node{Kind: yaml.MappingNode, Line: doc.Line, Column: doc.Column}
	seen := map[string]bool{}
	for i := 0; i+1 < len(doc.Content); i += 2 {
		k, v := doc.Content[i], doc.Content[i+1]
		if g := lookup(global, k.Value); g != nil {
			v = mergeNodes(g, v)
		}
		out.Content = append(out.Content, k, v)
		seen[k.Value] = true
	}
	for i := 0; i+1 < len(global.Content); i += 2 {
		if k := global.Content[i]; !seen[k.Value] && k.Value != "action" {
			out.Content = append(out.Content, k, global.Content[i+1])
		}
	}
	return out
}
