// Package dsl compiles Elasticsearch's query DSL to match.Pred, the predicate
// form vigil's rules run as: the filters of detection rules (Kibana
// filters: query DSL plus meta), and the field-level queries that KQL
// becomes (package kql builds on them).
//
// Each query has the semantics Elasticsearch gives it for the field's type
// (from match.ECSAndNonECS() unless Options.Types says otherwise):
//
//   - keyword, constant_keyword and wildcard fields (and fields of unknown
//     type): exact, case-sensitive values; match and match_phrase are term
//     queries; wildcard patterns (* and ?, \ escapes) match the whole value.
//   - text and match_only_text fields (powershell.file.script_block_text,
//     message, process.command_line.text): the value is analyzed as the
//     standard analyzer does (UAX #29 words, lowercased; see analyze.go);
//     match is any token of the query (operator or), match_phrase the
//     query's tokens in order and adjacent, term one token as is, and
//     wildcard and prefix patterns match single tokens.
//   - numeric fields: values parsed as numbers; a value that does not parse
//     is an error, as Elasticsearch fails the search; a decimal on an
//     integer field matches nothing.
//   - boolean: true or false; date: dates in strict_date_optional_time or
//     epoch millis, with date math ("now-30d/d") in ranges and the rounding
//     Elasticsearch applies (a term on "2024-01-02" is that whole day);
//     ip: an address or a CIDR block.
//
// A multi-field (process.command_line.text) reads the value of the field it
// derives from. Field names may hold * wildcards: they expand to the
// fields the schema has registered (and those a Lister knows), as
// Elasticsearch expands them against the mapping; a pattern that names no
// known field matches nothing.
//
// Text fields are tokenized when a predicate is matched, once per value per
// predicate, without allocating; Or merges the text predicates on one field
// so that a list of phrases costs one pass over the text.
package dsl
