package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const heldThreatRule = `
[metadata]
creation_date = "2024/01/01"
[rule]
rule_id = "held-threat"
name = "Hash indicator match"
description = "d"
risk_score = 73
severity = "high"
type = "threat_match"
language = "kuery"
index = ["logs-endpoint.*"]
max_signals = 10000
query = "file.hash.*:*"
threat_index = ["logs-ti_*"]
threat_indicator_path = "threat.indicator"
threat_language = "kuery"
threat_query = 'event.type:indicator'
[[rule.threat_mapping]]
[[rule.threat_mapping.entries]]
field = "file.hash.sha256"
type = "mapping"
value = "threat.indicator.file.hash.sha256"
`

// TestHuntHeldThreatOffers: a Judge holds its offers of an indicator
// match rule that has no indicator yet (the event travels as a held
// tick, decoded again in order only if the rule has one by then). The
// alerts are those of the hunt that evaluates every event whole in
// order, whether the indicators come before the hunt (--indicators), in
// a second input older than most of the first's events (read while the
// first is judged), in the stream after every source event, or not at
// all.
func TestHuntHeldThreatOffers(t *testing.T) {
	const sources = 3000
	// Sources at one second apart from 10:00:00, each with a hash; the
	// source input is long enough that its decoders judge far ahead of
	// the merge.
	source := func(i int) string {
		return fmt.Sprintf(`{"@timestamp":"2024-05-10T%02d:%02d:%02dZ","data_stream":{"type":"logs","dataset":"endpoint.events.file","namespace":"default"},`+
			`"event":{"id":"s%d","kind":"event","category":["file"]},"host":{"name":"wks1"},"file":{"hash":{"sha256":"h%d"}},"pad":"%s"}`,
			10+i/3600, i/60%60, i%60, i, i%7, strings.Repeat("x", i%5*300))
	}
	indicator := func(ts, id, sha string) string {
		return `{"@timestamp":"` + ts + `","_id":"` + id + `","data_stream":{"type":"logs","dataset":"ti_custom.indicator","namespace":"default"},` +
			`"event":{"type":"indicator","kind":"enrichment"},"threat":{"indicator":{"file":{"hash":{"sha256":"` + sha + `"}}}}}`
	}
	dir := t.TempDir()
	rules := filepath.Join(dir, "rules", "r.toml")
	writeFile(t, rules, heldThreatRule)
	var lines []string
	for i := range sources {
		lines = append(lines, source(i))
	}
	events := filepath.Join(dir, "events.ndjson")
	writeFile(t, events, strings.Join(lines, "\n")+"\n")
	early := filepath.Join(dir, "ti-early.ndjson") // 10:30, before 1,200 of the sources
	writeFile(t, early, indicator("2024-05-10T10:30:00Z", "ioc-early", "h3")+"\n")
	late := filepath.Join(dir, "ti-late.ndjson") // after every source
	writeFile(t, late, indicator("2024-05-10T12:00:00Z", "ioc-late", "h3")+"\n")
	feed := filepath.Join(dir, "feed.ndjson") // read before the hunt
	writeFile(t, feed, indicator("2024-05-01T00:00:00Z", "ioc-feed", "h5")+"\n")

	hunt := func(judge bool, args ...string) []string {
		t.Helper()
		all := append([]string{"--format", "jsonl", "--progress", "never", "--rules", rules, fmt.Sprintf("--judge-as-decoded=%t", judge)}, args...)
		out, errOut, err := runHunt(t, all...)
		if err != nil {
			t.Fatalf("%v\n%s", err, errOut)
		}
		return enrichments(t, out, false)
	}
	// matches lists the sources from first on whose hash is h, matched
	// by indicator id.
	matches := func(first, hash int, id string) []string {
		var out []string
		for i := first; i < sources; i++ {
			if i%7 == hash {
				out = append(out, fmt.Sprintf("s%d~%s", i, id))
			}
		}
		return out
	}
	for _, tc := range []struct {
		name string
		args []string
		want []string
	}{
		{"none", []string{events}, nil},
		{"in-stream earlier, second input", []string{events, early}, matches(1801, 3, "ioc-early")},
		{"in-stream earlier, first input", []string{early, events}, matches(1801, 3, "ioc-early")},
		{"in-stream after", []string{events, late}, nil},
		{"indicators file", []string{"--indicators", feed, events}, matches(0, 5, "ioc-feed")},
		{"indicators file and in-stream", []string{"--indicators", feed, events, early}, append(matches(0, 5, "ioc-feed"), matches(1801, 3, "ioc-early")...)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, judge := range []bool{true, false} {
				got := hunt(judge, tc.args...)
				slices.Sort(got)
				want := slices.Clone(tc.want)
				slices.Sort(want)
				if !slices.Equal(got, want) {
					t.Errorf("judge-as-decoded=%t: %d alerts, want %d\ngot  %.300q\nwant %.300q", judge, len(got), len(want), got, want)
				}
			}
		})
	}
}
