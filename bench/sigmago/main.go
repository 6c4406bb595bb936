// Command sigmago runs SigmaHQ's Windows rules in vigil and in
// github.com/bradleyjkemp/sigma-go v0.6.6 side by side over the same
// records of the winlog corpus: it checks that the two agree on which
// rule matches which record, says why where they do not, and prints the
// events per CPU-second of each and their ratio.
//
// Rules: every Windows detection rule of the corpus that vigil compiles
// and sigma-go can run (it parses the rule, and knows every modifier the
// rule uses; it has no keywords, windash, base64offset, utf16, exists,
// cased, neq, fieldref or expand). Logsources: sigma-go selects a rule's
// events through its own config mechanism (a logsource mapping with
// conditions, RelevantToEvent), given vigil's channel and event id table,
// so both select the same events. Events: every stride-th record of the
// winlog corpus and every evtx-stride-th of the EVTX corpus (attack
// samples, where rules match more often); vigil decodes the raw winlog line as a hunt does, sigma-go
// gets the map of the record's Windows fields (EventData names and
// EventID, Channel, Provider_Name, Computer), as an EVTX-reading user of
// sigma-go would build it. Times are CPU-seconds of this process (run it
// on one core: bench/sigmago.sh), evaluation only: decoding is done
// before the clock starts, for both.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"syscall"
	"time"

	sigmago "github.com/bradleyjkemp/sigma-go"
	"github.com/bradleyjkemp/sigma-go/evaluator"
	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
	"github.com/vigilsec/vigil/winlog"
)

func main() {
	shared := flag.String("shared", envOr("VIGIL_SHARED", "../shared"), "the shared data folder")
	stride := flag.Int("stride", 20, "compare on every `n`th record of the winlog corpus")
	evtxStride := flag.Int("evtx-stride", 4, "and on every `n`th record of the EVTX corpus")
	speedEvents := flag.Int("speed-events", 500, "events of the sample sigma-go is timed on per run")
	runs := flag.Int("runs", 5, "timed runs of each engine (the median is printed)")
	show := flag.Int("show", 40, "rules with disagreements listed")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "write a CPU profile of vigil's timed runs to `file`")
	flag.BoolVar(&costly, "costs", false, "time each event of the sample alone and print which cost most (with -speed-only)")
	flag.BoolVar(&speedOnly, "speed-only", false, "skip the agreement and regression checks and sigma-go's timing")
	flag.Parse()
	if err := run(*shared, *stride, *evtxStride, *speedEvents, *runs, *show); err != nil {
		fmt.Fprintln(os.Stderr, "sigmago:", err)
		os.Exit(1)
	}
}

var (
	cpuProfile string
	speedOnly  bool
	costly     bool
)

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// pair is one rule as both engines run it.
type pair struct {
	r    *rule.Rule
	pred match.Pred // vigil's compiled predicate, logsource included
	sg   *evaluator.RuleEvaluator
	sr   sigmago.Rule
	wild bool // a plain value holds a wildcard (sigma-go compares it literally)
	esc  bool // a plain value holds an escaped backslash (sigma-go keeps both)
}

