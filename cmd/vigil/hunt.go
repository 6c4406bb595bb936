package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/internal/heapcap"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/order"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

const huntUsage = `
usage: vigil hunt [flags] PATH...

Runs detection rules over event files and folders (read recursively):
EVTX files, ECS NDJSON (.json, .jsonl, .ndjson, optionally .gz, or a JSON
array), and raw winlog JSON as Winlogbeat and Elastic Agent ship it, which
is normalised to ECS the way Elastic's ingest pipelines would. Events from
all files are merged into one time order before rules see them.

Rules come from --rules (detection-rules TOML files or folders, e.g. a
checkout of elastic/detection-rules) or, without it, from the pack built
into vigil. Each event is offered only to rules whose index patterns match
its index: _index, else data_stream.type-dataset-namespace, else --index;
EVTX and raw winlog records get the data stream Elastic Agent would use
(logs-windows.sysmon_operational-default, logs-system.security-default, ...)
and also answer to winlogbeat-*. Events with no index at all are offered to
every rule.

Files are recognised by content (EVTX, gzip, JSON), not by name; a folder
walk takes *.evtx, *.json, *.jsonl and *.ndjson files (each optionally
.gz) and skips anything that is not a regular file. The first interrupt
(Ctrl-C) stops reading, judges the events already read, and prints the
summary; a second one ends vigil at once.

Output: a table on a terminal fits its width (or $COLUMNS elsewhere), with
a DETAIL column (command line, registry path, service image path, ...) and
severities in colour (not with NO_COLOR). Read warnings are grouped into
one line per kind after the hunt (-v prints each); --exclude-rule,
--exclude-tag and --exclude-file mute rules by id, name or tag. --html
FILE also writes the analyst's page of vigil serve as one self-contained
file holding the alerts, the rules and the ATT&CK heat map, to open
offline or attach to a case.

Exit status: 0 when the hunt ran (with or without alerts), 1 on bad usage
or when an input or PATH could not be read (the others are still hunted),
2 when --strict is set and a rule failed to load, 130 when interrupted.
`

type huntCmd struct{}

func (*huntCmd) Name() string     { return "hunt" }
func (*huntCmd) Synopsis() string { return "run detection rules over EVTX and NDJSON files" }

type huntFlags struct {
	rules, ruleIDs, tags          stringList
	indicators                    stringList
	format, output                string
	from, to, minSeverity         string
	index, timeField, input       string
	lateness                      time.Duration
	workers, maxPending, engines  int
	decoders                      int
	strict, buildingBlocks, quiet bool
	judge                         bool
	newTermsBaseline              bool
	progress                      string
	cpuprofile, memprofile        string
	trace                         string
	sysmonDelay                   time.Duration
	ux                            *huntUX // output, muting and report flags (huntflags.go)
	fidelity                      fidelityFlags
	sigma                         sigmaFlags
}

