package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/web"
)

// The analyst's page (package web) and the API it reads besides the
// alert and rule API: alert groups, an alert's context (process ancestry
// and host timeline from the recent-event window) and ATT&CK coverage.

// pageRoutes adds the page and its API to mux.
func (s *Server) pageRoutes(mux *http.ServeMux) {
	mux.Handle("GET "+web.Prefix, web.Handler())
	mux.HandleFunc("GET /{$}", s.rootOrPage)
	mux.HandleFunc("GET /api/alerts/_groups", s.alertGroups)
	mux.HandleFunc("GET /api/alerts/{id}/context", s.alertContext)
	mux.HandleFunc("GET /api/coverage", s.coverage)
	mux.HandleFunc("GET /api/coverage/navigator", s.navigator)
}

// rootOrPage serves the page to browsers and Elasticsearch's root
// document to everyone else (shippers check it).
func (s *Server) rootOrPage(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && web.WantsPage(r) {
		web.ServePage(w, r)
		return
	}
	s.serveES(w, r)
}

// alertGroups is GET /api/alerts/_groups?by=rule|host&<the list's filters>:
// the alerts the filters select, counted per rule or host.
func (s *Server) alertGroups(w http.ResponseWriter, r *http.Request) {
	q, err := alertQuery(r)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	by := r.URL.Query().Get("by")
	gs, err := s.alerts.Groups(r.Context(), q, by, 1000)
	if err != nil {
		writeAPIError(w, http.StatusBadRequest, err.Error())
		return
	}
	type group struct {
		Key   string `json:"key"`
		Name  string `json:"name"`
		Count int    `json:"count"`
	}
	out := make([]group, len(gs))
	for i, g := range gs {
		out[i] = group(g)
	}
	writeJSON(w, http.StatusOK, map[string]any{"by": by, "groups": out})
}

// Context bounds: the timeline spans this much either side of the alert,
// with at most this many alerts and events.
const (
	contextSpan   = time.Hour
	contextAlerts = 200
	contextEvents = 200
	maxAncestry   = 8 // process generations followed up the parent chain
)

// alertContext is GET /api/alerts/{id}/context: the process ancestry (the
// retained events of the alert's process entity and its ancestors'), and
// the host's timeline: its other alerts and retained events within an
// hour of the alert.
func (s *Server) alertContext(w http.ResponseWriter, r *http.Request) {
	a, err := s.alerts.Get(r.Context(), r.PathValue("id"))
	if s.alertError(w, err) {
		return
	}
	var doc map[string]any
	if err := json.Unmarshal(a.Doc, &doc); err != nil {
		writeAPIError(w, http.StatusInternalServerError, "stored alert unreadable")
		return
	}
	from, to := a.Time.Add(-contextSpan), a.Time.Add(contextSpan)
	page, err := s.alerts.Find(r.Context(), store.Query{Host: a.Host, From: from, To: to, Size: contextAlerts})
	if s.alertError(w, err) {
		return
	}
	type alertRef struct {
		ID       string `json:"id"`
		Time     string `json:"time"`
		Rule     string `json:"rule"`
		Severity string `json:"severity"`
		Reason   string `json:"reason"`
	}
	alerts := make([]alertRef, len(page.Alerts))
	for i, x := range page.Alerts {
		alerts[i] = alertRef{x.ID, x.Time.Format(time.RFC3339Nano), x.RuleName, x.Severity, x.Reason}
	}
	out := map[string]any{"ancestry": []any{}, "timeline": map[string]any{"alerts": alerts, "events": []any{}}}
	rec := s.pipe.recent
	if rec == nil {
		out["note"] = "the service keeps no recent events (--recent-events)"
		writeJSON(w, http.StatusOK, out)
		return
	}
	out["window"] = rec.stats()
	out["timeline"].(map[string]any)["events"] = ecs(rec.around(a.Host, from.UnixNano(), to.UnixNano(), contextEvents))
	out["ancestry"] = ancestry(doc, ecs(rec.around(a.Host, minTime, a.Time.Add(contextSpan).UnixNano(), rec.perHost)))
	writeJSON(w, http.StatusOK, out)
}

// generation is one process of an alert's ancestry and its retained
// events.
type generation struct {
	Depth    int               `json:"depth"` // 0: the alert's process, 1: its parent, ...
	EntityID string            `json:"entity_id"`
	Events   []json.RawMessage `json:"events"`
}