func run(shared string, stride, evtxStride, speedEvents, runs, show int) error {
	start := time.Now()
	schema := event.NewSchema()
	pairs, skipped, nWindows, cfg, err := loadRules(shared, schema)
	if err != nil {
		return err
	}
	fmt.Printf("rules: %d windows detection rules; both run %d; left out: %s\n", nWindows, len(pairs), reasons(skipped))

	vevs, sevs, total, err := loadEvents(shared, schema, stride)
	if err != nil {
		return err
	}
	xv, xs, xtotal, err := loadEVTX(shared, schema, evtxStride)
	if err != nil {
		return err
	}
	fmt.Printf("events: %d of the winlog corpus's %d records (every %dth) and %d of the EVTX corpus's %d (every %dth)\n",
		len(vevs), total, stride, len(xv), xtotal, evtxStride)
	nWinlog := len(vevs) // the speed runs are over these
	vevs, sevs = append(vevs, xv...), append(sevs, xs...)

	// Agreement, rule by rule and record by record.
	ctx := context.Background()
	type diff struct {
		vigilOnly, sigmagoOnly int
		example                string
	}
	diffs := map[*pair]*diff{}
	agree, both := 0, 0
	if speedOnly {
		vevs = nil
	}
	for i, ev := range vevs {
		for k := range pairs {
			p := &pairs[k]
			v := p.pred.Match(ev)
			s := sigmagoMatch(ctx, p.sg, sevs[i])
			if v == s {
				agree++
				if v {
					both++
				}
				continue
			}
			d := diffs[p]
			if d == nil {
				d = &diff{}
				diffs[p] = d
			}
			if v {
				d.vigilOnly++
			} else {
				d.sigmagoOnly++
			}
			if d.example == "" {
				d.example = describe(sevs[i])
			}
		}
	}
	if checks := len(vevs) * len(pairs); checks > 0 { // none with -speed-only
		fmt.Printf("agreement: %d of %d (rule, record) pairs agree (%.4f%%); both match %d; disagree %d in %d rules\n",
			agree, checks, 100*float64(agree)/float64(checks), both, checks-agree, len(diffs))
		var ds []*pair
		for p := range diffs {
			ds = append(ds, p)
		}
		sort.Slice(ds, func(i, j int) bool {
			a, b := diffs[ds[i]], diffs[ds[j]]
			if x, y := a.vigilOnly+a.sigmagoOnly, b.vigilOnly+b.sigmagoOnly; x != y {
				return x > y
			}
			return ds[i].r.Path < ds[j].r.Path
		})
		byWhy := map[string]int{}
		for _, p := range ds {
			byWhy[why(p, diffs[p].vigilOnly > 0)]++
		}
		fmt.Printf("disagreeing rules by cause: %s\n", reasons(byWhy))
		for i, p := range ds {
			if i == show {
				fmt.Printf("  ... %d more\n", len(ds)-show)
				break
			}
			d := diffs[p]
			fmt.Printf("  %s: vigil only %d, sigma-go only %d (%s); e.g. %s\n", filepath.Base(p.r.Path), d.vigilOnly, d.sigmagoOnly, why(p, d.vigilOnly > 0), d.example)
		}
	}

	if !speedOnly {
		if err := regression(shared, schema, pairs); err != nil {
			return err
		}
	}

	// Speed: each engine alone over the same events, one core, median of
	// runs: SPEED records spread evenly over the winlog sample (sigma-go
	// is too slow for more), and vigil also over the whole sample.
	var rules []*rule.Rule
	for _, p := range pairs {
		rules = append(rules, p.r)
	}
	rs, _ := engine.Compile(rules, engine.Options{Aliases: winlog.Aliases})
	// The engine's events must be decoded with its own schema.
	vevs2, _, _, err := loadEvents(shared, rs.Schema(), stride)
	if err != nil {
		return err
	}
	n := min(speedEvents, nWinlog)
	var ssample []map[string]any
	var vsample []*event.Event
	for i := 0; i < n; i++ {
		ssample = append(ssample, sevs[i*nWinlog/n])
		vsample = append(vsample, vevs2[i*nWinlog/n])
	}
	warm := rs.NewEngine(nil) // builds the routes, once per rule set
	for _, ev := range vevs2 {
		warm.Process(ev)
	}
	// vigilRun runs one engine over evs k times, folding values afresh
	// each pass as a reader's new records are, and returns the CPU time
	// and the (rule, event) matches of a pass.
	var offers int64 // rules offered the events of a pass (the last run's)
	vigilRun := func(evs []*event.Event, k int) (time.Duration, int64) {
		eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) {}))
		c0 := cpu()
		for range k {
			for _, ev := range evs {
				ev.ForgetFolded()
				eng.Process(ev)
			}
		}
		eng.Flush()
		d := cpu() - c0
		var m, o int64
		for _, st := range eng.Stats() {
			m += st.Matched
			o += st.Offered
		}
		offers = o / int64(k)
		return d, m / int64(k)
	}
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
	}
	// The sample is small: enough passes for a fifth of a second.
	d1, _ := vigilRun(vsample, 1)
	k := max(1, int(200*time.Millisecond/max(d1, time.Microsecond)))
	var vigilMatches int64
	vigilRate := median(runs, func() float64 {
		var d time.Duration
		d, vigilMatches = vigilRun(vsample, k)
		return float64(k*len(vsample)) / d.Seconds()
	})
	fmt.Printf("vigil's rule index offers the %d events to %d rules per pass; %d (%.1f%%) match nothing\n",
		len(vsample), offers, offers-vigilMatches, 100*float64(offers-vigilMatches)/float64(max(offers, 1)))
	vigilAll := median(runs, func() float64 {
		d, _ := vigilRun(vevs2, 1)
		return float64(len(vevs2)) / d.Seconds()
	})
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if costly {
		costs(rs, vevs2, vsample, 5)
	}
	if speedOnly {
		fmt.Printf("vigil: %.0f events per CPU-second (%d rules, the same %d events, %d passes x %d runs, median; %d (rule, record) matches); over the whole sample (%d events): %.0f\n", vigilRate, len(pairs), len(vsample), k, runs, vigilMatches, len(vevs2), vigilAll)
		return nil
	}
	sgMatches := 0
	sgRate := median(runs, func() float64 {
		matches := 0
		c0 := cpu()
		for _, e := range ssample {
			for k := range pairs {
				if sigmagoMatch(ctx, pairs[k].sg, e) {
					matches++
				}
			}
		}
		sgMatches = matches
		return float64(len(ssample)) / (cpu() - c0).Seconds()
	})
	// How much of it is the logsource selection alone.
	relevant := 0
	selRate := median(runs, func() float64 {
		c0 := cpu()
		for _, e := range ssample {
			for k := range pairs {
				if ok, _ := pairs[k].sg.RelevantToEvent(ctx, "windows", e); ok {
					relevant++
				}
			}
		}
		return float64(len(ssample)) / (cpu() - c0).Seconds()
	})
	// sigma-go's bundle: every rule in one evaluator with Aho-Corasick
	// for contains; it has no logsource selection (each rule's detection
	// is evaluated on every event). A fresh bundle per run: it caches
	// results per string.
	var srules []sigmago.Rule
	for _, p := range pairs {
		srules = append(srules, p.sr)
	}
	bundleRate := median(runs, func() float64 {
		b := evaluator.ForRules(srules, evaluator.WithConfig(cfg), literalPlaceholders)
		c0 := cpu()
		for _, e := range ssample {
			b.Matches(ctx, e)
		}
		return float64(len(ssample)) / (cpu() - c0).Seconds()
	})
	fmt.Printf("same events: %d winlog records; (rule, record) matches: vigil %d, sigma-go %d\n", len(ssample), vigilMatches, sgMatches)
	fmt.Printf("vigil: %.0f events per CPU-second (%d rules, rule index, the same %d events, %d passes x %d runs, median); over the whole sample (%d events): %.0f\n", vigilRate, len(pairs), len(vsample), k, runs, len(vevs2), vigilAll)
	fmt.Printf("sigma-go: %.0f events per CPU-second (%d rules, RelevantToEvent then Matches, %d events x %d runs, median)\n", sgRate, len(pairs), len(ssample), runs)
	fmt.Printf("  of which its logsource selection alone (RelevantToEvent for every rule): %.0f events per CPU-second\n", selRate)
	fmt.Printf("sigma-go bundle: %.0f events per CPU-second (ForRules, no logsource selection, %d events x %d runs, median)\n", bundleRate, len(ssample), runs)
	fmt.Printf("Sigma vs sigma-go: vigil is %.0fx sigma-go's events per CPU-second (%.0fx its bundle's)\n", vigilRate/max(sgRate, bundleRate), vigilRate/min(sgRate, bundleRate))
	fmt.Printf("(%.0fs wall)\n", time.Since(start).Seconds())
	return nil
}

