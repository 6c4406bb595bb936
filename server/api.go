package server

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/web"
)

// The alert API: what analysts and their tools read and change.

// listAlerts is GET /api/alerts?status=&severity=&rule_id=&host=&user=&from=&to=&q=&size=&after=.
func (s *Server) listAlerts(w http.ResponseWriter, r *http.Request) {
	q, err := alertQuery(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	page, err := s.alerts.Find(r.Context(), q)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	docs := make([]json.RawMessage, 0, len(page.Alerts))
	for i := range page.Alerts {
		d, err := page.Alerts[i].Document()
		if err != nil {
			s.log.Error("stored alert unreadable", "id", page.Alerts[i].ID, "err", err)
			continue
		}
		docs = append(docs, d)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": page.Total, "alerts": docs, "next": page.Next})
}

// alertQuery reads the alert filters of a request's query string.
func alertQuery(r *http.Request) (store.Query, error) {
	v := r.URL.Query()
	q := store.Query{Status: splitList(v.Get("status")), Severity: splitList(v.Get("severity")),
		RuleID: v.Get("rule_id"), Host: v.Get("host"), User: v.Get("user"), Text: v.Get("q"), After: v.Get("after")}
	var err error
	if q.From, err = parseTime(v.Get("from")); err != nil {
		return q, errors.New("from: " + err.Error())
	}
	if q.To, err = parseTime(v.Get("to")); err != nil {
		return q, errors.New("to: " + err.Error())
	}
	if sz := v.Get("size"); sz != "" {
		if q.Size, err = strconv.Atoi(sz); err != nil || q.Size < 1 {
			return q, errors.New("size: want a positive number")
		}
	}
	return q, nil
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

// parseTime reads RFC 3339 or epoch milliseconds.
func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.UnixMilli(ms).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errors.New("want RFC 3339 time or epoch milliseconds")
	}
	return t, nil
}

// getAlert is GET /api/alerts/{id}: the alert document with its workflow
// status, and the history of status changes under vigil.workflow_history.
func (s *Server) getAlert(w http.ResponseWriter, r *http.Request) {
	a, err := s.alerts.Get(r.Context(), r.PathValue("id"))
	if s.alertError(w, err) {
		return
	}
	s.writeAlert(w, r.Context(), &a)
}

func (s *Server) writeAlert(w http.ResponseWriter, ctx context.Context, a *store.Alert) {
	d, err := a.Document()
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "stored alert unreadable")
		return
	}
	hist, err := s.alerts.History(ctx, a.ID)
	if err != nil {
		writeAPIError(w, http.StatusInternalServerError, "reading the alert's history failed")
		return
	}
	var doc map[string]json.RawMessage
	json.Unmarshal(d, &doc)
	type change struct {
		Status string `json:"status"`
		Reason string `json:"reason,omitempty"`
		By     string `json:"user"`
		At     string `json:"at"`
	}
	hs := make([]change, len(hist))
	for i, c := range hist {
		hs[i] = change{c.Status, c.Reason, c.By, c.At.Format(time.RFC3339Nano)}
	}
	doc["vigil.workflow_history"], _ = json.Marshal(hs)
	writeJSON(w, http.StatusOK, doc)
}

// patchAlert is PATCH /api/alerts/{id} {"status": ..., "reason": ...}.
func (s *Server) patchAlert(w http.ResponseWriter, r *http.Request) {
	var body struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&body); err != nil {
		writeAPIError(w, http.StatusBadRequest, "body: want {\"status\": ..., \"reason\": ...}: "+err.Error())
		return
	}
	a, err := s.alerts.SetStatus(r.Context(), r.PathValue("id"), store.Change{Status: body.Status, Reason: body.Reason, By: userOf(r)})
	if s.alertError(w, err) {
		return
	}
	s.writeAlert(w, r.Context(), &a)
}

// alertError answers a store error; it reports whether there was one.
func (s *Server) alertError(w http.ResponseWriter, err error) bool {
	switch {
	case err == nil:
		return false
	case errors.Is(err, store.ErrNotFound):
		writeAPIError(w, http.StatusNotFound, err.Error())
	default:
		var inv *store.InvalidChange
		if errors.As(err, &inv) {
			writeAPIError(w, http.StatusBadRequest, err.Error())
		} else {
			s.log.Error("alert store", "err", err)
			writeAPIError(w, http.StatusInternalServerError, "the alert store failed")
		}
	}
	return true
}

// ruleInfo is one rule in GET /api/rules.
type ruleInfo struct {
	web.Rule

	Offered    int64 `json:"events_offered"`
	Matched    int64 `json:"matched"`
	Alerts     int64 `json:"alerts"`
	Suppressed int64 `json:"suppressed"`
	Excepted   int64 `json:"excepted"`
	Capped     int64 `json:"capped_by_max_signals"`
	Overflow   int64 `json:"state_overflow"`
	// EvalMillis estimates the time spent evaluating the rule (one
	// offer in 32 timed, scaled to all).
	EvalMillis float64 `json:"eval_time_ms"`
	LastAlert  *string `json:"last_alert,omitempty"`
}