func (c *huntCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("hunt", huntUsage)
	var f huntFlags
	fs.Var(&f.rules, "rules", "rule `path` (TOML or Sigma YAML file, or folder; repeatable); default: the built-in pack")
	fs.Var(&f.ruleIDs, "rule-id", "run only the rule with this rule_id (repeatable)")
	fs.Var(&f.tags, "tag", "run only rules with this tag, e.g. \"Tactic: Execution\" (repeatable)")
	fs.StringVar(&f.format, "format", "table", "output format: table, jsonl, csv or timesketch")
	fs.StringVar(&f.output, "output", "", "write alerts to `file` instead of standard output")
	fs.StringVar(&f.from, "from", "", "only events at or after this `time` (RFC 3339 or YYYY-MM-DD)")
	fs.StringVar(&f.to, "to", "", "only events before this `time`")
	fs.StringVar(&f.minSeverity, "min-severity", "", "only alerts of at least this `severity` (low, medium, high, critical)")
	fs.BoolVar(&f.buildingBlocks, "building-blocks", false, "show building-block alerts in the table (jsonl and csv always include them)")
	fs.StringVar(&f.index, "index", "", "index `name` for events that carry none")
	fs.StringVar(&f.timeField, "timestamp-field", "@timestamp", "event time `field`")
	fs.StringVar(&f.input, "input", "auto", "JSON input form: auto (detect raw winlog records), ecs, or winlog")
	fs.DurationVar(&f.lateness, "lateness", 5*time.Second, "reorder window per input for events slightly out of time order")
	fs.DurationVar(&f.sysmonDelay, "sysmon-network-delay", 0, "let rules see Sysmon network events (event 3) this much later than their timestamp (e.g. 2s), because Sysmon stamps some connections before the start of the process that made them; 0 keeps Elasticsearch's strict time order")
	fs.IntVar(&f.workers, "workers", 2, "inputs decoded in parallel")
	fs.IntVar(&f.decoders, "decoders", 0, "goroutines decoding the records of one JSON file (0: as many as cores, at most 4); the events are the same")
	fs.IntVar(&f.engines, "engines", defaultEngines(), "engines evaluating rules in parallel, events partitioned by host (1: one engine; default: one per core, one on two cores or fewer); the alerts are the same")
	fs.BoolVar(&f.judge, "judge-as-decoded", true, "with one engine, run the rule index and event rules on each event where it is decoded, the rest in time order (false: every event whole in time order); the alerts are the same")
	fs.IntVar(&f.maxPending, "max-pending", 0, "cap on pending state per sequence rule (0: default 100000)")
	fs.Var(&f.indicators, "indicators", "threat intelligence indicator `path` (NDJSON/EVTX file or folder; repeatable) for indicator match rules, read before the hunt; documents without an index belong to "+indicatorIndex)
	fs.BoolVar(&f.newTermsBaseline, "new-terms-baseline", false, "new_terms rules learn the terms of their first history window (e.g. 7 days) of events without alerting, as on a cluster that already holds that history; by default every first sighting is new, as on a fresh cluster")
	fs.BoolVar(&f.strict, "strict", false, "exit with status 2 if any rule fails to load")
	fs.BoolVar(&f.quiet, "quiet", false, "no summary on stderr")
	fs.StringVar(&f.progress, "progress", "auto", "progress bar on stderr when it is a terminal: auto, or never (never into a file or pipe)")
	fs.StringVar(&f.cpuprofile, "cpuprofile", "", "write a CPU profile to `file` (for performance work)")
	fs.StringVar(&f.memprofile, "memprofile", "", "write a heap profile to `file` when half the input is read (for performance work)")
	fs.StringVar(&f.trace, "trace", "", "write an execution trace to `file` (go tool trace; for performance work)")
	f.ux = registerHuntUX(fs)
	f.fidelity.register(fs)
	f.sigma.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() == 0 {
		return usageError("hunt: no PATH given (run 'vigil hunt -h')")
	}
	stop, err := startCPUProfile("hunt", f.cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	stopTrace, err := startTrace("hunt", f.trace)
	if err != nil {
		return err
	}
	defer stopTrace()
	h := &hunt{flags: f, started: time.Now()}
	return h.run(ctx, fs.Args())
}

type hunt struct {
	flags   huntFlags
	started time.Time
	rs      *engine.RuleSet
	eng     evaluator
	writer  alert.Writer
	minSev  int
	written atomic.Int64
	bySev   map[string]int
	byTac   map[string]int
	byRule  map[string]int
	hidden  int
	// failed is the first error writing alerts, which are written from
	// the engines' goroutine with --engines > 1. It is read for every
	// event: a load, not a lock.
	failed atomic.Pointer[error]
	prog   order.Progress
	errs   int
}

// evaluator is what a hunt runs its events through: one engine, or
// several in parallel (--engines).
type evaluator interface {
	Process(*event.Event)
	Flush()
	Close()
	Stats() []engine.RuleStats
	AddIndicator(*event.Event) bool
	IndicatorStats() (kept, overflow int64)
}

// defaultEngines is the engines a hunt runs without --engines: one per
// core, but one on two cores or fewer. There, decoding the input (which
// spreads over the cores, see order.Options.Decoders) takes about half
// the CPU, and splitting the rules between engines costs more CPU than
// the cores left to it give back: over the winlog corpus on two cores,
// one engine's wall was 0.85-0.95 of two engines' (ECS dump and raw).
func defaultEngines() int {
	if n := runtime.GOMAXPROCS(0); n > 2 {
		return n
	}
	return 1
}

// huntNow stamps alerts; tests fix it to compare runs byte for byte.
var huntNow = time.Now

// fail records the first error writing alerts.
func (h *hunt) fail(err error) {
	h.failed.CompareAndSwap(nil, &err)
}

// err returns the first error writing alerts.
func (h *hunt) err() error {
	if p := h.failed.Load(); p != nil {
		return *p
	}
	return nil
}

func (h *hunt) run(ctx context.Context, paths []string) error {
	f := h.flags
	if f.minSeverity != "" {
		h.minSev = alert.SeverityRank(f.minSeverity)
		if h.minSev == 0 {
			return usageError("hunt: unknown severity %q (want low, medium, high or critical)", f.minSeverity)
		}
	}
	var from, to int64
	var ok bool
	if f.from != "" {
		if from, ok = event.ParseTimeString(f.from); !ok {
			return usageError("hunt: --from %q is not a time (use RFC 3339 or YYYY-MM-DD)", f.from)
		}
	}
	if f.to != "" {
		if to, ok = event.ParseTimeString(f.to); !ok {
			return usageError("hunt: --to %q is not a time (use RFC 3339 or YYYY-MM-DD)", f.to)
		}
	}
	var raw *bool
	switch f.input {
	case "auto":
	case "ecs", "winlog":
		b := f.input == "winlog"
		raw = &b
	default:
		return usageError("hunt: unknown --input %q (want auto, ecs or winlog)", f.input)
	}

	// The inputs are found, and when each starts is read (order.Peek,
	// times only), while the rules load and compile; what is wrong with
	// them is reported after the rules' errors.
	// iopt and oopt are completed once the rules are compiled; the peek
	// takes copies of what they hold now (peek needs no rule's fields).
	iopt := input.Options{TimeField: f.timeField, Index: f.index, RawWinlog: raw, Stdin: stdin}
	oopt := order.Options{From: from, To: to, Lateness: f.lateness, Workers: f.workers, Decoders: f.decoders, Report: h.onReadError}
	inputs, expandErrs := input.Expand(paths)
	peekCtx, stopPeek := context.WithCancel(ctx)
	var starts []int64
	var peeking sync.WaitGroup
	peekIn, peekOrd := iopt, oopt
	peeking.Go(func() { starts = order.Peek(peekCtx, inputs, input.NewOpener(peekIn), peekOrd) })
	defer func() {
		stopPeek()
		peeking.Wait()
	}()
	loaded := heapcap.Loading() // until the hunt's heapcap takes over
	defer loaded()
	rules, ruleErr := h.selectRules()
	if rules == nil {
		return ruleErr
	}
	rules, _ = f.sigma.selectStatus(rules)
	placeholders, err := f.sigma.placeholderValues()
	if err != nil {
		return usageError("hunt: %v", err)
	}
	var statuses []engine.Status
	h.bySev, h.byTac, h.byRule = map[string]int{}, map[string]int{}, map[string]int{}
	exceptions, err := h.flags.fidelity.loadExceptions()
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("hunt: %w", err)}
	}
	h.rs, statuses = engine.Compile(rules, engine.Options{Aliases: winlog.Aliases, MaxPending: f.maxPending, NewTermsBaseline: f.newTermsBaseline, Exceptions: exceptions, SigmaPlaceholders: placeholders, Now: huntNow})
	h.flags.fidelity.warnMissing(stderr, h.rs)
	failedRules := h.reportStatuses(statuses)
	if h.rs.Len() == 0 {
		return &exitError{code: 1, err: errors.New("hunt: no rule could be loaded")}
	}
	// Formats, columns and time zone are checked before anything is
	// created.
	if _, err := f.ux.newWriter(f.format, io.Discard, h.rs.Fields()); err != nil {
		return err
	}

	h.reportExpand(expandErrs)
	f.ux.missingPaths = len(expandErrs)
	if len(inputs) == 0 {
		return &exitError{code: 1, err: errors.New("hunt: no readable input")}
	}
	h.flags.fidelity.checkHostID(rules, inputs)
	// The output is created only now that rules and inputs are known, and
	// never over an input.
	var out io.Writer = currentStdout{} // through the progress line's guard
	if f.output != "" {
		if err := refuseOutputOverInput(f.output, inputs, h.flags.indicators); err != nil {
			return usageError("hunt: %v", err)
		}
		file, err := os.Create(f.output)
		if err != nil {
			return &exitError{code: 1, err: fmt.Errorf("hunt: %w", err)}
		}
		defer file.Close()
		out = file
	}
	w, err := f.ux.newWriter(f.format, out, h.rs.Fields())
	if err != nil {
		return err
	}
	h.writer = w
	f.ux.prepare(h.rs, statuses)
	var arrived *engine.Arrived
	switch {
	case f.engines > 1:
		h.eng = h.rs.NewParallel(f.engines, alert.SinkFunc(h.onAlert), order.Recycle)
		oopt.Owned = true
	case !f.judge:
		h.eng = h.rs.NewEngine(alert.SinkFunc(h.onAlert))
	default:
		// Event rules judge each event as it is decoded (see
		// engine.Arrived).
		arrived = h.rs.NewArrived(alert.SinkFunc(h.onAlert))
		h.eng = arrived
	}
	defer h.eng.Close()

	iopt.Schema, iopt.Warn, iopt.Counters, iopt.KeepEventData = h.rs.Schema(), h.onReadError, &h.prog.Counters, h.rs.HasSigma()
	if len(f.indicators) > 0 {
		if err := h.loadIndicators(ctx, iopt, oopt); err != nil {
			return err
		}
	}
	if arrived != nil {
		// Set after the indicators are read: they are not judged.
		// The fields the events hold are learnt there too.
		// Each goroutine that decodes takes a Judge, and a fork of
		// the fields observed, for as long as it decodes (one input, or
		// a share of one): both are handed back for the next, so that
		// 10,000 small inputs do not leave 10,000 forks to merge.
		var forkMu sync.Mutex
		var forks []*engine.Unmatched
		oopt.Judge = func() (func(*event.Event) bool, func()) {
			j := arrived.NewJudge()
			forkMu.Lock()
			var u *engine.Unmatched
			if n := len(forks); n > 0 {
				u, forks = forks[n-1], forks[:n-1]
			} else {
				u = f.ux.fork()
			}
			forkMu.Unlock()
			judge := func(ev *event.Event) bool {
				if u != nil {
					u.Observe(ev)
				}
				return j.Judge(ev)
			}
			done := func() {
				j.Done()
				forkMu.Lock()
				forks = append(forks, u)
				forkMu.Unlock()
			}
			return judge, done
		}
	}
	stopProgress := h.startProgress(inputs)
	var total int64
	for _, in := range inputs {
		total += in.Size
	}
	// The rules are loaded: the hunt's pace from here, peeking included
	// (under Loading's, a peek of thousands of files grew the heap to
	// eleven times what was live).
	defer heapcap.Start(heapHeadroom)() // takes over from loaded
	peeking.Wait()
	oopt.Starts = starts
	if f.sysmonDelay > 0 {
		oopt.Delay, oopt.MaxDelay = order.SysmonNetworkDelay(h.rs.Schema(), f.sysmonDelay), f.sysmonDelay
	}
	err = order.Read(ctx, inputs, input.NewOpener(iopt), oopt, &h.prog, func(ev *event.Event) error {
		if arrived == nil {
			f.ux.observe(ev)
		}
		h.eng.Process(ev)
		if f.memprofile != "" && h.prog.Bytes.Load() > total/2 {
			h.writeHeapProfile(f.memprofile)
			f.memprofile = ""
		}
		return h.err()
	})
	f.ux.joinForks()
	interrupted := errors.Is(err, context.Canceled)
	if err == nil || interrupted {
		h.eng.Flush()
	}
	// The writer first: a table still holding its first rows writes them
	// through the progress line's guard.
	h.eng.Close()
	if cerr := h.writer.Close(); cerr != nil {
		h.fail(cerr)
	}
	stopProgress()
	if err := h.err(); err != nil {
		return &exitError{code: 1, err: fmt.Errorf("hunt: writing alerts: %w", err)}
	}
	if err != nil && !interrupted {
		return &exitError{code: 1, err: fmt.Errorf("hunt: %w", err)}
	}
	f.ux.warn.print(stderr, f.lateness.String(), h.prog.Late.Load())
	if !f.quiet {
		h.summary(len(inputs), failedRules)
	}
	if interrupted {
		return &exitError{code: 130, err: errors.New("hunt: interrupted")}
	}
	if h.prog.Events.Load() == 0 && (h.prog.BadRecords.Load() > 0 || h.prog.Failed.Load() == int64(len(inputs))) {
		return &exitError{code: 1, err: errors.New("hunt: no input could be read")}
	}
	if n := h.prog.Failed.Load(); n > 0 {
		return &exitError{code: 1, err: fmt.Errorf("hunt: %d of %d inputs could not be read (or not to the end)", n, len(inputs))}
	}
	if f.strict && (failedRules > 0 || ruleErr != nil) {
		return &exitError{code: 2, err: fmt.Errorf("hunt: %d rules failed to load (--strict)", failedRules)}
	}
	return f.ux.finish(paths)
}

