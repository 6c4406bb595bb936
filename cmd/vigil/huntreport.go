package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/web"
)

// htmlReport collects what vigil hunt --html writes: the alert documents
// (as vigil serve stores them), the rules and what became of them.
type htmlReport struct {
	path     string
	fields   *alert.Fields
	statuses []engine.Status
	docs     []json.RawMessage
	omitted  int
}

// add keeps an alert's document, up to web.MaxReportAlerts.
func (r *htmlReport) add(a *alert.Alert) {
	if r.path == "" {
		return
	}
	if len(r.docs) >= web.MaxReportAlerts {
		r.omitted++
		return
	}
	r.docs = append(r.docs, a.AppendJSON(r.fields, nil))
}

// write writes the report, if one was asked for; alerts counts the alerts
// per rule.
func (r *htmlReport) write(paths []string, alerts map[*rule.Rule]int) error {
	if r.path == "" {
		return nil
	}
	rep := &web.Report{Title: "vigil hunt " + strings.Join(paths, " "), Generated: time.Now().UTC().Format(time.RFC3339),
		Alerts: r.docs, Omitted: r.omitted}
	var running []*rule.Rule
	counts := map[string]int{}
	for _, st := range r.statuses {
		rl := st.Rule
		rep.Rules = append(rep.Rules, web.ReportRule{Rule: web.RuleOf(st), Alerts: int64(alerts[rl])})
		if st.State == engine.OK {
			running = append(running, rl)
			counts[rl.ID] += alerts[rl]
		}
	}
	rep.Coverage = web.CoverageOf(running, counts)
	rep.Navigator = attack.RulesLayer(running, "vigil hunt")
	if r.omitted > 0 {
		fmt.Fprintf(stderr, "vigil: hunt: the HTML report holds the first %d alerts; %d more are left out (use --format jsonl for all)\n", len(r.docs), r.omitted)
	}
	f, err := os.Create(r.path)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("hunt: --html: %w", err)}
	}
	err = web.WriteReport(f, rep)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("hunt: --html: %w", err)}
	}
	return nil
}
