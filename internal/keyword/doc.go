// Package keyword folds a short string (a document key, an event data
// name) into one word for the hash tables decoders look such strings up
// in (event's key trie, winlog's event data names): its length and its
// first and last eight bytes.
package keyword
