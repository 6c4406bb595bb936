// Package match is the predicate form every rule language of vigil
// compiles to (EQL in package eql, KQL in kql, the query DSL of rule
// filters in dsl), and the analyses that run on it.
//
// It owns:
//
//   - Pred, the compiled condition on a decoded event, and its
//     constructors (And, Or, Not, Exists, StringEquals, Wildcard, Prefix,
//     Suffix, Contains, StringIn, WildcardIn, Regex, Compare, Range, CIDR).
//     Predicates on a field hold when any element of an array value does
//     and are false when the field is missing, as Elasticsearch's term,
//     wildcard and range queries are. Field predicates do not allocate.
//   - Field types: Type, FieldTypes (ECS, ECSAndNonECS, Fields, Layered),
//     and typed scalar comparison (CompareScalars: numbers, strings, dates,
//     addresses, versions, as Elasticsearch compares them).
//   - Case folding: Unicode simple case folding with an ASCII fast path
//     (EqualFold, HasPrefixFold, IndexFold, AppendFolded, ...). "Fold"
//     in this package always means case folding.
//   - The one glob matcher (Glob: * and ?, literal runes, optionally
//     ignoring case) that EQL's `:` and like, KQL and query DSL wildcards
//     and index patterns use; Lucene regular expressions (Regex,
//     RegexTest); and Literals, a multi-literal (Aho-Corasick) finder.
//   - Analyses for rule indexes and tests: Needs and BestNeed derive
//     necessary conditions (literals, prefixes, numbers a field must hold;
//     Needer for other packages' predicates; AppendKeyword and NumberKey
//     give the keys an index files values under); Witness proposes values
//     under which a predicate holds; SortConjuncts and BroadLast order the
//     members of conjunctions so that they fail sooner.
//
// A front end that needs a condition the predicates above cannot express
// implements Pred itself: Needer to take part in rule indexes, Script to
// mark a condition only evaluation can decide.
package match
