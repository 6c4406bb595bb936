// Command serveload is a bounded loopback load generator for vigil serve:
// it replays raw winlog records (re-stamped with the current time, as a
// live fleet would send them) into _bulk and reports the sustained rate
// and, with -rate, the latency from a request's acknowledgement to the
// alert of a marker event in it being stored.
//
//	go run ./bench/serveload -url http://127.0.0.1:9200 -duration 60s
//	go run ./bench/serveload -url http://127.0.0.1:9200 -duration 60s -rate 25000
//
// It only sends to the URL given (loopback), stops after -duration, and
// sends at most -max-docs documents.
package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// body is one pre-encoded bulk request: the action lines and documents
// of -batch consecutive records, with the places of their timestamps,
// which are overwritten in place with the current time before each send
// (every corpus timestamp has the width of the one put in). Encoding the
// bodies once keeps the generator's CPU, which shares the machine with
// the server, to a copy of the current time per timestamp.
type body struct {
	mu    sync.Mutex // one sender at a time stamps and sends it
	data  []byte
	stamp []int32 // offsets of RFC 3339 @timestamp values (24 bytes)
	utc   []int32 // offsets of Sysmon UtcTime values (23 bytes)
	docs  int
}

const (
	rfc3339Milli = "2006-01-02T15:04:05.000Z"
	utcTimeMilli = "2006-01-02 15:04:05.000"
)

func main() {
	url := flag.String("url", "http://127.0.0.1:9200", "vigil serve `URL` (loopback)")
	corpus := flag.String("corpus", "../shared/data/winlog", "`folder` of raw winlog *.ndjson.gz")
	duration := flag.Duration("duration", 30*time.Second, "how long to send")
	rate := flag.Int("rate", 0, "documents per second (0: as fast as the server acknowledges)")
	batch := flag.Int("batch", 500, "documents per bulk request")
	conns := flag.Int("conns", 4, "concurrent requests")
	maxDocs := flag.Int("max-docs", 20_000_000, "stop after this many documents")
	flag.Parse()

	bodies, n, err := load(*corpus, *batch)
	if err != nil {
		fmt.Fprintln(os.Stderr, "serveload:", err)
		os.Exit(1)
	}
	fmt.Printf("serveload: %d records loaded; sending for %v, batch %d, %d connections, rate %s\n",
		n, *duration, *batch, *conns, rateName(*rate))

	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: *conns}}
	var sent, acked, rejected atomic.Int64
	var mu sync.Mutex
	var latencies []time.Duration
	var markers atomic.Int64
	deadline := time.Now().Add(*duration)
	start := time.Now()
	cpu0 := cpuTime()
	var wg sync.WaitGroup
	var next atomic.Int64
	for range *conns {
		wg.Go(func() {
			var resp []byte
			var stamp, utc []byte
			for time.Now().Before(deadline) && int(sent.Load()) < *maxDocs {
				if *rate > 0 {
					// Pace: the n-th document may go at start + n/rate.
					due := start.Add(time.Duration(float64(sent.Load()) / float64(*rate) * float64(time.Second)))
					if d := time.Until(due); d > 0 {
						time.Sleep(d)
					}
				}
				b := &bodies[int(next.Add(1)-1)%len(bodies)]
				b.mu.Lock()
				now := time.Now().UTC()
				stamp, utc = now.AppendFormat(stamp[:0], rfc3339Milli), now.AppendFormat(utc[:0], utcTimeMilli)
				for _, at := range b.stamp {
					copy(b.data[at:], stamp)
				}
				for _, at := range b.utc {
					copy(b.data[at:], utc)
				}
				sent.Add(int64(b.docs))
				var ok bool
				ok, resp = post(client, *url+"/_bulk", b.data, b.docs, resp)
				b.mu.Unlock()
				if ok {
					acked.Add(int64(b.docs))
				} else {
					rejected.Add(int64(b.docs))
				}
			}
		})
	}
	if *rate > 0 {
		// Once a second a marker, in a request of its own: a shell
		// started by services.exe on a host of its own, which the
		// service rules of every pack alert on. Its latency runs from the
		// acknowledgement to the alert being found in the store.
		wg.Go(func() {
			for time.Now().Before(deadline) {
				var body bytes.Buffer
				host := fmt.Sprintf("loadgen-%d", markers.Add(1))
				writeMarker(&body, host, time.Now().UTC())
				if ok, _ := post(client, *url+"/_bulk", body.Bytes(), 1, nil); ok {
					acked := time.Now()
					wg.Go(func() {
						if d, found := waitAlert(client, *url, host, acked, 60*time.Second); found {
							mu.Lock()
							latencies = append(latencies, d)
							mu.Unlock()
						}
					})
				}
				time.Sleep(time.Second)
			}
		})
	}
	p0 := progress(client, *url)
	wg.Wait()
	took := time.Since(start)
	cpu := cpuTime() - cpu0
	p1 := progress(client, *url)
	ev, arrival, early := p1["evaluated"]-p0["evaluated"], p1["evaluated_on_arrival"]-p0["evaluated_on_arrival"], p1["evaluated_early"]-p0["evaluated_early"]
	fmt.Printf("serveload: sent %d, acknowledged %d, refused %d in %v: %.0f acknowledged documents/s\n",
		sent.Load(), acked.Load(), rejected.Load(), took.Round(time.Millisecond), float64(acked.Load())/took.Seconds())
	// The generator shares the machine with the server: what it costs is
	// CPU the server did not get.
	fmt.Printf("serveload: generator CPU sending %.2f s (user + system), %.1f us per document sent\n",
		cpu.Seconds(), float64(cpu.Microseconds())/float64(max(sent.Load(), 1)))
	// Every document is decoded and judged by the stateless rules as it
	// comes off the log: that is the service's rate. The stateful rules
	// see an event once the lateness window (in event time) has passed
	// it, so their count trails by the window; they keep up as long as
	// no event had to be evaluated early (ordering buffer full).
	fmt.Printf("serveload: decoded and judged on arrival %d in the same time: %.0f decoded documents/s (sustained: the lower of the two)\n",
		arrival, float64(arrival)/took.Seconds())
	fmt.Printf("serveload: through the ordered rules %d (%.0f/s, trailing by the lateness window); held for order at the end %d; evaluated early (buffer full) %d; not needing order %d\n",
		ev, float64(ev)/took.Seconds(), p1["held_for_order"], early, p1["not_held_for_order"]-p0["not_held_for_order"])
	if len(latencies) > 0 {
		slices.Sort(latencies)
		q := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
		fmt.Printf("serveload: acknowledgement to stored alert, %d markers: p50 %v, p99 %v, max %v\n",
			len(latencies), q(0.5).Round(time.Millisecond), q(0.99).Round(time.Millisecond), latencies[len(latencies)-1].Round(time.Millisecond))
	}
}

