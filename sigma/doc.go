// Package sigma is vigil's front end for Sigma rules (the SigmaHQ
// specification, v2): it parses rule YAML with positions (Parse), maps a
// rule's logsource to the Windows channels and event ids it reads
// (logsource.go), resolves Sigma field names to the fields of the event
// (fields.go: the raw record's EventData and System fields first, ECS
// fields as the fallback for already normalised input), and compiles
// detections — every value modifier, keywords, conditions with `1 of`,
// `all of` and `them` — to the predicates of package match, so that
// Sigma rules run in the same engine, rule index and alert pipeline as
// Elastic's rules (Compile).
//
// A Sigma file becomes one *rule.Rule per rule document (ToRule): title,
// id, level as severity and risk score, ATT&CK tags as the threat
// mapping, description and false positives, with the parsed rule in
// Rule.Parsed for the engine. The package registers itself as the rule
// loader of ".yml" and ".yaml" files (rule.RegisterLoader).
//
// Correlation rules (event_count, value_count, temporal,
// temporal_ordered, value_sum, value_avg, value_percentile) and filters
// (meta rules that exclude events from other rules) are parsed here;
// correlations run as windowed state in package engine.
//
// What the package cannot evaluate it reports as an *UnsupportedError
// with the reason; a rule is never run weakened.
package sigma
