package order

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

func write(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	data := []byte(content)
	if strings.HasSuffix(name, ".gz") {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		zw.Close()
		data = b.Bytes()
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func doc(ts string, id int, extra string) string {
	return fmt.Sprintf(`{"@timestamp":"2026-01-01T00:00:%s.000Z","n":%d%s}`+"\n", ts, id, extra)
}

type got struct {
	ids    []int64
	index  []string
	errs   []string
	source []string
}

func run(t *testing.T, paths []string, opt Options) (got, *Progress) {
	return runInput(t, paths, input.Options{}, opt)
}

func runInput(t *testing.T, paths []string, iopt input.Options, opt Options) (got, *Progress) {
	t.Helper()
	s := event.NewSchema()
	n := s.Slot("n")
	iopt.Schema = s
	inputs, errs := input.Expand(paths)
	var g got
	for _, e := range errs {
		g.errs = append(g.errs, e.Error())
	}
	prog := new(Progress)
	iopt.Counters = &prog.Counters
	opt.Report = func(err error) { g.errs = append(g.errs, err.Error()) }
	err := Read(context.Background(), inputs, input.NewOpener(iopt), opt, prog, func(ev *event.Event) error {
		g.ids = append(g.ids, ev.Get(n).Int())
		g.index = append(g.index, ev.Index)
		g.source = append(g.source, filepath.Base(ev.Source))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return g, prog
}

func TestMergeOrderAcrossFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "a.ndjson", doc("01", 1, "")+doc("03", 3, "")+doc("05", 5, ""))
	write(t, dir, "sub/b.jsonl.gz", doc("02", 2, "")+doc("04", 4, "")+doc("06", 6, ""))
	write(t, dir, "c.json", "["+strings.TrimSpace(doc("00", 0, ""))+",\n"+strings.TrimSpace(doc("07", 7, ""))+"]")
	write(t, dir, "ignored.txt", "not read")
	g, prog := run(t, []string{dir}, Options{})
	if fmt.Sprint(g.ids) != "[0 1 2 3 4 5 6 7]" {
		t.Errorf("order %v", g.ids)
	}
	if len(g.errs) != 0 || prog.Events.Load() != 8 || prog.Inputs.Load() != 3 {
		t.Errorf("errs %v events %d inputs %d", g.errs, prog.Events.Load(), prog.Inputs.Load())
	}
}

func TestReorderWindowAndLate(t *testing.T) {
	dir := t.TempDir()
	// 2 arrives 1 s after 3: within a 5 s window it is put in order; 1
	// arrives 30 s late and is counted and passed on.
	p := write(t, dir, "x.ndjson", doc("10", 10, "")+doc("13", 13, "")+doc("12", 12, "")+doc("50", 50, "")+doc("11", 11, "")+doc("51", 51, ""))
	g, prog := run(t, []string{p}, Options{Lateness: 5 * time.Second})
	if fmt.Sprint(g.ids) != "[10 12 13 11 50 51]" {
		t.Errorf("order %v", g.ids)
	}
	if prog.Late.Load() != 1 || len(g.errs) != 1 || !strings.Contains(g.errs[0], "x.ndjson:line 5: event is older") {
		t.Errorf("late %d errs %v", prog.Late.Load(), g.errs)
	}
}

func TestBadLines(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "bad.ndjson", doc("01", 1, "")+"{not json\n\n"+doc("02", 2, "")+`{"n":3,}`+"\n"+doc("04", 4, ""))
	g, prog := run(t, []string{p}, Options{})
	if fmt.Sprint(g.ids) != "[1 2 4]" {
		t.Errorf("ids %v", g.ids)
	}
	want := []string{
		p + ":line 2: invalid JSON at byte 1: expected a string key",
		p + ":line 5: invalid JSON at byte 7: expected a string key",
	}
	if fmt.Sprint(g.errs) != fmt.Sprint(want) || prog.BadRecords.Load() != 2 {
		t.Errorf("errs %q", g.errs)
	}
}

func TestIndexAndTimeFilter(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "i.ndjson",
		doc("01", 1, `,"_index":"my-index"`)+
			doc("02", 2, `,"data_stream":{"type":"logs","dataset":"endpoint.events.process","namespace":"default"}`)+
			doc("03", 3, "")+
			doc("09", 9, ""))
	from := time.Date(2026, 1, 1, 0, 0, 1, 0, time.UTC).UnixNano()
	to := time.Date(2026, 1, 1, 0, 0, 5, 0, time.UTC).UnixNano()
	g, prog := runInput(t, []string{p}, input.Options{Index: "fallback"}, Options{From: from, To: to})
	if fmt.Sprint(g.ids) != "[1 2 3]" || prog.Filtered.Load() != 1 {
		t.Errorf("ids %v filtered %d", g.ids, prog.Filtered.Load())
	}
	if fmt.Sprint(g.index) != "[my-index logs-endpoint.events.process-default fallback]" {
		t.Errorf("index %v", g.index)
	}
}

