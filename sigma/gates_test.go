package sigma_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
	"github.com/vigilsec/vigil/winlog"
)

// Floors of the two Sigma gates; they only go up.
const (
	compileFloor    = 2864 // windows rules compiled, of 2,872
	regressionFloor = 202  // regression tests passed, of 202
	// aboveCeiling is how many passed tests may match more records than
	// their match_count (four of SigmaHQ's counts are stale, see
	// TestSigmaRegression); it only goes down, so that matching more
	// than before is caught as matching fewer is.
	aboveCeiling = 4
)

// sigmaFolders are the rule folders of the SigmaHQ corpus.
func sigmaFolders(t testing.TB) []string {
	root := testenv.Path(t, "corpus", "sigma")
	var out []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"} {
		out = append(out, filepath.Join(root, d))
	}
	return out
}

// windowsRules loads every Sigma rule of the corpus with product windows.
func windowsRules(t testing.TB) (rules []*rule.Rule, errs []error) {
	all, _, errs := rule.LoadPaths(sigmaFolders(t)...)
	for _, r := range all {
		if sr := sigma.FromRule(r); sr != nil && sr.Logsource.Product == "windows" {
			rules = append(rules, r)
		}
	}
	return rules, errs
}

// TestSigmaCompile is the gate "Sigma compile": every Windows rule of
// SigmaHQ's corpus compiles or is reported unsupported with a reason.
func TestSigmaCompile(t *testing.T) {
	rules, errs := windowsRules(t)
	_, statuses := engine.Compile(rules, engine.Options{})
	n, unsupported := 0, 0
	reasons := map[string]int{}
	for _, st := range statuses {
		switch st.State {
		case engine.OK:
			n++
		case engine.Unsupported:
			unsupported++
			reasons[st.Reason]++
			if st.Reason == "" {
				t.Errorf("%s: unsupported without a reason", st.Rule.Path)
			}
			t.Logf("unsupported: %s: %s", st.Rule.Path, st.Reason)
		default:
			errs = append(errs, st.Err)
		}
	}
	for _, err := range errs {
		t.Errorf("error: %v", err)
	}
	t.Logf("Sigma compile: compiled %d of %d windows rules, unsupported %d, errors %d", n, len(rules), unsupported, len(errs))
	// Rules that only lack placeholder values compile once given some
	// (--sigma-placeholder).
	var waiting []*rule.Rule
	for _, st := range statuses {
		if st.State == engine.Unsupported && strings.Contains(st.Reason, "placeholder") {
			waiting = append(waiting, st.Rule)
		}
	}
	given := map[string][]string{}
	placeholder := regexp.MustCompile(`placeholder %([^%]+)%`)
	compiled := 0
	for _, r := range waiting {
		for range 10 {
			_, sts := engine.Compile([]*rule.Rule{r}, engine.Options{SigmaPlaceholders: given})
			m := placeholder.FindStringSubmatch(sts[0].Reason)
			if sts[0].State == engine.OK {
				compiled++
			}
			if m == nil {
				break
			}
			given[m[1]] = []string{"value-of-" + m[1]}
		}
	}
	t.Logf("Sigma compile with placeholder values: compiled %d of %d", compiled, len(waiting))
	if compiled != len(waiting) {
		t.Errorf("%d rules waiting for placeholder values did not compile with them", len(waiting)-compiled)
	}
	if n < compileFloor {
		t.Errorf("compiled %d windows rules, below the floor of %d", n, compileFloor)
	}
}

// regressionInfo is a regression test's info.yml.
type regressionInfo struct {
	RuleMetadata []struct {
		ID    string `yaml:"id"`
		Title string `yaml:"title"`
	} `yaml:"rule_metadata"`
	Tests []struct {
		Name       string `yaml:"name"`
		Type       string `yaml:"type"`
		Path       string `yaml:"path"`
		MatchCount *int   `yaml:"match_count"`
	} `yaml:"regression_tests_info"`
}

