// Package rule loads Elastic's detection rules in the detection-rules TOML
// format, as the files are written in the elastic/detection-rules
// repository: a [metadata] table, the rule table (rule_id, name, type,
// language, query, index, from, interval, severity, risk_score, threat, ...)
// and an optional [transform] table.
//
// Loading is strict about types and lenient about keys: a key of the wrong
// type is an error (a srcpos.Error, the shape of every positioned error in
// vigil) that names the file, line, column and key,
//
//	rules/x.toml:14:1: rule.risk_score: expected integer, got string
//
// while a key the model does not know is kept out of the Rule and reported
// once as a Warning. Malformed TOML is an error with its position; LoadPaths
// goes on with the other files.
//
// Kibana's defaults are applied (from "now-6m", interval "5m", max_signals
// 100); Rule.Has tells what the file wrote. Rule.LookBack and Rule.Window
// give the schedule's date math as durations, Rule.QueryPos maps a position
// in the query back to the file (Rule.QueryErrors maps a query parser's
// errors, keeping their snippets), and Rule.Support tells which rules vigil
// can run.
package rule