func TestRawWinlog(t *testing.T) {
	dir := t.TempDir()
	p := write(t, dir, "w.ndjson",
		`{"@timestamp":"2026-01-01T00:00:01Z","n":1,"winlog":{"channel":"Security","event_id":"4624","provider_name":"Microsoft-Windows-Security-Auditing"}}`+"\n"+
			`{"@timestamp":"2026-01-01T00:00:02Z","n":2,"winlog":{"channel":"Security"},"event":{"category":["authentication"]}}`+"\n")
	g, _ := run(t, []string{p}, Options{})
	if len(g.index) != 2 || g.index[0] != "logs-system.security-default" || g.index[1] != "" {
		t.Errorf("index %v errs %v", g.index, g.errs)
	}
}

func TestExpandErrors(t *testing.T) {
	dir := t.TempDir()
	_, errs := input.Expand([]string{filepath.Join(dir, "missing.ndjson"), dir})
	if len(errs) != 2 || !strings.Contains(errs[0].Error(), "no such file") || !strings.Contains(errs[1].Error(), "no .evtx, .json") {
		t.Errorf("errs %v", errs)
	}
}

func TestManyEventsManyFiles(t *testing.T) {
	dir := t.TempDir()
	var paths []string
	for f := range 7 {
		var b strings.Builder
		for i := range 1000 {
			n := i*7 + f
			fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d}`+"\n", 1_700_000_000_000+n, n)
		}
		paths = append(paths, write(t, dir, fmt.Sprintf("f%d.ndjson", f), b.String()))
	}
	g, _ := run(t, paths, Options{Workers: 3})
	if len(g.ids) != 7000 {
		t.Fatalf("got %d events", len(g.ids))
	}
	for i, id := range g.ids {
		if id != int64(i) {
			t.Fatalf("event %d is %d", i, id)
		}
	}
}

// TestWatermarkAdvances: Options.Advance receives a rising watermark that
// no event passed on in order afterwards is older than.
func TestWatermarkAdvances(t *testing.T) {
	dir := t.TempDir()
	a := write(t, dir, "a.ndjson", doc("01", 1, "")+doc("04", 4, "")+doc("06", 6, ""))
	b := write(t, dir, "b.ndjson", doc("02", 2, "")+doc("03", 3, "")+doc("05", 5, ""))
	s := event.NewSchema()
	var prog Progress
	var marks, times []int64
	err := Read(context.Background(), []input.File{{Path: a}, {Path: b}}, input.NewOpener(input.Options{Schema: s, Counters: &prog.Counters}),
		Options{Advance: func(wm int64) {
			if len(marks) > 0 && wm <= marks[len(marks)-1] {
				t.Errorf("watermark %d after %d", wm, marks[len(marks)-1])
			}
			marks = append(marks, wm)
		}}, &prog, func(ev *event.Event) error {
			if len(marks) > 0 && ev.Time < marks[len(marks)-1] {
				t.Errorf("event at %d after watermark %d", ev.Time, marks[len(marks)-1])
			}
			times = append(times, ev.Time)
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if len(marks) != 6 || marks[5] != times[5] {
		t.Errorf("watermarks %v for times %v", marks, times)
	}
}

// TestSysmonNetworkDelayByProvider: Sysmon network events are recognised
// by provider name or channel and event code, in ECS or raw form.
func TestSysmonNetworkDelayByProvider(t *testing.T) {
	s := event.NewSchema()
	delay := SysmonNetworkDelay(s, 2*time.Second)
	for _, tc := range []struct {
		doc  string
		want time.Duration
	}{
		{`{"event":{"code":"3","provider":"Microsoft-Windows-Sysmon"}}`, 2 * time.Second},
		{`{"event":{"code":"3"},"winlog":{"provider_name":"Microsoft-Windows-Sysmon"}}`, 2 * time.Second},
		{`{"winlog":{"event_id":3,"channel":"Microsoft-Windows-Sysmon/Operational"}}`, 2 * time.Second},
		{`{"event":{"code":"1","provider":"Microsoft-Windows-Sysmon"}}`, 0},
		{`{"event":{"code":"3","provider":"Microsoft-Windows-Security-Auditing"}}`, 0},
	} {
		var ev event.Event
		if err := s.Decode([]byte(tc.doc), &ev); err != nil {
			t.Fatal(err)
		}
		if got := delay(&ev); got != tc.want {
			t.Errorf("%s: delay %v, want %v", tc.doc, got, tc.want)
		}
	}
}

// TestInputsInTimeOrder reads many inputs that cover separate time ranges,
// listed in reverse: they are merged in order, and the reordering windows
// hold about one input's events at a time, not every input's (each input
// is opened when the merge reaches its first event, a few ahead).
func TestInputsInTimeOrder(t *testing.T) {
	dir := t.TempDir()
	const files, per = 40, 500
	var paths []string
	for f := range files {
		var b strings.Builder
		for i := range per {
			n := f*per + i
			// One event every 5 ms: a 1 s lateness holds 200 of them.
			fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d}`+"\n", 1_700_000_000_000+5*n, n)
		}
		paths = append([]string{write(t, dir, fmt.Sprintf("f%02d.ndjson", f), b.String())}, paths...)
	}
	g, prog := run(t, paths, Options{Lateness: time.Second})
	if len(g.ids) != files*per {
		t.Fatalf("got %d events", len(g.ids))
	}
	for i, id := range g.ids {
		if id != int64(i) {
			t.Fatalf("event %d is %d", i, id)
		}
	}
	if n := prog.Late.Load() + prog.Overflow.Load(); n != 0 {
		t.Errorf("%d events late or released early", n)
	}
	// Every input open at once would hold 40 × 200 events.
	if peak := prog.Window.Load(); peak > (ahead+2)*210 || peak < 200 {
		t.Errorf("windows held %d events at most, want one input's 200 (and %d ahead)", peak, ahead)
	}
	t.Logf("peak window %d events", prog.Window.Load())
}

