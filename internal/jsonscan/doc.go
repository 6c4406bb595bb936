// Package jsonscan is vigil's one JSON scanner: it walks a JSON document in
// place, token by token, for the decoders that turn documents into events
// (event.Schema.Decode, event.Members) and raw Windows records
// (winlog.DecodeJSON). It never builds a tree: callers ask for a key, a
// string, a scalar, or to skip a value, and keep what they need. Strings
// without escapes point into the document; unescaped strings are written to
// a caller's buffer whose bytes, once handed out, never move.
package jsonscan
