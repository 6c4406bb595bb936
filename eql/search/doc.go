// Package search runs one EQL query over a stream of events as
// Elasticsearch's _eql/search API runs it over an index: events ordered by
// timestamp, then the tiebreaker field, then arrival; the head and tail
// pipes; and the request's size, which keeps the first results, or the
// last ones when the last pipe is tail. vigil eql and the conformance
// test both run queries through it.
package search
