// Package exception owns Kibana's rule exceptions and value lists: loading
// exception lists as Kibana exports them (the NDJSON of the exception lists
// API's _export: list containers, then items) and as detection-rules
// exceptions TOML files, loading value lists (Kibana's list items export:
// one value per line), and compiling a rule's exceptions_list references to
// predicates.
//
// # Semantics
//
// Kibana turns a rule's exception items into a negated filter on the
// rule's search: an event matching any item (items are ORed; the entries
// of an item are ANDed) is not seen by the rule at all, so it cannot take
// part in a sequence, a threshold count or a new terms history. Entries of
// type list (value lists) are not part of that filter: Kibana checks them
// against the search's results afterwards. Compile reproduces both: the
// items without list entries become Filter.Search, to be applied where the
// rule searches; the items with a list entry become Filter.After, to be
// applied to each event of a result (an item with list entries is checked
// there as a whole, all its entries ANDed).
//
// Entry types and their meaning, for operator "included" (operator
// "excluded" negates the entry):
//
//   - match: the field equals value (keyword, case-sensitive);
//   - match_any: the field equals one of the values;
//   - wildcard: the field matches value with * and ? wildcards;
//   - exists: the field has a value;
//   - list: the field's value is in the value list (list.id), compared as
//     the list's type says: keyword exactly, text case-insensitively, ip as
//     an address, ip_range as a CIDR, an "a-b" range or one address;
//   - nested: the entries under a nested path, with the path prepended to
//     their fields. Events are flat documents here, so the entries need not
//     hold in one object of the nested array (Elasticsearch requires that).
//
// Endpoint lists (type "endpoint") apply like detection lists. A field
// ending in ".caseless" (as Elastic Defend's exceptions write
// process.executable.caseless) is its base field compared
// case-insensitively.
package exception
