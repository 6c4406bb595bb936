// Package kql parses the Kibana Query Language (KQL, "kuery"), the language
// of Elastic's query, threshold and new_terms detection rules.
//
// The grammar is Kibana's (kbn-es-query's kuery grammar), rule for rule:
//
//	query      = or-query | (empty: matches everything)
//	or-query   = and-query { SPACE+ "or" SPACE+ and-query }
//	and-query  = not-query { SPACE+ "and" SPACE+ not-query }
//	not-query  = "not" SPACE+ sub-query | sub-query
//	sub-query  = "(" or-query ")" | nested | expression
//	nested     = field ":" "{" or-query "}"
//	expression = field ("<" | "<=" | ">" | ">=") literal      range
//	           | field ":" value-list                         match, exists (field:*)
//	           | literal                                      free text (all fields)
//	value-list = "(" or-values ")" | literal                   or/and/not over values
//	field      = literal
//	literal    = quoted | unquoted
//
// Keywords are case-insensitive; "and" binds tighter than "or", "not"
// tighter than both. "or" and "and" need whitespace on both sides, "not"
// after it (so "not(x)" is the value "not" followed by a syntax error, and
// "not not x" is an error: write "not (not x)").
//
// An unquoted literal runs up to a special character \ ( ) : < > " * { }
// (unless escaped with a backslash) or a keyword; it may contain spaces
// ("quick brown fox" is one value) and is trimmed. "not" followed by a space
// ends it even inside a word: "a:cannot be" is an error. Escapes are
// \t \r \n, \ before a special character, \uXXXX, and \and \or \not; as in
// Kibana, \n is checked first, so "\not" is a newline followed by "ot". An
// unescaped * is a wildcard (matching any characters); ? is not a wildcard
// in KQL. A lone * as a value means the field exists; fields may have
// wildcards too (process.*:x).
//
// A quoted literal "..." is a phrase: no wildcards; \" and \\ are escapes,
// as are \t \r \n and \uXXXX; any other backslash stands for itself, so
// "C:\Windows" is C:\Windows.
//
// Parse gives a tree (Node) with positions, whose String method writes it
// back in KQL; Walk visits it.
//
// Compile turns a tree into an match.Pred with the semantics of the
// Elasticsearch query Kibana's detection engine builds from it. The engine
// gives Kibana no field types (its data view has no fields), so:
//
//	field:value      match: exact and case-sensitive on keyword fields, any
//	                 of the value's tokens on text fields; unquoted numbers,
//	                 true and false are sent as JSON numbers and booleans
//	                 (a keyword field is searched for "1" on field:1.0)
//	field:"value"    match_phrase: exact on keyword fields, the tokens in
//	                 order on text fields
//	field:a*b        query_string {fields: [field], query: "a*b"}, all
//	                 special characters escaped but whitespace: the value
//	                 is split at whitespace into terms any of which may
//	                 match, wildcard terms match whole keyword values
//	                 (case-sensitively) or single tokens of text fields
//	                 (lowercased); Options.KnownTypes makes a keyword field's
//	                 value one wildcard query, as Discover does
//	field:*          exists
//	field < value    range, compared by the field's type (numbers, dates
//	                 with date math, addresses, strings)
//	field:{query}    nested, compiled on the values of field.sub together
//
// Field types come from ECS and the non-ECS schema (Options.Types); the
// text analysis and the queries by field type are package dsl's.
// It compiles to match.Pred and does not know the rule format:
// CompileFiltered takes a query and a rule's filters (Kibana's query DSL),
// and the engine maps its errors (a srcpos.ErrorList positioned in the
// query, the "kql: " prefix in their messages) into the rule file.
package kql
