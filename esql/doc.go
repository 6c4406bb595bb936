// Package esql owns ES|QL, Elasticsearch's piped query language, as vigil
// runs it: the lexer and parser (errors positioned with internal/srcpos),
// the checker with ES|QL's types (keyword/text, integer/long/double,
// boolean, date, ip, version, multi-values) and its null and multi-value
// semantics, and the row pipeline the commands compile to (FROM/ROW,
// WHERE, EVAL, KEEP, DROP, RENAME, STATS ... BY, INLINE STATS, SORT, LIMIT,
// MV_EXPAND, GROK, DISSECT). A WHERE ahead of the first EVAL or STATS also
// compiles to a match.Pred so the engine's rule index can file the rule by
// its literals.
package esql