// heapHeadroom is how far the heap may grow past what is live while the
// hunt reads (see heapcap): with the whole Windows corpus live is ~54 MB,
// which the collector's default would let grow to ~108.
const heapHeadroom = 16 << 20

// indicatorIndex is the index of indicator documents that name none.
const indicatorIndex = "logs-ti_vigil.indicators-default"

// loadIndicators reads the --indicators inputs into the engine's
// indicator match rules, before the hunt.
func (h *hunt) loadIndicators(ctx context.Context, iopt input.Options, oopt order.Options) error {
	inputs, errs := input.Expand(h.flags.indicators)
	h.reportExpand(errs)
	if len(inputs) == 0 {
		return &exitError{code: 1, err: errors.New("hunt: no readable --indicators input")}
	}
	var prog order.Progress
	iopt.Index = indicatorIndex
	iopt.Counters = &prog.Counters
	oopt.From, oopt.To = 0, 0 // --from/--to select events, not indicators
	oopt.Owned = false        // AddIndicator keeps what it needs
	err := order.Read(ctx, inputs, input.NewOpener(iopt), oopt, &prog, func(ev *event.Event) error {
		h.eng.AddIndicator(ev)
		return nil
	})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("hunt: reading indicators: %w", err)}
	}
	if kept, _ := h.eng.IndicatorStats(); kept == 0 && !h.flags.quiet {
		fmt.Fprintf(stderr, "vigil: warning: none of the %d indicator documents read is an indicator of a loaded threat_match rule (threat_index, threat_query)\n", prog.Events.Load())
	}
	return nil
}

