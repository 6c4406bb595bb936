// Package suppress owns alert suppression state: a rule's
// alert_suppression (group_by fields, an optional duration, a
// missing_fields_strategy) folds the alerts of one group within a time
// window into the first of them, which Kibana keeps and updates with
// kibana.alert.suppression.docs_count, terms, start and end.
//
// Groups are formed per rule type as Kibana forms them:
//
//   - custom query rules (and the other single-event types) group by the
//     values of the group_by fields; a field holding an array puts the
//     alert in a group per element (per combination for several fields),
//     as Kibana's terms aggregation does for query rules; new_terms and
//     indicator match rules compare arrays whole;
//   - threshold rules group by their threshold fields, per time period
//     only (a threshold rule's suppression has no group_by of its own);
//   - EQL sequences group by the group_by values of every event of the
//     sequence, compared as an ordered tuple.
//
// The window is duration long from the group's first alert; without a
// duration suppression lasts for one rule execution, which in event time
// is one interval of the rule's schedule (windows aligned to it). With
// missing_fields_strategy "doNotSuppress" an alert lacking a group_by
// field is never suppressed; with "suppress" (the default) a missing
// value is a value of its own.
//
// Kept alerts wait until their window closes (Advance, in event time, or
// Flush) before they are emitted, so that they carry the final counts.
// The number of open groups is bounded; when it is full the oldest group
// is emitted early and counted.
package suppress
