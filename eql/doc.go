// Package eql is vigil's Event Query Language engine: Elasticsearch's EQL,
// parsed, checked against field types and compiled to predicates that
// evaluate events the way Elasticsearch would, without allocating on the
// match path.
//
// # Use
//
//	q, err := eql.Parse(src)                       // a srcpos.ErrorList on failure
//	p, err := eql.Compile(q, schema, eql.Options{Schema: match.ECS()})
//	schema.Decode(doc, &ev)                        // event.Schema: fields now have slots
//	if p.Match(&ev) { ... }                        // event queries
//	for _, st := range p.Stages { st.Pred, st.Keys, st.Runs, st.Missing } // sequences, samples
//
// Parse returns the whole syntax tree (*Query) for every form of the
// language; Query.String prints it back in a form that parses to the same
// tree. Compile resolves every field to a slot of the event.Schema, checks
// types against a match.FieldTypes (the ECS table of package ecs, a per-dataset
// map, both layered, or nil for no checks) and builds a Program: for an
// event query one match.Pred; for a sequence or sample one CompiledStage per
// stage (its predicate with the category, its join keys, runs, whether it
// is a missing event), the until stage and maxspan, for the runtime in
// package eql/sequence. Errors carry line:col positions and a caret
// snippet (srcpos.ErrorList.Render); the parser reports several per query by
// resynchronising at and/or operands, stages and pipes.
//
// The predicates are those of package match, which kql and dsl compile to
// as well; this package is the EQL language: scanner, parser, syntax tree,
// checker, the function table (funcs.go) and the compiler to match.Pred.
// Conditions that need a script (functions, arithmetic) compile to a
// match.Script.
//
// # Grammar
//
//	query      = (event_query | sequence | sample) { pipe }
//	event_query= filter
//	filter     = (category | "any") "where" expr
//	category   = identifier | string
//	sequence   = "sequence" [ "by" keys ] [ "with" "maxspan" "=" duration ]
//	             stage stage { stage } [ "until" stage ]
//	stage      = ["!"] "[" filter "]" [ "by" keys ] [ "with" "runs" "=" integer ]
//	sample     = "sample" [ "by" keys ] "[" filter "]" [ "by" keys ] { ... }
//	duration   = integer ("ms" | "s" | "m" | "h" | "d")
//	keys       = expr { "," expr }
//	pipe       = "|" ("head" | "tail") integer
//	expr       = or
//	or         = and { "or" and }
//	and        = not { "and" not }
//	not        = "not" not | compare
//	compare    = sum [ predicate ] [ ("==" | "!=" | "<" | "<=" | ">" | ">=") sum [ predicate ] ]
//	predicate  = ["not"] ("in" | "in~") "(" expr { "," expr } ")"
//	           | (":" | "like" | "like~" | "regex" | "regex~") (constant | "(" constant { "," constant } ")")
//	sum        = product { ("+" | "-") product }
//	product    = unary { ("*" | "/" | "%") unary }
//	unary      = ("-" | "+") unary | primary
//	primary    = constant | field | call | "(" expr ")"
//	call       = identifier ["~"] "(" [ expr { "," expr } ] ")"
//	field      = ["?"] name { "." name }       name = identifier | `back quoted`
//	constant   = "null" | "true" | "false" | number | string
//	string     = "..." (escapes \n \t \r \b \f \" \' \\ \u{X..X}) | """raw"""
//
// Comments are // to the end of the line and /* ... */. Keywords are lower
// case, as in Elasticsearch. Array indexes, join, lineage (descendant of)
// and pipes other than head and tail are rejected with a clear error, as
// Elasticsearch rejects them.
//
// # Semantics
//
// These follow Elasticsearch, which runs most of a condition as a Lucene
// query and the rest as a script:
//
//   - == != < <= > >= in like regex and the plain functions are
//     case-sensitive; : like~ regex~ in~ and the ~ functions are not (Unicode
//     simple case folding, ASCII fast path, no allocation). * and ? are
//     wildcards for : and like only; every other character of a pattern,
//     backslash included, is literal. Function names are case-insensitive.
//   - A predicate on a field with several values holds when one value
//     does. Functions and arithmetic apply to each value of a multi-valued
//     field and the comparison holds when one result does (Elasticsearch
//     documents arrays as unsupported; this is the consistent reading).
//   - A comparison with a missing or null value is null, which is false.
//     `f == null` and `f != null` test absence and presence (an empty array
//     or an array of nulls is absent). not(a < 1) is a >= 1, false when a is
//     missing, because Elasticsearch negates comparisons; but a != "x",
//     a not in (...) and not (a : "x") are complements of term queries,
//     true when a is missing. Conditions that need a script (functions,
//     arithmetic) keep null: not(length(a) > 1) is false when a is missing.
//   - Comparing a field with another field is an error, as in
//     Elasticsearch. A ?optional field the schema does not know is null.
//   - Integers stay integers (division truncates, % keeps the dividend's
//     sign); a double on either side makes a double. Integer overflow and
//     integer division by zero, which fail the whole query in Elasticsearch,
//     give null here, so the event does not match; so do conversion errors
//     (number("abc")).
//   - String functions count UTF-16 units, as Java does: length("😀") is 2.
//     substring takes Python slices; indexOf returns null when not found;
//     between returns "" when a bound is not found and the source when a
//     bound is empty; stringContains is false for an empty string or
//     substring; number reads 0x as base 16 and decimals as doubles;
//     string() and concat() print doubles as Java does (1.0, 1.0E7).
//   - Fields typed ip compare as addresses (IPv4-mapped IPv6 equals IPv4;
//     == with "10.0.0.0/8" is a CIDR match), date fields as instants
//     (epoch milliseconds or ISO strings, nanosecond precision), version
//     fields by SemVer precedence with invalid versions last. Numbers in a
//     keyword field compare in their keyword form ("123"), numeric strings
//     in a numeric field as numbers, as Elasticsearch coerces at index time.
//   - regex follows Lucene's regexp syntax: anchored to the whole value,
//     . matches any character, ^ and $ are literal, "..." quotes a string,
//     @ is any string, x*? is (x*)?, \d \s \w are classes. Intervals <1-10>,
//     intersection &, complement ~, named automata and # are rejected.
//   - The category of `process where` is an exact, case-sensitive match on
//     Options.CategoryField (event.category by default), any element of
//     an array.
//
// Allocation: the field predicates (equality, wildcard, sets, ranges, IP,
// CIDR, regex, exists) and the functions and arithmetic on single values
// do not allocate. Functions that build new strings (concat, string, the ~
// forms of indexOf and between on input that is not lower case), between
// with its fourth argument, and functions or arithmetic applied to
// multi-valued fields do.
package eql