// rules is GET /api/rules: every rule loaded, what became of it, and the
// running rules' counters.
func (s *Server) rules(w http.ResponseWriter, r *http.Request) {
	stats, ok := s.pipe.ruleStats(r.Context())
	if !ok {
		return
	}
	last, err := s.alerts.LastAlerts(r.Context())
	if err != nil {
		s.log.Error("alert store", "err", err)
	}
	byID := map[string]engine.RuleStats{}
	for _, st := range stats {
		byID[st.Rule.Path+"\x00"+st.Rule.ID] = st
	}
	_, statuses := s.RuleSet()
	out := make([]ruleInfo, 0, len(statuses))
	for _, st := range statuses {
		rl := st.Rule
		ri := ruleInfo{Rule: web.RuleOf(st)}
		if rs, ok := byID[rl.Path+"\x00"+rl.ID]; ok {
			ri.Offered, ri.Matched, ri.Alerts, ri.Capped, ri.Overflow = rs.Offered, rs.Matched, rs.Alerts, rs.Capped, rs.Overflow
			ri.Suppressed, ri.Excepted = rs.Suppressed, rs.Excepted
			ri.EvalMillis = float64(rs.EvalTime) / float64(time.Millisecond)
		}
		if t, ok := last[rl.ID]; ok {
			ts := t.Format(time.RFC3339Nano)
			ri.LastAlert = &ts
		}
		out = append(out, ri)
	}
	writeJSON(w, http.StatusOK, map[string]any{"total": len(out), "rules": out})
}

// stats is GET /api/stats.
func (s *Server) stats(w http.ResponseWriter, r *http.Request) {
	st := &s.pipe.st
	wm := st.watermark.Load()
	out := map[string]any{
		"events": map[string]int64{
			"received": st.received.Load(), "acknowledged": st.accepted.Load(), "rejected": st.rejected.Load(),
			"evaluated": st.evaluated.Load(), "late": st.late.Load(), "undecodable": st.failed.Load(),
			"evaluated_early": st.forced.Load(), "replayed": st.replayed.Load(),
			"evaluated_on_arrival": st.onArrival.Load(), "not_held_for_order": st.notHeld.Load(),
			"held_for_order": st.buffered.Load(), "held_for_order_bytes": st.bufferedBytes.Load(),
		},
		"alerts": map[string]int64{"raised": st.alerts.Load(), "stored": st.stored.Load(), "store_errors": st.storeErrors.Load()},
		"log": map[string]any{"bytes": s.wal.Size(), "next_lsn": s.wal.Next(), "checkpoint": s.wal.Checkpointed(),
			"checkpoints": st.checkpoints.Load(), "backlog": s.pipe.queue.len(), "backlog_bytes": s.pipe.queue.size()},
		"carry": s.pipe.carry.stats(st.evaluated.Load()),
	}
	if src := s.pipe.sourceStats.Load(); src != nil {
		out["sources"] = *src // the 50 lagging most
	}
	if rec := s.pipe.recent; rec != nil {
		out["recent_events"] = rec.stats()
	}
	if w := s.webhook; w != nil {
		out["webhook"] = map[string]int64{"sent": w.sent.Load(), "failed": w.failed.Load(), "dropped": w.dropped.Load(), "queued": int64(len(w.queue))}
	}
	if s.kafka != nil {
		out["kafka"] = s.kafka.statsJSON()
	}
	if s.shared != nil {
		out["kafka_shared"] = s.shared.statsJSON()
	}
	if v := s.view; v != nil {
		out["kafka_alerts_view"] = map[string]int64{"records": v.records.Load(), "stored": v.stored.Load(), "bad": v.bad.Load(), "store_errors": v.storeErrors.Load()}
	}
	if wm != minTime {
		out["watermark"] = time.Unix(0, wm).UTC().Format(time.RFC3339Nano)
		out["lag_seconds"] = time.Since(time.Unix(0, wm)).Seconds()
	}
	writeJSON(w, http.StatusOK, out)
}

func writeAPIError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]any{"error": msg, "status": status})
}

// reloadRules is POST /api/rules/_reload.
func (s *Server) reloadRules(w http.ResponseWriter, r *http.Request) {
	running, kept, err := s.Reload(r.Context())
	var re *ReloadError
	switch {
	case errors.As(err, &re):
		var failed []string
		for _, st := range re.Failed {
			failed = append(failed, st.Err.Error())
		}
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"error": "rules failed to compile; the running rules are kept", "failed": failed})
	case err != nil:
		writeAPIError(w, http.StatusBadRequest, err.Error())
	default:
		writeJSON(w, http.StatusOK, map[string]any{"running": running, "kept_state": kept})
	}
}
