package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/vigilsec/vigil/builtin"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/winlog"
)

// TestMain lets the test binary run as a vigil serve child process (for
// the kill test) when VIGIL_SERVE_CHILD names a data directory.
func TestMain(m *testing.M) {
	if dir := os.Getenv("VIGIL_SERVE_CHILD"); dir != "" {
		os.Exit(serveChild(dir))
	}
	os.Exit(m.Run())
}

// serveChild serves the built-in pack (and the rules under
// VIGIL_SERVE_CHILD_RULES, if set) on a free loopback port, writes the
// address to dir/addr once listening, and serves until it is killed.
func serveChild(dir string) int {
	rules, _, errs := builtin.Load()
	if extra := os.Getenv("VIGIL_SERVE_CHILD_RULES"); extra != "" {
		more, _, moreErrs := rule.LoadPaths(extra)
		rules, errs = append(rules, more...), append(errs, moreErrs...)
	}
	if len(errs) > 0 {
		fmt.Fprintln(os.Stderr, errs[0])
		return 1
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	s, err := New(Config{DataDir: dir, Listen: "127.0.0.1:0"}, rules, engine.Options{Aliases: winlog.Aliases}, log)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	err = s.ListenAndServe(context.Background(), func(a net.Addr) {
		tmp := filepath.Join(dir, "addr.tmp")
		os.WriteFile(tmp, []byte(a.String()), 0o644)
		os.Rename(tmp, filepath.Join(dir, "addr"))
	})
	fmt.Fprintln(os.Stderr, err)
	return 1
}

// copies makes n copies of the example scenario, each on hosts and with
// event ids of its own, 10 minutes after the previous one.
func copies(t testing.TB, n int) []doc {
	t.Helper()
	base := sample(t)
	var out []doc
	for c := range n {
		for _, d := range base {
			var m map[string]any
			if err := json.Unmarshal(d.source, &m); err != nil {
				t.Fatal(err)
			}
			ts, _ := time.Parse(time.RFC3339Nano, m["@timestamp"].(string))
			m["@timestamp"] = ts.Add(time.Duration(c) * 10 * time.Minute).Format(time.RFC3339Nano)
			if h, ok := m["host"].(map[string]any); ok {
				h["name"] = fmt.Sprintf("%v-%d", h["name"], c)
			}
			if e, ok := m["event"].(map[string]any); ok && e["id"] != nil {
				e["id"] = fmt.Sprintf("%v-%d", e["id"], c)
			}
			src, _ := json.Marshal(m)
			out = append(out, doc{index: d.index, source: src})
		}
	}
	return out
}

// child is one vigil serve process.
type child struct {
	cmd *exec.Cmd
	url string
}

func startChild(t *testing.T, dir string) *child {
	t.Helper()
	os.Remove(filepath.Join(dir, "addr"))
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "VIGIL_SERVE_CHILD="+dir)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(filepath.Join(dir, "addr")); err == nil {
			return &child{cmd: cmd, url: "http://" + string(b)}
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatal("the child did not start listening")
	return nil
}

// send posts docs as one bulk request, again after a pause while the
// server answers 429 (as shippers do); it reports whether the server
// acknowledged every document.
func (c *child) send(docs []doc) bool {
	for range 200 {
		resp, err := http.Post(c.url+"/_bulk", "application/x-ndjson", bulkBody(docs))
		if err != nil {
			return false
		}
		var res struct {
			Errors bool
			Items  []map[string]struct{ Status int }
		}
		ok := resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&res) == nil && len(res.Items) == len(docs)
		resp.Body.Close()
		switch {
		case ok && !res.Errors:
			return true
		case ok && resp.Header.Get("Retry-After") != "":
			time.Sleep(20 * time.Millisecond) // the engine is behind: retry
		default:
			return false
		}
	}
	return false
}

// TestKillDuringIngest kills vigil serve with SIGKILL at random moments
// while a shipper sends events, restarts it each time, and has the shipper
// resend what was not acknowledged, as Beats do. At the end every alert a
// clean run raises is stored, exactly once, and nothing else is.
func TestKillDuringIngest(t *testing.T) {
	kills := 20
	if testing.Short() {
		kills = 5
	}
	dir := t.TempDir()
	docs := copies(t, 200)
	want := expected(t, builtinRules(t), docs)
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	acked, killedMidRequest := 0, 0
	for round := 0; round <= kills; round++ {
		c := startChild(t, dir)
		last := round == kills
		// Drawn before the sender starts: it draws from rng too.
		pause := time.Duration(3+rng.IntN(40)) * time.Millisecond
		done := make(chan struct{})
		go func() {
			defer close(done)
			for acked < len(docs) {
				n := min(1+rng.IntN(25), len(docs)-acked)
				if !c.send(docs[acked : acked+n]) {
					return // killed: resend from the first unacknowledged
				}
				acked += n
			}
		}()
		if last {
			<-done
		} else {
			time.Sleep(pause)
			c.cmd.Process.Signal(syscall.SIGKILL)
			<-done
			c.cmd.Wait()
			if acked < len(docs) {
				killedMidRequest++
			}
			continue
		}
		if acked != len(docs) {
			t.Fatalf("the last round acknowledged %d of %d", acked, len(docs))
		}
		resp, err := http.Post(c.url+"/_refresh", "", nil)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := childAlertIDs(t, c.url)
		var stats struct{ Events map[string]int }
		getJSON(t, c.url+"/api/stats", &stats)
		c.cmd.Process.Signal(syscall.SIGKILL)
		c.cmd.Wait()
		missing, extra := diff(want, got)
		dups := len(got) - len(slices.Compact(slices.Clone(got)))
		t.Logf("kill test: kills %d (%d before the shipper had every document acknowledged), documents %d, alerts %d, missing %d, extra %d, duplicated %d; last start replayed %d",
			kills, killedMidRequest, len(docs), len(got), len(missing), len(extra), dups, stats.Events["replayed"])
		if len(missing) > 0 || len(extra) > 0 || dups > 0 {
			t.Errorf("missing %v\nextra %v", missing, extra)
		}
	}
}

func diff(want, got []string) (missing, extra []string) {
	w, g := map[string]bool{}, map[string]bool{}
	for _, x := range want {
		w[x] = true
	}
	for _, x := range got {
		g[x] = true
		if !w[x] {
			extra = append(extra, x)
		}
	}
	for _, x := range want {
		if !g[x] {
			missing = append(missing, x)
		}
	}
	return missing, extra
}

func getJSON(t testing.TB, url string, out any) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// childAlertIDs lists every alert id a server stores.
func childAlertIDs(t testing.TB, url string) []string {
	t.Helper()
	return pagedAlertIDs(t, url, "", 1000)
}
