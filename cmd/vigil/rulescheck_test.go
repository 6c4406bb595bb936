package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestRulesCheckCorpus checks every rule of Elastic's detection-rules
// corpus: every EQL rule and every KQL rule (query, threshold, new_terms,
// threat_match) compiles; ES|QL rules compile but those that need
// inference (COMPLETION) or spatial types, which are reported unsupported
// with the reason, as machine learning rules are; nothing is an error.
func TestRulesCheckCorpus(t *testing.T) {
	dir := testenv.Path(t, "corpus", "detection-rules")
	var out bytes.Buffer
	old := stdout
	stdout = &out
	err := (&rulesCmd{}).Run(context.Background(), []string{"check", "--format", "json", dir})
	stdout = old
	if err != nil {
		t.Fatalf("rules check: %v", err)
	}
	var rep struct {
		Rules   []ruleReport `json:"rules"`
		Summary struct {
			Total, OK, Unsupported, Error int
			ByType                        map[string]statusCounts `json:"by_type"`
		} `json:"summary"`
	}
	if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
		t.Fatalf("bad JSON: %v", err)
	}
	for _, r := range rep.Rules {
		switch {
		case r.Status == "error":
			t.Errorf("%s: %s", r.Path, r.Error)
		case r.Language == "eql" || r.Type == "query" || r.Type == "threshold" || r.Type == "new_terms" || r.Type == "threat_match":
			if r.Status != "ok" {
				t.Errorf("%s (%s/%s): %s %s", r.Path, r.Type, r.Language, r.Status, r.Error)
			}
		case r.Type == "esql" && r.Status == "unsupported":
			if !strings.Contains(r.Error, "COMPLETION") && !strings.Contains(r.Error, "spatial") {
				t.Errorf("%s (esql): unsupported for an unexpected reason: %s", r.Path, r.Error)
			}
		case r.Type == "esql":
			if r.Status != "ok" {
				t.Errorf("%s (esql): %s %s", r.Path, r.Status, r.Error)
			}
		default:
			if r.Status != "unsupported" || r.Error == "" {
				t.Errorf("%s (%s): want unsupported with a reason, got %s %q", r.Path, r.Type, r.Status, r.Error)
			}
		}
	}
	want := map[string]statusCounts{
		"eql/eql":            {OK: 1024},
		"query/kuery":        {OK: 454},
		"threshold/kuery":    {OK: 28},
		"new_terms/kuery":    {OK: 241},
		"threat_match/kuery": {OK: 6},
		"esql/esql":          {OK: 200, Unsupported: 9},
		"machine_learning/":  {Unsupported: 106},
	}
	for k, w := range want {
		if got := rep.Summary.ByType[k]; got != w {
			t.Errorf("%s: got %+v, want %+v", k, got, w)
		}
	}
	if rep.Summary.Total != 2068 || rep.Summary.Error != 0 {
		t.Errorf("summary %+v", rep.Summary)
	}
	t.Logf("rules check: %d rules, %d ok, %d unsupported, %d errors", rep.Summary.Total, rep.Summary.OK, rep.Summary.Unsupported, rep.Summary.Error)
}

func TestRulesCheckErrors(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "bad.toml"), []byte("[rule]\nrule_id = \"x\"\nname = \"bad\"\ntype = \"eql\"\nlanguage = \"eql\"\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\nquery = 'process where startswth(process.name, \"a\")'\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "broken.toml"), []byte("[rule\n"), 0o644)
	var out bytes.Buffer
	old := stdout
	stdout = &out
	err := (&rulesCmd{}).Run(context.Background(), []string{"check", dir})
	stdout = old
	if exitCodeOf(err) != 2 {
		t.Errorf("exit %d, want 2", exitCodeOf(err))
	}
	for _, want := range []string{"bad.toml:9:24: eql: unknown function \"startswth\"", "broken.toml:1:", "2 rules: 0 ok, 0 unsupported, 2 errors"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// TestRulesCheckPlaceholderWarning: SigmaHQ's placeholder rules whose
// unset placeholders are only in allowlist filters check ok with a
// warning naming each; given values, the warning goes.
func TestRulesCheckPlaceholderWarning(t *testing.T) {
	dir := testenv.Path(t, "corpus", "sigma", "rules-placeholder", "windows", "builtin", "security")
	path := filepath.Join(dir, "win_security_admin_logon.yml")
	tests := []struct {
		args []string
		want int
	}{
		{[]string{path}, 1},
		{[]string{"--sigma-placeholder", "Admins_Workstations=ADMIN-*", path}, 0},
	}
	for _, tc := range tests {
		var out bytes.Buffer
		old := stdout
		stdout = &out
		err := (&rulesCmd{}).Run(context.Background(), append([]string{"check", "--format", "json"}, tc.args...))
		stdout = old
		if err != nil {
			t.Fatalf("rules check %v: %v", tc.args, err)
		}
		var rep checkReport
		if err := json.Unmarshal(out.Bytes(), &rep); err != nil {
			t.Fatalf("bad JSON: %v", err)
		}
		if len(rep.Rules) != 1 || rep.Rules[0].Status != "ok" {
			t.Fatalf("rules check %v: %+v, want one ok rule", tc.args, rep.Rules)
		}
		w := rep.Rules[0].Warnings
		if len(w) != tc.want || tc.want > 0 && !strings.Contains(w[0], "%Admins_Workstations%") {
			t.Errorf("rules check %v: warnings %q, want %d naming the placeholder", tc.args, w, tc.want)
		}
	}
}