// TestSigmaRegression is the gate "Sigma regression": SigmaHQ's own
// regression tests. Each names a rule by id and an EVTX file of events it
// must match: at least one, and at least match_count where given.
//
// match_count is a floor, as SigmaHQ's runner (tests/regression_tests_runner.py
// since SigmaHQ PR #5943) checks it: fewer matches fail, more only warn
// ("consider updating match_count in info.yml"). Four tests of the first
// batch (2025-10-24) say 1 where two or three records of their EVTX
// match the rule (three AnyDesk user.conf writes, three procdump
// drops, three ZoneMap values, both AutoShare values); the gate logs each
// test above its count and holds their number at aboveCeiling.
func TestSigmaRegression(t *testing.T) {
	root := testenv.Path(t, "data", "sigma-regression_data")
	rules, _ := windowsRules(t)
	byID := map[string]*rule.Rule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	var infos []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(infos)
	passed, total, ecsPassed := 0, 0, 0
	var failures, ecsFailures, above []string
	for _, p := range infos {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		var info regressionInfo
		if err := yaml.Unmarshal(data, &info); err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		for _, tc := range info.Tests {
			if tc.Type != "evtx" || len(info.RuleMetadata) == 0 {
				continue
			}
			total++
			id := info.RuleMetadata[0].ID
			r := byID[id]
			if r == nil {
				failures = append(failures, id+": no windows rule with this id")
				continue
			}
			// The same records as already normalised ECS documents (the
			// event data Elastic's pipelines moved is gone): what a Sigma
			// rule can still see through its ECS fallbacks.
			if n, err := countMatches(r, filepath.Join(root, tc.Path), false); err == nil && n > 0 && (tc.MatchCount == nil || n >= *tc.MatchCount) {
				ecsPassed++
			} else {
				ecsFailures = append(ecsFailures, id+" "+r.Path)
			}
			got, err := countMatches(r, filepath.Join(root, tc.Path), true)
			switch {
			case err != nil:
				failures = append(failures, id+" "+r.Path+": "+err.Error())
			case got == 0:
				failures = append(failures, id+" "+r.Path+": no match in "+tc.Path)
			case tc.MatchCount != nil && got < *tc.MatchCount:
				failures = append(failures, id+" "+r.Path+": "+strconv.Itoa(got)+" matches, want "+strconv.Itoa(*tc.MatchCount))
			default:
				passed++
				if tc.MatchCount != nil && got > *tc.MatchCount {
					above = append(above, id+" "+r.Path+": "+strconv.Itoa(got)+" matches, match_count "+strconv.Itoa(*tc.MatchCount))
				}
			}
		}
	}
	for _, f := range failures {
		t.Log("failed: " + f)
	}
	for _, a := range above {
		t.Log("above match_count: " + a)
	}
	t.Logf("Sigma regression: passed %d of %d (%d above match_count, which SigmaHQ's runner allows)", passed, total, len(above))
	for _, f := range ecsFailures {
		t.Log("not on ECS-only input: " + f)
	}
	t.Logf("Sigma regression on ECS-only input: passed %d of %d", ecsPassed, total)
	if passed < regressionFloor {
		t.Errorf("passed %d regression tests, below the floor of %d", passed, regressionFloor)
	}
	if len(above) > aboveCeiling {
		t.Errorf("%d regression tests match more records than their match_count, above the ceiling of %d", len(above), aboveCeiling)
	}
}

// countMatches runs one rule over an EVTX file as a hunt does and counts
// the records it alerts on; without raw, the records are only the ECS
// documents Elastic's pipelines make of them.
func countMatches(r *rule.Rule, path string, raw bool) (int, error) {
	n := 0
	eng, statuses := engine.New([]*rule.Rule{r}, engine.Options{Aliases: winlog.Aliases}, func(*alert.Alert) { n++ })
	if st := statuses[0]; st.State != engine.OK {
		if st.Err != nil {
			return 0, st.Err
		}
		return 0, errors.New("unsupported: " + st.Reason)
	}
	err := readInto(eng, path, raw)
	return n, err
}

func readInto(eng *engine.Engine, path string, raw bool) error {
	op := input.NewOpener(input.Options{Schema: eng.Schema(), KeepEventData: raw})
	rd, err := op.Open(path)
	if err != nil {
		return err
	}
	defer rd.Close()
	var ev event.Event
	for {
		err := rd.Next(&ev)
		if errors.Is(err, io.EOF) {
			break
		}
		var re *input.RecordError
		if errors.As(err, &re) && !re.Fatal {
			continue
		}
		if err != nil {
			return err
		}
		eng.Process(&ev)
	}
	eng.Flush()
	return nil
}

// TestUnnamedData: a record's unnamed data (paramN) is Sigma's Data, and
// names with spaces are found without them.
func TestUnnamedData(t *testing.T) {
	path := testenv.Path(t, "data", "evtx", "EVTX-ATTACK-SAMPLES", "Credential Access", "MSSQL_multiple_failed_logon_EventID_18456.evtx")
	src := "title: t\nid: x\nlogsource: {product: windows, service: application}\ndetection:\n" +
		"  sel:\n    EventID: 18456\n    Data|contains: 'Password did not match'\n  condition: sel\n"
	rules, _, err := sigma.Load("t.yml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	n, err := countMatches(rules[0], path, true)
	if err != nil || n == 0 {
		t.Errorf("%d matches (%v), want some", n, err)
	}
}

// TestTimeModifiersOnRecords: the time modifiers read the parts of a
// record's dates, TimeCreated (the document's @timestamp) and Sysmon's
// UtcTime, as written. The five file events of this EVTX were written at
// 2025-10-24 23:34 UTC (ISO week 43); three of them are user.conf files.
func TestTimeModifiersOnRecords(t *testing.T) {
	path := testenv.Path(t, "data", "sigma-regression_data", "regression_data", "rules", "windows", "file", "file_event",
		"file_event_win_anydesk_artefact", "0b9ad457-2554-44c1-82c2-d56a99c42377.evtx")
	tests := []struct {
		name, selection string
		want            int
	}{
		{"hour and minute", "TimeCreated|hour: 23\n    UtcTime|minute: 34", 5},
		{"day week month year", "TimeCreated|day: 24\n    UtcTime|week: 43\n    TimeCreated|month: 10\n    UtcTime|year: 2025", 5},
		{"with a string test", "TimeCreated|hour|gte: 20\n    TargetFilename|contains: '\\AnyDesk\\user.conf'", 3},
		{"before", "TimeCreated|minute|lt: 34", 0},
		{"other year", "UtcTime|year|neq: 2025", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := "title: t\nid: x\nlogsource: {product: windows, category: file_event}\ndetection:\n" +
				"  sel:\n    " + tc.selection + "\n  condition: sel\n"
			rules, _, err := sigma.Load("t.yml", []byte(src))
			if err != nil {
				t.Fatal(err)
			}
			n, err := countMatches(rules[0], path, true)
			if err != nil || n != tc.want {
				t.Errorf("%d matches (%v), want %d", n, err, tc.want)
			}
		})
	}
}
