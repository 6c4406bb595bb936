// Package server is vigil serve: the detection engine as a service.
//
// Shippers send events as they would to Elasticsearch (the _bulk, _doc and
// _create APIs, with the setup calls Beats and Elastic Agent make answered),
// and every rule runs on every event as it arrives. An ingest request is
// acknowledged only once its events are in the write-ahead log
// (store.WAL); one goroutine then decodes them, puts them in event-time
// order within a lateness window, and feeds the engine, whose alerts are
// stored (store.Alerts) and served by the alert API. On restart the log
// since the last checkpoint is replayed, rebuilding the rules' state; alert
// ids are deterministic, so the replay stores no alert twice.
package server