// sigmagoMatch is sigma-go's verdict: the rule applies to the event (its
// logsource's conditions) and matches it. An evaluation error is no match.
func sigmagoMatch(ctx context.Context, e *evaluator.RuleEvaluator, ev map[string]any) bool {
	ok, err := e.RelevantToEvent(ctx, "windows", ev)
	if err != nil || !ok {
		return false
	}
	res, err := e.Matches(ctx, ev)
	return err == nil && res.Match
}

// why names the likely cause of a rule's disagreement.
func why(p *pair, vigilOnly bool) string {
	switch {
	case p.wild && vigilOnly:
		return "wildcard value: sigma-go compares * and ? literally"
	case p.esc && vigilOnly:
		return "escaped backslash: sigma-go keeps \\\\ doubled"
	case p.wild || p.esc:
		return "wildcard or escaped value"
	case p.r.Parsed != nil && sigma.FromRule(p.r).Logsource.Category == "process_creation":
		return "process_creation: 4688 names (vigil reads NewProcessName for Image)"
	}
	return "other"
}

// describe names a record for the report.
func describe(ev map[string]any) string {
	s := fmt.Sprintf("%v %v record %v", ev["Channel"], ev["EventID"], ev["EventRecordID"])
	for _, f := range []string{"Image", "NewProcessName", "TargetFilename", "TargetObject", "CommandLine"} {
		if v, ok := ev[f]; ok {
			t := fmt.Sprint(v)
			if len(t) > 80 {
				t = t[:80] + "..."
			}
			s += fmt.Sprintf(" %s=%q", f, t)
		}
	}
	return s
}