// selectRules loads the rules and applies --rule-id and --tag. It returns
// nil rules with the error to stop on; a non-nil error with rules means
// some rule files failed (reported already).
func (h *hunt) selectRules() ([]*rule.Rule, error) {
	// Files that could not hold a selected rule are not parsed: with
	// --tag "OS: Windows" that is two thirds of Elastic's corpus, and most
	// of the time a hunt spends before its first event.
	var sel rule.Selection
	if len(h.flags.tags) > 0 {
		sel.Groups = append(sel.Groups, h.flags.tags)
	}
	if len(h.flags.ruleIDs) > 0 {
		sel.Groups = append(sel.Groups, h.flags.ruleIDs)
	}
	rules, warns, errs := h.flags.fidelity.loadSelected(sel, h.flags.rules)
	var err error
	for _, w := range warns {
		fmt.Fprintln(stderr, "vigil: warning:", w)
	}
	for _, err := range errs {
		fmt.Fprintln(stderr, "vigil:", err)
	}
	var loadErr error
	if len(errs) > 0 {
		loadErr = fmt.Errorf("%d rule files failed to load", len(errs))
	}
	if len(h.flags.ruleIDs) > 0 || len(h.flags.tags) > 0 {
		var keep []*rule.Rule
		for _, r := range rules {
			if len(h.flags.ruleIDs) > 0 && !slices.Contains(h.flags.ruleIDs, r.ID) {
				continue
			}
			if len(h.flags.tags) > 0 && !hasTag(r, h.flags.tags) {
				continue
			}
			keep = append(keep, r)
		}
		rules = keep
	}
	selected := len(rules)
	rules, h.flags.ux.muted, err = h.flags.ux.mute.apply(rules)
	if err != nil {
		return nil, err
	}
	if len(rules) == 0 && selected > 0 {
		return nil, &exitError{code: 1, err: errMuted}
	}
	rules = h.flags.fidelity.selectEnabled(rules)
	if len(rules) == 0 {
		if loadErr != nil {
			return nil, &exitError{code: 1, err: fmt.Errorf("hunt: %w", loadErr)}
		}
		if n := h.flags.fidelity.disabled; n > 0 {
			return nil, &exitError{code: 1, err: fmt.Errorf("hunt: no rules selected: the %d selected rules are written with enabled = false (use --include-disabled)", n)}
		}
		return nil, &exitError{code: 1, err: errors.New("hunt: no rules selected")}
	}
	return rules, loadErr
}