func rateName(r int) string {
	if r == 0 {
		return "unbounded"
	}
	return fmt.Sprintf("%d/s", r)
}

// load reads the corpus' records into bodies of batch records each; the
// last body is filled up with the first records.
func load(dir string, batch int) ([]body, int, error) {
	files, _ := filepath.Glob(filepath.Join(dir, "*", "*", "*.ndjson.gz"))
	if len(files) == 0 {
		files, _ = filepath.Glob(filepath.Join(dir, "*.ndjson.gz"))
	}
	if len(files) == 0 {
		return nil, 0, fmt.Errorf("no *.ndjson.gz under %s", dir)
	}
	var bodies []body
	var first [][]byte // the records the last body may need again
	n := 0
	add := func(line []byte) {
		if len(bodies) == 0 || bodies[len(bodies)-1].docs == batch {
			bodies = append(bodies, body{})
		}
		bodies[len(bodies)-1].add(line)
	}
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, 0, err
		}
		zr, err := gzip.NewReader(fh)
		if err != nil {
			return nil, 0, fmt.Errorf("%s: %v", f, err)
		}
		sc := bufio.NewScanner(zr)
		sc.Buffer(nil, 64<<20)
		for sc.Scan() {
			if len(first) < batch {
				first = append(first, bytes.Clone(sc.Bytes()))
			}
			add(sc.Bytes())
			n++
		}
		fh.Close()
		if err := sc.Err(); err != nil {
			return nil, 0, fmt.Errorf("%s: %v", f, err)
		}
	}
	if n == 0 {
		return nil, 0, fmt.Errorf("no records under %s", dir)
	}
	for i := 0; bodies[len(bodies)-1].docs < batch; i++ {
		add(first[i%len(first)])
	}
	return bodies, n, nil
}

// action is the bulk action of every record: as a Winlogbeat 8 fleet ships
// them, raw records to its data stream.
const action = `{"create":{"_index":"winlogbeat-8.17.0"}}` + "\n"

