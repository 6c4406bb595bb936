// Package alert builds the alert documents vigil emits when a rule matches,
// in the style of Kibana's detection alerts (flattened kibana.alert.* keys
// next to the source event's own ECS fields), and writes them out as JSON
// lines, CSV or a table.
//
// An alert's id (kibana.alert.uuid) is derived from the rule and the ids of
// the events that matched, so that replaying the same input produces the
// same ids and a store can deduplicate them.
package alert