// ancestry follows process.parent.entity_id up from the alert's process
// (for a sequence, its first stage's) through the host's retained events.
func ancestry(alert map[string]any, window []json.RawMessage) []generation {
	type parsed struct {
		raw            json.RawMessage
		entity, parent string
	}
	evs := make([]parsed, 0, len(window))
	for _, d := range window {
		var m map[string]any
		if json.Unmarshal(d, &m) != nil {
			continue
		}
		evs = append(evs, parsed{d, docString(m, "process.entity_id"), docString(m, "process.parent.entity_id")})
	}
	entity, parent := docString(alert, "process.entity_id"), docString(alert, "process.parent.entity_id")
	if stages, ok := alert["vigil.group.events"].([]any); ok && len(stages) > 0 {
		if first, ok := stages[0].(map[string]any); ok {
			entity, parent = docString(first, "process.entity_id"), docString(first, "process.parent.entity_id")
		}
	}
	out := []generation{}
	seen := map[string]bool{}
	for depth := 0; depth < maxAncestry && entity != "" && !seen[entity]; depth++ {
		seen[entity] = true
		g := generation{Depth: depth, EntityID: entity, Events: []json.RawMessage{}}
		next := ""
		for _, e := range evs {
			if e.entity == entity {
				g.Events = append(g.Events, e.raw)
				if next == "" {
					next = e.parent
				}
			}
		}
		out = append(out, g)
		if next == "" && depth == 0 {
			next = parent
		}
		entity = next
	}
	return out
}

// docString reads a string field of a JSON document written flat
// ("process.entity_id") or nested ({"process": {"entity_id": ...}}).
func docString(m map[string]any, path string) string {
	if v, ok := m[path].(string); ok {
		return v
	}
	for i := len(path) - 1; i > 0; i-- {
		if path[i] != '.' {
			continue
		}
		if sub, ok := m[path[:i]].(map[string]any); ok {
			if v := docString(sub, path[i+1:]); v != "" {
				return v
			}
		}
	}
	return ""
}

// coverage is GET /api/coverage: the ATT&CK heat map of the running rules
// and of the stored alerts.
func (s *Server) coverage(w http.ResponseWriter, r *http.Request) {
	counts, ok := s.alertsPerRule(w, r)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, web.CoverageOf(s.runningRules(), counts))
}

// alertsPerRule counts the stored alerts per rule_id; false if the store
// failed (the answer is written).
func (s *Server) alertsPerRule(w http.ResponseWriter, r *http.Request) (map[string]int, bool) {
	gs, err := s.alerts.Groups(r.Context(), store.Query{}, "rule", 0)
	if err != nil {
		s.log.Error("alert store", "err", err)
		writeAPIError(w, http.StatusInternalServerError, "the alert store failed")
		return nil, false
	}
	counts := make(map[string]int, len(gs))
	for _, g := range gs {
		counts[g.Key] = g.Count
	}
	return counts, true
}

// navigator is GET /api/coverage/navigator: the running rules' coverage as
// an ATT&CK Navigator layer (what vigil rules coverage --navigator writes),
// or with ?of=alerts the stored alerts' (what vigil hunt --navigator
// writes of a hunt).
func (s *Server) navigator(w http.ResponseWriter, r *http.Request) {
	rules := s.runningRules()
	var l *attack.Layer
	switch of := r.URL.Query().Get("of"); of {
	case "", "rules":
		l = attack.RulesLayer(rules, "vigil serve")
	case "alerts":
		counts, ok := s.alertsPerRule(w, r)
		if !ok {
			return
		}
		var c attack.Coverage
		total := 0
		for _, rl := range rules {
			if n := counts[rl.ID]; n > 0 {
				c.Add(rl, n)
				total += n
			}
		}
		l = c.Layer("vigil serve alerts", fmt.Sprintf("%d stored alerts; score = alerts", total))
	default:
		writeAPIError(w, http.StatusBadRequest, "of: want rules or alerts, not "+strconv.Quote(of))
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="vigil-coverage-layer.json"`)
	l.WriteTo(w)
}

// runningRules returns the rules the engine runs.
func (s *Server) runningRules() []*rule.Rule {
	_, statuses := s.RuleSet()
	var out []*rule.Rule
	for _, st := range statuses {
		if st.State == engine.OK {
			out = append(out, st.Rule)
		}
	}
	return out
}