func reasons(m map[string]int) string {
	var keys []string
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return m[keys[i]] > m[keys[j]] || m[keys[i]] == m[keys[j]] && keys[i] < keys[j] })
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%d %s", m[k], k))
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, "; ")
}

// loadRules loads the corpus's Windows detection rules and keeps those
// both engines run.
func loadRules(shared string, schema *event.Schema) (pairs []pair, skipped map[string]int, nWindows int, cfg sigmago.Config, err error) {
	root := filepath.Join(shared, "corpus", "sigma")
	var dirs []string
	for _, d := range []string{"rules", "rules-emerging-threats", "rules-threat-hunting", "rules-placeholder"} {
		dirs = append(dirs, filepath.Join(root, d))
	}
	all, _, errs := rule.LoadPaths(dirs...)
	if len(errs) > 0 {
		return nil, nil, 0, cfg, errs[0]
	}
	skipped = map[string]int{}
	mappings := map[string]sigmago.LogsourceMapping{}
	type kept struct {
		r    *rule.Rule
		pred match.Pred
		sr   sigmago.Rule
		wild bool
		esc  bool
	}
	var ks []kept
	for _, r := range all {
		sr := sigma.FromRule(r)
		if sr == nil || sr.Logsource.Product != "windows" || sr.Detection == nil {
			continue
		}
		nWindows++
		pred, err := sr.Compile(sigma.Env{Slot: schema.Slot})
		if err != nil {
			skipped["vigil: unsupported"]++
			continue
		}
		data, err := os.ReadFile(r.Path)
		if err != nil {
			return nil, nil, 0, cfg, err
		}
		g, err := sigmago.ParseRule(data)
		if err != nil {
			skipped["sigma-go: parse error"]++
			continue
		}
		if why := cannot(g); why != "" {
			skipped["sigma-go: "+why]++
			continue
		}
		ls := sr.Logsource
		key := ls.Category + "/" + ls.Product + "/" + ls.Service
		if _, ok := mappings[key]; !ok {
			srcs, err := ls.Sources()
			if err != nil {
				return nil, nil, 0, cfg, err
			}
			mappings[key] = sigmago.LogsourceMapping{
				Logsource:  sigmago.Logsource{Category: ls.Category, Product: ls.Product, Service: ls.Service},
				Index:      []string{"windows"},
				Conditions: conditions(srcs),
			}
		}
		wild, esc := valueSyntax(g)
		ks = append(ks, kept{r, pred, g, wild, esc})
	}
	cfg = sigmago.Config{Title: "vigil's Windows logsources", Logsources: mappings}
	for _, k := range ks {
		e := evaluator.ForRule(k.sr, evaluator.WithConfig(cfg), literalPlaceholders)
		if _, err := e.Matches(context.Background(), map[string]any{}); err != nil {
			skipped["sigma-go: "+evalError(err)]++
			continue
		}
		pairs = append(pairs, pair{r: k.r, pred: k.pred, sg: e, sr: k.sr, wild: k.wild, esc: k.esc})
	}
	return pairs, skipped, nWindows, cfg, nil
}

