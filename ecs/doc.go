// Package ecs is the Elastic Common Schema field table, embedded in the
// binary so that queries can be type-checked without the ECS reference at
// hand: field path → Elasticsearch field type ("keyword", "long", "ip",
// "date", ...), including multi-fields such as "process.command_line.text".
//
// The table is generated (fields_gen.go) by ./internal/gen from
// ../shared/ecs/ecs_flat.yml, with the non-ECS fields that Elastic's
// detection-rules repository validates queries against
// (../shared/schemas/non-ecs-schema.json, the Elastic Defend process
// schema and the Beats' fields.yml, e.g. winlog.*) in a second table. Regenerate with
//
//	VIGIL_SHARED=../shared go generate ./ecs
//
// run from the repository root.
package ecs

import (
	"slices"
	"sync"
)

//go:generate go run ./internal/gen -shared ${VIGIL_SHARED} -o fields_gen.go

// The tables are built on first use.
var (
	fields = sync.OnceValue(fieldsTable)
	nonECS = sync.OnceValue(nonECSTable)
)

// Lookup returns the ECS type of a field path, and whether ECS defines it.
func Lookup(path string) (string, bool) {
	t, ok := fields()[path]
	return t, ok
}

// LookupNonECS returns the type of a field that is not in ECS but that
// Elastic Defend, the Beats or Elastic's integrations define (the non-ECS
// schemas of the detection-rules repository), and whether it is known.
func LookupNonECS(path string) (string, bool) {
	t, ok := nonECS()[path]
	return t, ok
}

// Len returns the number of ECS fields in the table.
func Len() int { return len(fields()) }

// Fields returns every field path the tables know (ECS and non-ECS),
// sorted. Callers use it to expand field patterns such as file.hash.*.
// The generator lists them sorted (fieldNames), so that a hunt's start
// does not sort some 14,000 names; the caller gets its own copy.
func Fields() []string { return slices.Clone(fieldNames[:]) }

// Version is the ECS version the table was generated from.
const Version = ecsVersion