// TestWindowPerInput reads inputs that overlap in time and are out of
// order by more than their windows hold: each input releases early, and
// so makes late, exactly what its own buffer would alone, in every run,
// however the inputs' goroutines are scheduled (a budget shared between
// inputs made these counts, and the merged order, depend on timing).
func TestWindowPerInput(t *testing.T) {
	dir := t.TempDir()
	const files, per, window = 6, 400, 40
	var paths []string
	var wantLate, wantForced uint64
	for f := range files {
		rng := rand.New(rand.NewPCG(uint64(f), 1))
		var b strings.Builder
		buf := NewBuffer(time.Second, BufferOptions{MaxBuffered: window})
		for i := range per {
			// One event every 10 ms, some up to 1.5 s early.
			ms := 1_700_000_000_000 + 10*i - rng.IntN(3)*rng.IntN(500)
			fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d}`+"\n", ms, f*per+i)
			buf.Push(&event.Event{Time: int64(ms) * 1e6}, func(*event.Event) {})
		}
		buf.Flush(func(*event.Event) {})
		st := buf.Stats()
		wantLate += st.Late
		wantForced += st.Forced
		paths = append(paths, write(t, dir, fmt.Sprintf("f%d.ndjson", f), b.String()))
	}
	if wantLate == 0 || wantForced == 0 {
		t.Fatalf("the inputs should overflow their windows: %d late, %d forced", wantLate, wantForced)
	}
	var first []int64
	for i := range 5 {
		g, prog := run(t, paths, Options{Lateness: time.Second, MaxWindow: window, Workers: files})
		if late, forced := uint64(prog.Late.Load()), uint64(prog.Overflow.Load()); late != wantLate || forced != wantForced {
			t.Errorf("run %d: %d late, %d released early; want %d and %d", i, late, forced, wantLate, wantForced)
		}
		if len(g.ids) != files*per {
			t.Fatalf("run %d: %d events", i, len(g.ids))
		}
		if i == 0 {
			first = g.ids
		} else if !slices.Equal(g.ids, first) {
			t.Errorf("run %d merged the events in another order", i)
		}
	}
}

// TestPeekStarts: Peek finds when each input starts as Read's merge
// would (the earliest event before one beyond the lateness, within the
// time filter; none: at once), and Read given those starts merges the
// same events in the same order, counts the same late events and holds
// no more windows than when it peeks itself.
func TestPeekStarts(t *testing.T) {
	dir := t.TempDir()
	ms := func(n int) string { return fmt.Sprint(1_700_000_000_000 + n) }
	var paths []string
	for f, lines := range [][]string{
		// The second event is older than the first, within 1 s: it starts.
		{ms(5000), ms(4500), ms(7000), ms(3000)},
		// Its first event is outside --from: the next one starts it.
		{ms(100), ms(20000), ms(21000)},
		{`not json`},
		{ms(9000), ms(9100)},
	} {
		var b strings.Builder
		for i, l := range lines {
			if l == "not json" {
				b.WriteString(l + "\n")
				continue
			}
			fmt.Fprintf(&b, `{"@timestamp":%s,"n":%d}`+"\n", l, f*10+i)
		}
		paths = append(paths, write(t, dir, fmt.Sprintf("f%d.ndjson", f), b.String()))
	}
	// Many more inputs, so that the admission order matters for memory.
	for f := range 30 {
		var b strings.Builder
		for i := range 300 {
			n := f*300 + i
			fmt.Fprintf(&b, `{"@timestamp":%d,"n":%d}`+"\n", 1_700_000_100_000+5*n, 1000+n)
		}
		paths = append(paths, write(t, dir, fmt.Sprintf("g%02d.ndjson", 29-f), b.String()))
	}
	opt := Options{Lateness: time.Second, From: (1_700_000_000_000 + 1000) * 1e6}
	inputs, _ := input.Expand(paths)
	starts := Peek(context.Background(), inputs, input.NewOpener(input.Options{}), opt)
	want := map[string]int64{"f0.ndjson": 4500, "f1.ndjson": 20000, "f2.ndjson": -1, "f3.ndjson": 9000}
	for i, in := range inputs {
		w, ok := want[filepath.Base(in.Path)]
		if !ok {
			continue
		}
		if w >= 0 {
			w = (1_700_000_000_000 + w) * 1e6
		} else {
			w = noTime
		}
		if starts[i] != w {
			t.Errorf("%s starts at %d, want %d", in.Path, starts[i], w)
		}
	}
	g, prog := run(t, paths, opt)
	opt.Starts = starts
	g2, prog2 := run(t, paths, opt)
	// Inputs are read concurrently: errors from different files (f2's
	// open error, f0's late event) arrive in either order.
	slices.Sort(g.errs)
	slices.Sort(g2.errs)
	if !slices.Equal(g.ids, g2.ids) || !slices.Equal(g.errs, g2.errs) {
		t.Errorf("with Peek's starts: %d events %v, errors %q; peeking itself: %d events %v, errors %q",
			len(g2.ids), g2.ids[:10], g2.errs, len(g.ids), g.ids[:10], g.errs)
	}
	if len(g.ids) != 8+30*300 {
		t.Errorf("%d events", len(g.ids))
	}
	if a, b := prog.Late.Load(), prog2.Late.Load(); a != b || a != 1 {
		t.Errorf("late events: %d peeking itself, %d with Peek's starts, want 1", a, b)
	}
	if a, b := prog.Window.Load(), prog2.Window.Load(); b > a+a/2 {
		t.Errorf("windows held %d events with Peek's starts, %d peeking itself", b, a)
	}
}
