package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"strings"

	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/engine"
)

// Report is what a self-contained page holds: the alerts of a hunt (Kibana
// alert documents, as the service's API serves them), the rules that ran
// and the heat map.
type Report struct {
	Title     string            `json:"title"`
	Generated string            `json:"generated"` // RFC 3339
	Alerts    []json.RawMessage `json:"alerts"`
	Omitted   int               `json:"omitted"` // alerts left out beyond MaxReportAlerts
	Rules     []ReportRule      `json:"rules"`
	Coverage  Coverage          `json:"coverage"`
	Navigator *attack.Layer     `json:"navigator"` // the heat map as a Navigator layer
}

// MaxReportAlerts bounds the alerts a report embeds; the rest are counted
// in Report.Omitted.
const MaxReportAlerts = 100_000

// Rule is a loaded rule and what became of it (running, unsupported and
// why, or failed), as the rules view shows it.
type Rule struct {
	ID        string `json:"rule_id"`
	Name      string `json:"name"`
	Type      string `json:"type"`
	Language  string `json:"language,omitempty"`
	Severity  string `json:"severity"`
	RiskScore int    `json:"risk_score"`
	Path      string `json:"path"`
	State     string `json:"state"`
	Reason    string `json:"reason,omitempty"`
	Error     string `json:"error,omitempty"`
}

// RuleOf describes a rule the engine loaded.
func RuleOf(st engine.Status) Rule {
	r := st.Rule
	out := Rule{ID: r.ID, Name: r.Name, Type: r.Type, Language: r.Language, Severity: r.Severity,
		RiskScore: r.RiskScore, Path: r.Path, State: string(st.State), Reason: st.Reason}
	if st.Err != nil {
		out.Error = st.Err.Error()
	}
	return out
}

// ReportRule is a rule in a report, with the alerts it raised.
type ReportRule struct {
	Rule
	Alerts int64 `json:"alerts"`
}

// WriteReport writes the page with the report's data embedded: one HTML
// file that needs no server and no network.
func WriteReport(w io.Writer, rep *Report) error {
	if rep.Alerts == nil {
		rep.Alerts = []json.RawMessage{}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		return fmt.Errorf("report: %w", err)
	}
	// json.Marshal escapes <, > and &, so the data cannot close its
	// script element.
	page, err := fs.ReadFile(files, "index.html")
	if err != nil {
		return err
	}
	script, err := fs.ReadFile(files, "app.js")
	if err != nil {
		return err
	}
	if bytes.Contains(bytes.ToLower(script), []byte("</script")) {
		return fmt.Errorf("report: app.js cannot be inlined: it holds </script")
	}
	style, _ := fs.ReadFile(files, "style.css")
	sum := sha256.Sum256(script)
	policy := "default-src 'none'; script-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) +
		"'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
	// index.html links its style and script; the report inlines them.
	var b bytes.Buffer
	head := `<meta http-equiv="Content-Security-Policy" content="` + template.HTMLEscapeString(policy) + `">` + "\n" +
		"<style>\n" + string(style) + "</style>\n"
	body := `<script type="application/json" id="vigil-data">` + string(data) + "</script>\n" +
		"<script>" + string(script) + "</script>\n"
	s := string(page)
	s = strings.Replace(s, `<link rel="stylesheet" href="/ui/style.css">`, head, 1)
	s = strings.Replace(s, `<script src="/ui/app.js"></script>`, body, 1)
	if rep.Title != "" {
		s = strings.Replace(s, "<title>vigil</title>", "<title>"+template.HTMLEscapeString(rep.Title)+"</title>", 1)
	}
	b.WriteString(s)
	_, err = w.Write(b.Bytes())
	return err
}
