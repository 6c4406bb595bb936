package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"net/http"
)

// metrics exports the service's counters for Prometheus (GET /metrics).
type metrics struct {
	reg     *prometheus.Registry
	handler http.Handler
}

func newMetrics(s *Server) *metrics {
	reg := prometheus.NewRegistry()
	st := &s.pipe.st
	counter := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{Namespace: "vigil", Name: name, Help: help}, f))
	}
	gauge := func(name, help string, f func() float64) {
		reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Namespace: "vigil", Name: name, Help: help}, f))
	}
	counter("events_received_total", "Documents received in ingest requests.", func() float64 { return float64(st.received.Load()) })
	counter("events_acknowledged_total", "Documents written to the log and acknowledged.", func() float64 { return float64(st.accepted.Load()) })
	counter("events_rejected_total", "Documents refused (malformed, or the log or engine full).", func() float64 { return float64(st.rejected.Load()) })
	counter("events_evaluated_total", "Events the rules evaluated.", func() float64 { return float64(st.evaluated.Load()) })
	counter("events_on_arrival_total", "Events the stateless rules evaluated as they arrived (the others wait for event-time order).", func() float64 { return float64(st.onArrival.Load()) })
	counter("events_not_held_total", "Events no ordered (stateful) rule can use: evaluated without waiting for event-time order.", func() float64 { return float64(st.notHeld.Load()) })
	counter("events_late_total", "Events that came after the lateness window (still evaluated).", func() float64 { return float64(st.late.Load()) })
	counter("events_undecodable_total", "Acknowledged documents that could not be decoded.", func() float64 { return float64(st.failed.Load()) })
	counter("events_replayed_total", "Documents evaluated again from the log at start.", func() float64 { return float64(st.replayed.Load()) })
	counter("alerts_raised_total", "Alerts the rules raised (replays included).", func() float64 { return float64(st.alerts.Load()) })
	counter("alerts_stored_total", "Alerts newly stored.", func() float64 { return float64(st.stored.Load()) })
	counter("alert_store_errors_total", "Failed writes to the alert store.", func() float64 { return float64(st.storeErrors.Load()) })
	gauge("log_bytes", "Bytes in the write-ahead log.", func() float64 { return float64(s.wal.Size()) })
	gauge("log_checkpoint", "The log's checkpoint (LSN).", func() float64 { return float64(s.wal.Checkpointed()) })
	gauge("carry_log_bytes", "Bytes in the state carry log.", func() float64 { return float64(s.carryWAL.Size()) })
	counter("events_carried_total", "Events that changed some rule's state, written to the carry log.", func() float64 { return float64(s.pipe.carry.events.Load()) })
	gauge("carry_pending_bytes", "Memory of the touched events waiting to be written to the carry log.", func() float64 { return float64(s.pipe.carry.pendingBytes.Load()) })
	counter("carry_refusals_total", "Ingest requests refused because the touched events waiting for the carry log were past their bound.", func() float64 { return float64(s.pipe.carry.refusals.Load()) })
	gauge("order_buffered_events", "Events waiting for event-time order (for the stateful rules).", func() float64 { return float64(st.buffered.Load()) })
	gauge("order_buffered_bytes", "Memory of the events waiting for event-time order.", func() float64 { return float64(st.bufferedBytes.Load()) })
	gauge("backlog_records", "Log records waiting for the engine.", func() float64 { return float64(s.pipe.queue.len()) })
	gauge("backlog_bytes", "Memory of the log records waiting for the engine (decoded events and bodies).", func() float64 { return float64(s.pipe.queue.size()) })
	gauge("watermark_seconds", "Event time up to which every event has been evaluated.", func() float64 {
		if wm := st.watermark.Load(); wm != minTime {
			return float64(wm) / 1e9
		}
		return 0
	})
	if w := s.webhook; w != nil {
		counter("webhook_sent_total", "Alerts delivered to the webhook.", func() float64 { return float64(w.sent.Load()) })
		counter("webhook_failed_total", "Alerts the webhook did not take after retries.", func() float64 { return float64(w.failed.Load()) })
		counter("webhook_dropped_total", "Alerts dropped because the webhook queue was full.", func() float64 { return float64(w.dropped.Load()) })
	}
	if s.kafka != nil {
		registerKafkaMetrics(reg, s.kafka)
	}
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return &metrics{reg: reg, handler: promhttp.HandlerFor(reg, promhttp.HandlerOpts{})}
}
