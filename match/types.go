package match

import (
	"strings"
	"sync"

	"github.com/vigilsec/vigil/ecs"
)

// Type is the type of a field or expression as the checker sees it.
type Type uint8

// Types. TUnknown is a field whose type is not known (no schema): it is
// checked when events are evaluated instead.
const (
	TUnknown Type = iota
	TNull
	TBool
	TInt    // long, integer, short, byte, unsigned_long
	TFloat  // double, float, half_float, scaled_float
	TString // keyword, constant_keyword, wildcard, text, match_only_text
	TIP
	TDate
	TVersion
	TObject // object, nested, flattened, geo_point...: not comparable
)

var typeNames = [...]string{"unknown", "null", "boolean", "integer", "float", "string", "ip", "date", "version", "object"}

func (t Type) String() string { return typeNames[t] }

// IsNumeric reports whether t is TInt or TFloat.
func (t Type) IsNumeric() bool { return t == TInt || t == TFloat }

// TypeOf maps an Elasticsearch field type name to a Type.
func TypeOf(esType string) Type {
	switch esType {
	case "keyword", "constant_keyword", "wildcard", "text", "match_only_text", "string", "pattern_text":
		return TString
	case "long", "integer", "short", "byte", "unsigned_long":
		return TInt
	case "double", "float", "half_float", "scaled_float":
		return TFloat
	case "boolean":
		return TBool
	case "ip":
		return TIP
	case "date", "date_nanos":
		return TDate
	case "version":
		return TVersion
	case "":
		return TUnknown
	}
	return TObject
}

// FieldTypes gives the Elasticsearch type ("keyword", "long", "ip", ...) of
// the fields a query may reference. Compile reports fields it does not know
// as errors; pass a nil FieldTypes to skip field checking.
type FieldTypes interface {
	FieldType(path string) (esType string, ok bool)
}

// Fields is a FieldTypes backed by a map, e.g. a per-dataset table.
type Fields map[string]string

// FieldType implements FieldTypes.
func (m Fields) FieldType(path string) (string, bool) {
	t, ok := m[path]
	return t, ok
}

// Layered is a FieldTypes that asks each of its members in turn, e.g.
// Layered{ECS(), Fields{"custom.field": "keyword"}}.
type Layered []FieldTypes

// FieldType implements FieldTypes.
func (l Layered) FieldType(path string) (string, bool) {
	for _, f := range l {
		if f == nil {
			continue
		}
		if t, ok := f.FieldType(path); ok {
			return t, ok
		}
	}
	return "", false
}

type ecsTypes struct{ nonECS bool }

func (e ecsTypes) FieldType(path string) (string, bool) {
	if t, ok := ecs.Lookup(path); ok {
		return t, true
	}
	if e.nonECS {
		if t, ok := ecs.LookupNonECS(path); ok {
			return t, true
		}
	}
	return "", false
}

// Fields lists the fields the table knows, so that KQL and query DSL field
// patterns (file.hash.*) expand to them as Elasticsearch expands them to
// the fields of an index's mapping. They come sorted (dsl.Lister).
func (e ecsTypes) Fields() []string {
	if e.nonECS {
		return allFields()
	}
	return ecsFields()
}

var (
	allFields = sync.OnceValue(ecs.Fields)
	ecsFields = sync.OnceValue(func() []string {
		var out []string
		for _, f := range ecs.Fields() {
			if _, ok := ecs.Lookup(f); ok {
				out = append(out, f)
			}
		}
		return out
	})
)

// ECS returns the Elastic Common Schema's field types, from the table
// embedded in package ecs.
func ECS() FieldTypes { return ecsTypes{} }

// ECSAndNonECS returns ECS plus the non-ECS fields that Elastic's
// detection-rules repository validates queries against (winlog.*,
// process.Ext.*, integration fields, ...).
func ECSAndNonECS() FieldTypes { return ecsTypes{nonECS: true} }

// LookupType resolves the type of a field in ft. Known reports whether ft
// knows the field (always true with a nil ft, where every field is
// TUnknown); a field below a flattened or object field is known, of type
// TUnknown.
func LookupType(ft FieldTypes, name string) (t Type, esType string, known bool) {
	if ft == nil {
		return TUnknown, "", true
	}
	es, ok := ft.FieldType(name)
	if !ok {
		// "process.command_line.text" style multi-fields or object
		// prefixes are the schema's business; a field below a flattened
		// or object field is of unknown type.
		for i := strings.LastIndexByte(name, '.'); i > 0; i = strings.LastIndexByte(name[:i], '.') {
			if pt, ok := ft.FieldType(name[:i]); ok && (pt == "flattened" || pt == "object") {
				return TUnknown, "", true
			}
		}
		return TUnknown, "", false
	}
	return TypeOf(es), es, true
}
