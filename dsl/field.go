package dsl

import (
	"sort"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// Options configures a Compiler.
type Options struct {
	// Types gives the Elasticsearch type of fields; nil means
	// match.ECSAndNonECS(). Fields it does not know are compiled as keyword
	// fields.
	Types match.FieldTypes

	// Now gives the time that date math ("now-30d/d") in a range is
	// relative to. It is called each time such a range is matched against
	// an event; nil means time.Now. A retro-hunt may pass the time of the
	// search it stands for.
	Now func() time.Time
}

// Compiler compiles queries to predicates over events decoded with its
// schema. It registers the fields queries name in the schema. A Compiler
// is not safe for concurrent use; the predicates it returns are.
type Compiler struct {
	schema *event.Schema
	types  match.FieldTypes
	now    func() time.Time
}

// New returns a Compiler for events decoded with s.
func New(s *event.Schema, opt Options) *Compiler {
	c := &Compiler{schema: s, types: opt.Types, now: opt.Now}
	if c.types == nil {
		c.types = match.ECSAndNonECS()
	}
	if c.now == nil {
		c.now = time.Now
	}
	return c
}

// kind is how a field is queried, from its Elasticsearch type.
type kind uint8

const (
	kKeyword kind = iota // keyword, constant_keyword, wildcard, and unknown fields
	kText                // text, match_only_text: analyzed
	kInt                 // long, integer, short, byte, unsigned_long
	kFloat               // double, float, half_float, scaled_float
	kBool
	kDate
	kIP
	kVersion
	kOther // object, nested, flattened roots, geo_point, ...
)

// Field is a field a query names, resolved.
type Field struct {
	Name string // as the query names it
	// Type is the Elasticsearch type, "" when the field is unknown.
	Type string
	// Slot is where its value is read: for a multi-field such as
	// process.command_line.text, the slot of the field it derives from.
	Slot int
	kind kind
}

// Field resolves a field name: its type, and its slot in the schema
// (registered if new). A multi-field ("user_agent.original.text") reads
// the value of its parent, as Elasticsearch indexes the parent's value
// into it.
func (c *Compiler) Field(name string) Field {
	es, ok := c.types.FieldType(name)
	if !ok {
		es = c.flattenedParent(name)
	}
	f := Field{Name: name, Type: es, kind: kindOf(es)}
	src := name
	if i := strings.LastIndexByte(name, '.'); ok && i > 0 && multiFieldNames[name[i+1:]] {
		if pt, ok := c.types.FieldType(name[:i]); ok && isLeafType(pt) {
			src = name[:i]
		}
	}
	f.Slot = c.schema.Slot(src)
	return f
}

// flattenedParent returns "keyword" for a key below a flattened field, as
// Elasticsearch queries those; "" otherwise.
func (c *Compiler) flattenedParent(name string) string {
	for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
		if pt, ok := c.types.FieldType(name[:i]); ok && pt == "flattened" {
			return "keyword"
		}
	}
	return ""
}

// multiFieldNames are the names ECS and Elastic's integrations give
// multi-fields (a known field below a known leaf field with another name
// is taken as a field of its own).
var multiFieldNames = map[string]bool{"text": true, "caseless": true, "keyword": true}

func isLeafType(t string) bool {
	switch kindOf(t) {
	case kOther:
		return false
	}
	return t != ""
}

func kindOf(es string) kind {
	switch es {
	case "", "keyword", "constant_keyword", "wildcard":
		return kKeyword
	case "text", "match_only_text":
		return kText
	}
	switch match.TypeOf(es) {
	case match.TInt:
		return kInt
	case match.TFloat:
		return kFloat
	case match.TBool:
		return kBool
	case match.TDate:
		return kDate
	case match.TIP:
		return kIP
	case match.TVersion:
		return kVersion
	case match.TString:
		return kKeyword
	}
	return kOther
}

// typeName names a field's type in messages.
func (f Field) typeName() string {
	if f.Type == "" {
		return "unknown"
	}
	return f.Type
}

// Expand returns the fields a field pattern with * wildcards names: the
// schema's registered fields and, with types that can list themselves
// (see Lister), the known ones, sorted. A name without * is returned as
// is.
func (c *Compiler) Expand(pattern string) []string {
	if !strings.Contains(pattern, "*") {
		return []string{pattern}
	}
	g := match.CompileGlob(pattern, match.GlobStar, false)
	// Every name the pattern matches begins with the text before its
	// first wildcard (or backslash, to be safe): a Lister's names, sorted
	// and ten thousand or more, are searched from there.
	prefix := pattern[:strings.IndexAny(pattern, `*?\`)]
	seen := map[string]bool{}
	var out []string
	add := func(name string) {
		if strings.HasPrefix(name, prefix) && !seen[name] && g.Match(name) {
			seen[name] = true
			out = append(out, name)
		}
	}
	for _, name := range c.schema.Fields() {
		add(name)
	}
	if l, ok := c.types.(Lister); ok {
		names := l.Fields()
		for _, name := range names[sort.SearchStrings(names, prefix):] {
			if !strings.HasPrefix(name, prefix) {
				break
			}
			add(name)
		}
	}
	sort.Strings(out)
	return out
}

// Lister is a FieldTypes that can list its fields, for the expansion of
// field names with wildcards. Fields returns them sorted.
type Lister interface {
	Fields() []string
}