// literalPlaceholders makes sigma-go read %name% as the text it is:
// sigma-go takes every value between % signs for a placeholder, but
// without the expand modifier Sigma compares it literally (%temp%,
// %comspec% in command lines).
var literalPlaceholders = evaluator.WithPlaceholderExpander(func(_ context.Context, name string) ([]string, error) {
	return []string{name}, nil
})

// evalError names the cause of an error of sigma-go's evaluation.
func evalError(err error) string {
	msg := err.Error()
	if strings.Contains(msg, "expected scalar field matching value") {
		return "null value"
	}
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	if i := strings.Index(msg, " got: "); i >= 0 {
		msg = msg[:i]
	}
	return "evaluation error: " + msg
}

// sigmagoMods are the modifiers sigma-go v0.6.6 evaluates.
var sigmagoMods = map[string]bool{
	"contains": true, "endswith": true, "startswith": true, "re": true, "cidr": true,
	"gt": true, "gte": true, "lt": true, "lte": true, "base64": true, "all": true,
}

// cannot says why sigma-go cannot run a parsed rule ("" if it can).
func cannot(g sigmago.Rule) string {
	for _, c := range g.Detection.Conditions {
		if c.Aggregation != nil {
			return "aggregation"
		}
	}
	for _, s := range g.Detection.Searches {
		if len(s.Keywords) > 0 {
			return "keywords"
		}
		for _, m := range s.EventMatchers {
			for _, f := range m {
				for _, mod := range f.Modifiers {
					if !sigmagoMods[mod] {
						return "modifier " + mod
					}
				}
			}
		}
	}
	return ""
}

// valueSyntax reports whether a rule has a plain (not re) value with an
// unescaped * or ?, and one with an escaped backslash (\\ is one
// backslash in Sigma).
func valueSyntax(g sigmago.Rule) (wild, esc bool) {
	for _, s := range g.Detection.Searches {
		for _, m := range s.EventMatchers {
			for _, f := range m {
				if slices.Contains(f.Modifiers, "re") {
					continue
				}
				for _, v := range f.Values {
					if s, ok := v.(string); ok {
						wild = wild || hasWildcard(s)
						esc = esc || strings.Contains(s, `\\`)
					}
				}
			}
		}
	}
	return wild, esc
}

func hasWildcard(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			if i+1 < len(s) && (s[i+1] == '*' || s[i+1] == '?' || s[i+1] == '\\') {
				i++
			}
		case '*', '?':
			return true
		}
	}
	return false
}

// conditions is a logsource's selection as sigma-go config conditions:
// one event matcher per channel (Channel, and EventID among its ids).
func conditions(srcs []sigma.Source) sigmago.Search {
	var s sigmago.Search
	for _, src := range srcs {
		m := sigmago.EventMatcher{{Field: "Channel", Values: []any{src.Channel}}}
		if len(src.EventIDs) > 0 {
			var ids []any
			for _, id := range src.EventIDs {
				ids = append(ids, id)
			}
			m = append(m, sigmago.FieldMatcher{Field: "EventID", Values: ids})
		}
		s.EventMatchers = append(s.EventMatchers, m)
	}
	return s
}

// rawRecord is the part of a raw winlog line sigma-go is given.
type rawRecord struct {
	Winlog struct {
		Channel      string         `json:"channel"`
		EventID      any            `json:"event_id"`
		ProviderName string         `json:"provider_name"`
		ComputerName string         `json:"computer_name"`
		RecordID     any            `json:"record_id"`
		EventData    map[string]any `json:"event_data"`
		UserData     map[string]any `json:"user_data"`
	} `json:"winlog"`
}