// add appends a record's action and document, noting where its
// "@timestamp" and (first) "UtcTime" values are; a value of another width
// than the current time's is replaced by a placeholder of that width.
func (b *body) add(line []byte) {
	if b.data == nil {
		b.data = make([]byte, 0, 2<<20)
	}
	b.data = append(b.data, action...)
	type hit struct {
		at, end int
		width   int
		offs    *[]int32
	}
	var hits []hit
	for _, k := range []struct {
		key   string
		width int
		offs  *[]int32
	}{{`"@timestamp":"`, len(rfc3339Milli), &b.stamp}, {`"UtcTime":"`, len(utcTimeMilli), &b.utc}} {
		if i := bytes.Index(line, []byte(k.key)); i >= 0 {
			s := i + len(k.key)
			if e := bytes.IndexByte(line[s:], '"'); e >= 0 {
				hits = append(hits, hit{s, s + e, k.width, k.offs})
			}
		}
	}
	slices.SortFunc(hits, func(x, y hit) int { return x.at - y.at })
	prev := 0
	for _, h := range hits {
		b.data = append(b.data, line[prev:h.at]...)
		*h.offs = append(*h.offs, int32(len(b.data)))
		b.data = append(b.data, "0000-00-00T00:00:00.000Z"[:h.width]...)
		prev = h.end
	}
	b.data = append(b.data, line[prev:]...)
	b.data = append(b.data, '\n')
	b.docs++
}

func writeMarker(b *bytes.Buffer, host string, now time.Time) {
	ts := now.Format("2006-01-02T15:04:05.000Z")
	fmt.Fprintf(b, "{\"create\":{\"_index\":\"winlogbeat-8.17.0\"}}\n")
	fmt.Fprintf(b, `{"@timestamp":%q,"host":{"name":%q},"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","provider_name":"Microsoft-Windows-Sysmon","event_id":"1","computer_name":%q,"record_id":"%d","event_data":{"Image":"C:\\Windows\\System32\\cmd.exe","CommandLine":"cmd.exe /c whoami","ParentImage":"C:\\Windows\\System32\\services.exe","ParentCommandLine":"C:\\Windows\\system32\\services.exe","ProcessGuid":"{6F1D2C3B-0002-6743-1B00-000000000B01}","ParentProcessGuid":"{6F1D2C3B-0002-6743-0100-000000000001}","ProcessId":"5120","ParentProcessId":"640","User":"NT AUTHORITY\\SYSTEM","UtcTime":%q}}}`+"\n",
		ts, host, host, now.UnixNano(), now.Format("2006-01-02 15:04:05.000"))
}

// post sends a bulk request and reports whether every item was accepted:
// status 200, "errors":false and one "status":201 per document (counted
// in the raw response rather than decoded: the server writes it and the
// check is the same). buf is reused for the response and returned.
func post(c *http.Client, url string, body []byte, n int, buf []byte) (bool, []byte) {
	resp, err := c.Post(url, "application/x-ndjson", bytes.NewReader(body))
	if err != nil {
		return false, buf
	}
	defer resp.Body.Close()
	w := bytes.NewBuffer(buf[:0])
	_, err = w.ReadFrom(resp.Body)
	buf = w.Bytes()
	if err != nil || resp.StatusCode != 200 {
		return false, buf
	}
	return bytes.Contains(buf[:min(len(buf), 64)], []byte(`"errors":false`)) &&
		bytes.Count(buf, []byte(`"status":201`)) == n, buf
}

// cpuTime returns the CPU the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// waitAlert polls the alert API until an alert of host is stored.
func waitAlert(c *http.Client, url, host string, acked time.Time, limit time.Duration) (time.Duration, bool) {
	for time.Since(acked) < limit {
		resp, err := c.Get(url + "/api/alerts?size=1&host=" + host)
		if err == nil {
			var page struct{ Total int }
			json.NewDecoder(resp.Body).Decode(&page)
			resp.Body.Close()
			if page.Total > 0 {
				return time.Since(acked), true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return 0, false
}

// progress reads the service's event counters (/api/stats "events").
func progress(c *http.Client, url string) map[string]int64 {
	resp, err := c.Get(url + "/api/stats")
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	var st struct{ Events map[string]int64 }
	json.NewDecoder(resp.Body).Decode(&st)
	return st.Events
}
