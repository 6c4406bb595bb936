// Package span tells whether a string's bytes lie inside a byte slice, and where.
//
// Decoded strings point into the buffers they were read from; code that copies or
// keeps events uses this to know which strings a buffer already holds.
package span