// loadEvents reads every stride-th record of the winlog corpus twice:
// as vigil decodes it (raw event data kept, as with Sigma rules loaded)
// and as sigma-go's map of the Windows fields.
func loadEvents(shared string, schema *event.Schema, stride int) (vevs []*event.Event, sevs []map[string]any, total int, err error) {
	root := filepath.Join(shared, "data", "winlog", "security-datasets")
	files, err := filepath.Glob(filepath.Join(root, "*", "*.ndjson.gz"))
	if err != nil || len(files) == 0 {
		return nil, nil, 0, fmt.Errorf("no winlog corpus under %s", root)
	}
	sort.Strings(files)
	dec := input.NewOpener(input.Options{Schema: schema, KeepEventData: true}).NewRecordDecoder("winlog")
	channel := schema.Slot("winlog.channel")
	var ev event.Event
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, nil, 0, err
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			fh.Close()
			return nil, nil, 0, fmt.Errorf("%s: %w", f, err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(make([]byte, 1<<20), 64<<20)
		line := 0
		for sc.Scan() {
			line++
			total++
			if (total-1)%stride != 0 {
				continue
			}
			var rec rawRecord
			jd := json.NewDecoder(bytes.NewReader(sc.Bytes()))
			jd.UseNumber() // numbers as written (record ids), not float64
			if err := jd.Decode(&rec); err != nil {
				return nil, nil, 0, fmt.Errorf("%s:%d: %w", f, line, err)
			}
			if err := dec.Decode(int64(line), sc.Bytes(), &ev); err != nil {
				var re *input.RecordError
				if errors.As(err, &re) && !re.Fatal {
					continue
				}
				return nil, nil, 0, err
			}
			// A clone is compact (values found by binary search);
			// setting a value makes it dense, as a reader's event is.
			c := ev.Clone()
			c.Set(channel, c.Get(channel))
			vevs = append(vevs, c)
			sevs = append(sevs, fieldsMap(&rec))
		}
		zr.Close()
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, nil, 0, fmt.Errorf("%s: %w", f, err)
		}
	}
	return vevs, sevs, total, nil
}

// loadEVTX reads every stride-th record of the EVTX corpus
// (../shared/data/evtx) as vigil decodes it and as sigma-go's map.
func loadEVTX(shared string, schema *event.Schema, stride int) (vevs []*event.Event, sevs []map[string]any, total int, err error) {
	var files []string
	err = filepath.WalkDir(filepath.Join(shared, "data", "evtx"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			files = append(files, p)
		}
		return err
	})
	if err != nil {
		return nil, nil, 0, err
	}
	sort.Strings(files)
	op := input.NewOpener(input.Options{Schema: schema, KeepEventData: true}).Quiet()
	var ev event.Event
	for _, f := range files {
		rd, err := op.Open(f)
		if err != nil {
			continue // a damaged file of the corpus: left out for both
		}
		for {
			err := rd.Next(&ev)
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				var re *input.RecordError
				if errors.As(err, &re) && !re.Fatal {
					continue
				}
				break
			}
			total++
			if (total-1)%stride == 0 {
				vevs = append(vevs, ev.Clone())
				sevs = append(sevs, eventMap(schema, &ev))
			}
		}
		rd.Close()
	}
	return vevs, sevs, total, nil
}

// fieldsMap is the record as sigma-go sees it: its EventData (or
// UserData) names and the System fields Sigma rules use.
func fieldsMap(rec *rawRecord) map[string]any {
	m := map[string]any{}
	for k, v := range rec.Winlog.UserData {
		m[k] = v
	}
	for k, v := range rec.Winlog.EventData {
		m[k] = v
	}
	w := rec.Winlog
	m["EventID"] = fmt.Sprint(w.EventID)
	m["Channel"] = w.Channel
	m["Provider_Name"] = w.ProviderName
	m["Computer"] = w.ComputerName
	if w.RecordID != nil {
		m["EventRecordID"] = fmt.Sprint(w.RecordID)
	}
	return m
}