// reportStatuses prints rules that failed to compile and counts them;
// unsupported rule types are summarised in one line.
func (h *hunt) reportStatuses(statuses []engine.Status) int {
	failed := 0
	unsupported := map[string]int{}
	for _, s := range statuses {
		switch s.State {
		case engine.Failed:
			failed++
			fmt.Fprintln(stderr, "vigil:", srcpos.Render(s.Err))
		case engine.Unsupported:
			unsupported[s.Reason]++
		}
	}
	if len(unsupported) > 0 && !h.flags.quiet {
		reasons := make([]string, 0, len(unsupported))
		for r, n := range unsupported {
			reasons = append(reasons, fmt.Sprintf("%d (%s)", n, r))
		}
		sort.Strings(reasons)
		fmt.Fprintf(stderr, "vigil: rules not run: %s\n", strings.Join(reasons, "; "))
	}
	return failed
}

func (h *hunt) onReadError(err error) {
	h.errs++
	h.flags.ux.warn.add(err)
}

func (h *hunt) onAlert(a *alert.Alert) {
	if h.err() != nil {
		return
	}
	if h.minSev > 0 && alert.SeverityRank(a.Severity) < h.minSev {
		return
	}
	if a.Rule.BuildingBlockType != "" && h.flags.format == "table" && !h.flags.buildingBlocks {
		h.hidden++
		return
	}
	h.bySev[a.Severity]++
	for _, t := range a.Tactics() {
		h.byTac[t]++
	}
	h.byRule[a.RuleName]++
	h.flags.ux.record(a)
	h.written.Add(1)
	if err := h.writer.Write(a); err != nil {
		h.fail(err)
	}
}

