// Package store keeps what vigil serve must not lose: the alerts it raised,
// with their workflow status, in SQLite (through modernc.org/sqlite, pure
// Go), and the write-ahead log of the events it acknowledged: segment
// files of checksummed records, each compressed alone (s2 or zstd from
// github.com/klauspost/compress) by the goroutine appending it.
//
// Alerts are written idempotently by id: engines derive alert ids from the
// rule and the events, so a replay of the log after a restart stores
// nothing twice. They are indexed by time, rule, host, severity and status,
// and read back newest first in pages with a cursor. Analysts' status
// changes (open, acknowledged, closed with a reason) are kept with who made
// them and when, and reflected in the alert documents served.
package store