// median runs f n times and returns the median of its results.
func median(n int, f func() float64) float64 {
	var xs []float64
	for range max(n, 1) {
		xs = append(xs, f())
	}
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

// cpu is the process's user and system CPU time.
func cpu() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// regression runs both engines over SigmaHQ's regression tests (each an
// EVTX of one rule's events) and compares their counts with each other
// and with the test's match_count.
func regression(shared string, schema *event.Schema, pairs []pair) error {
	root := filepath.Join(shared, "data", "sigma-regression_data")
	byID := map[string]*pair{}
	for i := range pairs {
		byID[pairs[i].r.ID] = &pairs[i]
	}
	var infos []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.Name() == "info.yml" {
			infos = append(infos, p)
		}
		return err
	})
	if err != nil {
		return err
	}
	sort.Strings(infos)
	ctx := context.Background()
	op := input.NewOpener(input.Options{Schema: schema, KeepEventData: true})
	tests, same, atCount := 0, 0, 0
	var notes []string
	for _, info := range infos {
		data, err := os.ReadFile(info)
		if err != nil {
			return err
		}
		var ti struct {
			RuleMetadata []struct{ ID string } `yaml:"rule_metadata"`
			Tests        []struct {
				Type       string
				Path       string
				MatchCount *int `yaml:"match_count"`
			} `yaml:"regression_tests_info"`
		}
		if err := yaml.Unmarshal(data, &ti); err != nil {
			return fmt.Errorf("%s: %w", info, err)
		}
		if len(ti.RuleMetadata) == 0 {
			continue
		}
		p := byID[ti.RuleMetadata[0].ID]
		if p == nil {
			continue
		}
		for _, tc := range ti.Tests {
			if tc.Type != "evtx" {
				continue
			}
			rd, err := op.Open(filepath.Join(root, tc.Path))
			if err != nil {
				return err
			}
			v, s := 0, 0
			var ev event.Event
			for {
				err := rd.Next(&ev)
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					continue
				}
				if p.pred.Match(&ev) {
					v++
				}
				if sigmagoMatch(ctx, p.sg, eventMap(schema, &ev)) {
					s++
				}
			}
			rd.Close()
			tests++
			if v == s {
				same++
			}
			if tc.MatchCount != nil && v == *tc.MatchCount {
				atCount++
			}
			if v != s || tc.MatchCount != nil && v != *tc.MatchCount {
				mc := "none"
				if tc.MatchCount != nil {
					mc = fmt.Sprint(*tc.MatchCount)
				}
				note := fmt.Sprintf("  %s: vigil %d, sigma-go %d, match_count %s", filepath.Base(p.r.Path), v, s, mc)
				if v != s {
					note += " (" + why(p, v > s) + ")"
				}
				notes = append(notes, note)
			}
		}
	}
	fmt.Printf("regression tests of the rules both run: %d; same count in both engines %d; vigil at match_count %d\n", tests, same, atCount)
	for _, n := range notes {
		fmt.Println(n)
	}
	return nil
}

// eventMap is a decoded record as sigma-go's map of its Windows fields:
// the kept event data (or user data) and the System fields Sigma rules
// use.
func eventMap(schema *event.Schema, ev *event.Event) map[string]any {
	m := map[string]any{}
	for _, prefix := range []string{"winlog.user_data.", "winlog.event_data."} {
		for slot := range schema.Len() {
			name, ok := strings.CutPrefix(schema.Name(slot), prefix)
			if !ok {
				continue
			}
			if v := ev.Get(slot); v.Kind() == event.KindString {
				m[name] = v.Str()
			} else if v.Exists() {
				m[name] = v.String()
			}
		}
	}
	for k, f := range map[string]string{"EventID": "winlog.event_id", "Channel": "winlog.channel",
		"Provider_Name": "winlog.provider_name", "Computer": "winlog.computer_name", "EventRecordID": "winlog.record_id"} {
		if slot, ok := schema.Lookup(f); ok {
			if v := ev.Get(slot); v.Exists() {
				m[k] = v.String()
			}
		}
	}
	return m
}