func (h *hunt) summary(inputs, failedRules int) {
	w := stderr
	took := time.Since(h.started)
	events := h.prog.Events.Load()
	rate := float64(events) / took.Seconds()
	fmt.Fprintf(w, "\nvigil: %d files, %d events in %s (%.0f events/s), %d rules\n",
		inputs, events, took.Round(time.Millisecond), rate, h.rs.Len())
	if n := h.prog.Failed.Load(); n > 0 {
		fmt.Fprintf(w, "  files that could not be read: %d\n", n)
	}
	if n := h.prog.BadRecords.Load(); n > 0 {
		fmt.Fprintf(w, "  unreadable records: %d\n", n)
	}
	if n := h.prog.Recovered.Load(); n > 0 {
		fmt.Fprintf(w, "  EVTX records recovered from chunks with a bad checksum: %d\n", n)
	}
	if n := h.prog.BadTimes.Load(); n > 0 {
		fmt.Fprintf(w, "  events whose %s could not be read (kept, ordered as 1970-01-01): %d\n", h.flags.timeField, n)
	}
	if n := h.prog.Late.Load(); n > 0 {
		fmt.Fprintf(w, "  events out of time order beyond --lateness %s: %d (judged out of order)\n", h.flags.lateness, n)
	}
	if n := h.prog.Overflow.Load(); n > 0 {
		fmt.Fprintf(w, "  events released before their reorder window closed (window full): %d\n", n)
	}
	if n := h.prog.Filtered.Load(); n > 0 {
		fmt.Fprintf(w, "  events outside --from/--to: %d\n", n)
	}
	if failedRules > 0 {
		fmt.Fprintf(w, "  rules that failed to load: %d\n", failedRules)
	}
	h.flags.fidelity.summary(w, h.eng.Stats())
	if kept, over := h.eng.IndicatorStats(); kept > 0 || over > 0 || len(h.flags.indicators) > 0 {
		fmt.Fprintf(w, "  threat indicators kept: %d", kept)
		if over > 0 {
			fmt.Fprintf(w, " (%d more dropped: the indicator store is full)", over)
		}
		fmt.Fprintln(w)
	}
	var capped, offered, matched int64
	for _, st := range h.eng.Stats() {
		capped += st.Capped
		offered += st.Offered
		matched += st.Matched
		if st.Capped > 0 {
			fmt.Fprintf(w, "  max_signals capped %q: %d alerts withheld\n", st.Rule.Name, st.Capped)
		}
		if st.Overflow > 0 {
			fmt.Fprintf(w, "  state full for %q: %d groups or terms not kept\n", st.Rule.Name, st.Overflow)
		}
		if st.Lost > 0 {
			fmt.Fprintf(w, "  %q: %d events not evaluated: their record could not be decoded again (a bug: please report it)\n", st.Rule.Name, st.Lost)
		}
		if s := st.Sequence; s != nil && (s.Evictions > 0 || s.EvictedResults > 0) {
			fmt.Fprintf(w, "  sequence state full for %q: %d keys evicted\n", st.Rule.Name, s.Evictions)
		}
	}
	if h.flags.ux.warn.verbose {
		fmt.Fprintf(w, "  rule evaluations (events the rule index offered rules): %d, matches: %d\n", offered, matched)
		if a, ok := h.eng.(*engine.Arrived); ok {
			events, ticks, offers := a.Counts()
			fmt.Fprintf(w, "  events judged as decoded: %d, of which ordered by time only (nothing left to evaluate): %d; offers in order to rules that are not judged: %d\n", events, ticks, offers)
		}
	}
	fmt.Fprintf(w, "  alerts: %d", h.written.Load())
	for _, sev := range []string{"critical", "high", "medium", "low"} {
		if n := h.bySev[sev]; n > 0 {
			fmt.Fprintf(w, "  %s %d", sev, n)
		}
	}
	fmt.Fprintln(w)
	if h.hidden > 0 {
		fmt.Fprintf(w, "  building-block alerts not shown: %d (use --building-blocks)\n", h.hidden)
	}
	printCounts(w, "by tactic", h.byTac, 0)
	printCounts(w, "by rule", h.byRule, 15)
	h.flags.ux.summary(w)
}

func printCounts(w io.Writer, title string, m map[string]int, limit int) {
	if len(m) == 0 {
		return
	}
	keys := keysByCount(m)
	fmt.Fprintf(w, "  %s:\n", title)
	for i, k := range keys {
		if limit > 0 && i == limit {
			fmt.Fprintf(w, "    ... %d more\n", len(keys)-limit)
			break
		}
		fmt.Fprintf(w, "    %6d  %s\n", m[k], k)
	}
}

// writeHeapProfile writes a heap profile for performance work.
func (h *hunt) writeHeapProfile(path string) {
	pf, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(stderr, "vigil:", err)
		return
	}
	defer pf.Close()
	if err := pprof.WriteHeapProfile(pf); err != nil {
		fmt.Fprintln(stderr, "vigil:", err)
	}
}
