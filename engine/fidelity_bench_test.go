package engine

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/rule"
)

// benchExceptions is a tuning list as a SOC keeps one: 20 items of match,
// match_any and wildcard entries on process, user, host and file fields,
// none of which the synthetic events meet (so every alert stays and the
// cost is the filter's alone).
func benchExceptions(tb testing.TB) *exception.Store {
	lines := []string{`{"list_id":"soc-tuning","type":"detection","namespace_type":"single","name":"SOC tuning"}`}
	for i := range 20 {
		var entries string
		switch i % 4 {
		case 0:
			entries = fmt.Sprintf(`[{"field":"process.executable","type":"match","operator":"included","value":"C:\\Program Files\\Tool%d\\agent.exe"}]`, i)
		case 1:
			entries = fmt.Sprintf(`[{"field":"user.name","type":"match_any","operator":"included","value":["svc_scan%d","svc_backup%d"]},{"field":"host.name","type":"match","operator":"included","value":"SCAN%02d"}]`, i, i, i)
		case 2:
			entries = fmt.Sprintf(`[{"field":"file.path","type":"wildcard","operator":"included","value":"C:\\ProgramData\\Vendor%d\\*"}]`, i)
		case 3:
			entries = fmt.Sprintf(`[{"field":"process.parent.executable","type":"match","operator":"included","value":"C:\\Deploy\\runner%d.exe"},{"field":"process.name","type":"exists","operator":"included"}]`, i)
		}
		lines = append(lines, `{"list_id":"soc-tuning","item_id":"i`+strconv.Itoa(i)+`","namespace_type":"single","type":"simple","entries":`+entries+`}`)
	}
	s := exception.NewStore()
	if err := s.LoadNDJSON("bench.ndjson", []byte(strings.Join(lines, "\n"))); err != nil {
		tb.Fatal(err)
	}
	return s
}

// BenchmarkHuntExceptions hunts as BenchmarkHuntWindowsRules does, once
// plain and once with the 20-item tuning list referenced by every rule,
// and reports both throughputs: the exceptions' cost. Run with
// -benchtime=1x; VIGIL_BENCH_EVENTS sets the event count (default
// 200,000).
func BenchmarkHuntExceptions(b *testing.B) {
	rules := windowsRules(b)
	tuned := make([]*rule.Rule, len(rules))
	for i, r := range rules {
		c := *r
		c.ExceptionsList = append(append([]rule.ExceptionList(nil), r.ExceptionsList...),
			rule.ExceptionList{ID: "soc", ListID: "soc-tuning", NamespaceType: "single", Type: "detection"})
		tuned[i] = &c
	}
	store := benchExceptions(b)
	n := 200_000
	if v, err := strconv.Atoi(os.Getenv("VIGIL_BENCH_EVENTS")); err == nil && v > 0 {
		n = v
	}
	evs := benchEvents(n)
	run := func(rs []*rule.Rule, opt Options) (int, time.Duration) {
		alerts := 0
		opt.Now = func() time.Time { return time.Unix(0, 0) }
		eng, _ := New(rs, opt, func(*alert.Alert) { alerts++ })
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		start := cputime.Thread()
		feed(b, eng, evs)
		return alerts, cputime.Thread() - start
	}
	var plain, excepted time.Duration
	var plainAlerts, exceptedAlerts int
	for b.Loop() {
		a, t := run(rules, Options{})
		plain += t
		plainAlerts = a
		a, t = run(tuned, Options{Exceptions: store})
		excepted += t
		exceptedAlerts = a
	}
	if plainAlerts != exceptedAlerts {
		b.Errorf("exceptions no event meets changed the alerts: %d without, %d with", plainAlerts, exceptedAlerts)
	}
	iters := float64(b.N)
	b.ReportMetric(float64(n)*iters/plain.Seconds(), "events/cpu-s")
	b.ReportMetric(float64(n)*iters/excepted.Seconds(), "events/cpu-s-exceptions")
	b.ReportMetric(float64(plainAlerts), "alerts")
}