// costs times each event of evs alone in one engine (the median of reps
// passes) and counts the rules routing offers it, then prints how the
// sample's events compare with the whole sample's and which records and
// kinds of record cost most: why the sample's rate differs.
func costs(rs *engine.RuleSet, evs []*event.Event, sample []*event.Event, reps int) {
	eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) {}))
	offeredNow := func() int64 {
		var n int64
		for _, st := range eng.Stats() {
			n += st.Offered
		}
		return n
	}
	type cost struct {
		ns      float64
		offered int64
		longest int
	}
	channel, _ := rs.Schema().Lookup("winlog.channel")
	eid, _ := rs.Schema().Lookup("winlog.event_id")
	byEv := map[*event.Event]cost{}
	for _, ev := range evs {
		o0 := offeredNow()
		var ts []float64
		for range reps {
			ev.ForgetFolded()
			c0 := cpu()
			for range 8 {
				eng.Process(ev)
			}
			ts = append(ts, float64(cpu()-c0)/8)
		}
		sort.Float64s(ts)
		longest := 0
		for s := range rs.Schema().Len() {
			if v := ev.Get(s); v.Kind() == event.KindString {
				longest = max(longest, len(v.Str()))
			}
		}
		byEv[ev] = cost{ts[len(ts)/2], (offeredNow() - o0) / int64(reps*8), longest}
	}
	sum := func(set []*event.Event) (ns, offered float64) {
		for _, ev := range set {
			c := byEv[ev]
			ns += c.ns
			offered += float64(c.offered)
		}
		return ns / float64(len(set)), offered / float64(len(set))
	}
	wn, wo := sum(evs)
	sn, so := sum(sample)
	fmt.Printf("per event, timed alone: whole sample %.0f ns, %.0f rules offered; the %d: %.0f ns, %.0f offered\n", wn, wo, len(sample), sn, so)
	kind := func(ev *event.Event) string { return ev.Get(channel).String() + " " + ev.Get(eid).String() }
	type agg struct {
		n, sn   int
		ns, sns float64
	}
	inSample := map[*event.Event]bool{}
	for _, ev := range sample {
		inSample[ev] = true
	}
	kinds := map[string]*agg{}
	for _, ev := range evs {
		k := kind(ev)
		a := kinds[k]
		if a == nil {
			a = &agg{}
			kinds[k] = a
		}
		a.n++
		a.ns += byEv[ev].ns
		if inSample[ev] {
			a.sn++
			a.sns += byEv[ev].ns
		}
	}
	var ks []string
	for k := range kinds {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return kinds[ks[i]].sns > kinds[ks[j]].sns })
	fmt.Println("kinds by share of the sample's time (share of whole sample's time; records in sample / whole; mean ns):")
	for _, k := range ks[:min(15, len(ks))] {
		a := kinds[k]
		fmt.Printf("  %-55s %5.1f%% (%5.1f%%)  %4d/%5d  %6.0f ns\n", k, 100*a.sns/(sn*float64(len(sample))), 100*a.ns/(wn*float64(len(evs))), a.sn, a.n, a.ns/float64(a.n))
	}
	top := slices.Clone(evs)
	sort.Slice(top, func(i, j int) bool { return byEv[top[i]].ns > byEv[top[j]].ns })
	fmt.Println("costliest records (ns, rules offered, longest string, in the sample):")
	for _, ev := range top[:min(15, len(top))] {
		c := byEv[ev]
		fmt.Printf("  %8.0f ns %5d offered %6d bytes %-5v %s\n", c.ns, c.offered, c.longest, inSample[ev], kind(ev))
	}
	for _, ev := range top {
		if inSample[ev] {
			ruleCosts(rs, ev)
			break
		}
	}
}

// ruleCosts prints the rules routing offers one record and what each
// costs on it (the engine's own estimate, RuleStats.EvalTime), for the
// record processed alone many times.
func ruleCosts(rs *engine.RuleSet, ev *event.Event) {
	eng := rs.NewEngine(alert.SinkFunc(func(*alert.Alert) {}))
	const reps = 3200
	c0 := cpu()
	for range reps {
		ev.ForgetFolded()
		eng.Process(ev)
	}
	all := float64(cpu()-c0) / reps
	type rc struct {
		name string
		ns   float64
	}
	var rcs []rc
	total := 0.0
	for _, st := range eng.Stats() {
		if st.Offered == 0 {
			continue
		}
		ns := float64(st.EvalTime) / reps
		total += ns
		rcs = append(rcs, rc{filepath.Base(st.Rule.Path), ns})
	}
	sort.Slice(rcs, func(i, j int) bool { return rcs[i].ns > rcs[j].ns })
	fmt.Printf("the sample's costliest record: %.0f ns; its %d offered rules %.0f ns in all; the costliest:\n", all, len(rcs), total)
	for _, r := range rcs[:min(12, len(rcs))] {
		fmt.Printf("  %8.0f ns %s\n", r.ns, r.name)
	}
}
