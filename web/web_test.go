package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/attack"
	"github.com/vigilsec/vigil/builtin"
)

func TestWantsPage(t *testing.T) {
	cases := []struct {
		accept string
		want   bool
	}{
		{"text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", true},
		{"TEXT/HTML", true},
		{"application/json, text/html;q=0.1", true},
		{"", false},
		{"*/*", false},
		{"application/json", false},
		{"application/vnd.elasticsearch+json; compatible-with=8", false},
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Accept", c.accept)
		if got := WantsPage(r); got != c.want {
			t.Errorf("Accept %q: %v, want %v", c.accept, got, c.want)
		}
	}
}

// TestWriteReport: the report inlines its script, which its policy allows
// by hash, and embeds its data so that no string in an alert can end the
// data's element.
func TestWriteReport(t *testing.T) {
	rules, _, errs := builtin.Load()
	if len(errs) > 0 {
		t.Fatal(errs[0])
	}
	hostile := `{"kibana.alert.uuid":"x","message":"</script><script>alert(1)</script><!--"}`
	rep := &Report{Title: `hunt <b>&</b>`, Alerts: []json.RawMessage{json.RawMessage(hostile)},
		Coverage: CoverageOf(rules, map[string]int{rules[0].ID: 3}), Navigator: attack.RulesLayer(rules, "test")}
	var b bytes.Buffer
	if err := WriteReport(&b, rep); err != nil {
		t.Fatal(err)
	}
	page := b.String()
	if n := strings.Count(strings.ToLower(page), "<script"); n != 2 {
		t.Errorf("%d script elements, want 2 (the data and the page's script)", n)
	}
	if strings.Contains(page, "alert(1)</script>") || !strings.Contains(page, `\u003c/script\u003e\u003cscript\u003ealert(1)`) {
		t.Error("the hostile alert was not escaped in the data")
	}
	if !strings.Contains(page, "<title>hunt &lt;b&gt;&amp;&lt;/b&gt;</title>") {
		t.Error("the title was not escaped")
	}
	m := regexp.MustCompile(`(?s)<script>(.*)</script>\s*</body>`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no inline script")
	}
	sum := sha256.Sum256([]byte(m[1]))
	if !strings.Contains(html.UnescapeString(page), "script-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'") {
		t.Error("the policy does not allow the inline script by its hash")
	}
	if strings.Contains(page, `src="/ui/`) || strings.Contains(page, `href="/ui/`) {
		t.Error("the report links a file of the service")
	}
	// The data round-trips.
	d := regexp.MustCompile(`(?s)<script type="application/json" id="vigil-data">(.*?)</script>`).FindStringSubmatch(page)
	var back Report
	if d == nil || json.Unmarshal([]byte(d[1]), &back) != nil || len(back.Alerts) != 1 || back.Coverage.Cells == nil {
		t.Fatalf("the embedded data does not read back")
	}
}

// TestCoverageOf counts rules and alerts per cell: the seed technique
// T1569.002 is covered by several built-in rules; alerts count where
// their rule maps.
func TestCoverageOf(t *testing.T) {
	rules, _, _ := builtin.Load()
	counts := map[string]int{}
	for _, r := range rules {
		counts[r.ID] = 2
	}
	c := CoverageOf(rules, counts)
	var seed *Cell
	for i := range c.Cells {
		if c.Cells[i].Tactic == "execution" && c.Cells[i].TechniqueID == "T1569.002" {
			seed = &c.Cells[i]
		}
	}
	if seed == nil || seed.Rules < 2 || seed.Alerts != 2*seed.Rules || len(seed.RuleNames) != seed.Rules {
		t.Fatalf("T1569.002: %+v", seed)
	}
	if len(c.Tactics) == 0 || c.Tactics[0].Short == "" {
		t.Errorf("tactics: %+v", c.Tactics)
	}
	if none := CoverageOf(rules, nil); none.Cells[0].Alerts != 0 || len(none.Cells) != len(c.Cells) {
		t.Error("without alerts the cells differ")
	}
}
