package server

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vigilsec/vigil/alert"
)

// An output is where new alerts go besides the store: each alert once,
// when it is first stored (not again when a replay raises it).
type output interface {
	alert.Sink
	// flush pushes out what Alert buffered; called after each batch.
	flush() error
	// close flushes and stops the output.
	close() error
}

// jsonlOutput writes alerts as JSON lines (Kibana alert documents) to a
// file or standard output.
type jsonlOutput struct {
	w      alert.Writer
	closer io.Closer // nil for standard output
	log    *slog.Logger
}

func newJSONLOutput(path string, f *alert.Fields, log *slog.Logger) (*jsonlOutput, error) {
	var dst io.Writer = os.Stdout
	var closer io.Closer
	if path != "-" {
		fh, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			return nil, err
		}
		dst, closer = fh, fh
	}
	w, err := alert.NewWriter("jsonl", dst, f)
	if err != nil {
		return nil, err
	}
	return &jsonlOutput{w: w, closer: closer, log: log}, nil
}

func (o *jsonlOutput) Alert(a *alert.Alert) {
	if err := o.w.Write(a); err != nil {
		o.log.Error("alert output", "err", err)
	}
}

func (o *jsonlOutput) flush() error { return o.w.Close() } // Close flushes; the writer stays usable

func (o *jsonlOutput) close() error {
	err := o.w.Close()
	if o.closer != nil {
		if cerr := o.closer.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// webhook POSTs each alert document to a URL from a bounded queue, with
// retries and back-off; what cannot be queued or delivered is counted.
type webhook struct {
	url    string
	fields func() *alert.Fields
	client *http.Client
	queue  chan []byte
	log    *slog.Logger
	done   sync.WaitGroup
	stop   context.CancelFunc
	ctx    context.Context

	sent, failed, dropped atomic.Int64
}

// webhookQueue bounds the alerts waiting for delivery.
const webhookQueue = 10_000

func newWebhook(url string, fields func() *alert.Fields, log *slog.Logger) *webhook {
	w := &webhook{url: url, fields: fields, client: &http.Client{Timeout: 10 * time.Second},
		queue: make(chan []byte, webhookQueue), log: log}
	w.ctx, w.stop = context.WithCancel(context.Background())
	w.done.Add(1)
	go w.run()
	return w
}

func (w *webhook) Alert(a *alert.Alert) {
	select {
	case w.queue <- a.AppendJSON(w.fields(), nil):
	default:
		w.dropped.Add(1)
	}
}

func (w *webhook) flush() error { return nil }

// close delivers what is queued (for at most 10 s more) and stops.
func (w *webhook) close() error {
	close(w.queue)
	t := time.AfterFunc(10*time.Second, w.stop)
	w.done.Wait()
	t.Stop()
	return nil
}

func (w *webhook) run() {
	defer w.done.Done()
	for doc := range w.queue {
		if w.ctx.Err() != nil {
			w.failed.Add(1)
			continue
		}
		if w.deliver(doc) {
			w.sent.Add(1)
		} else {
			w.failed.Add(1)
		}
	}
}

// deliver posts one document, retrying 5xx answers and network errors
// with exponential back-off (0.2 s to 6.4 s, 6 tries).
func (w *webhook) deliver(doc []byte) bool {
	wait := 200 * time.Millisecond
	for attempt := 1; ; attempt++ {
		req, _ := http.NewRequestWithContext(w.ctx, http.MethodPost, w.url, bytes.NewReader(doc))
		req.Header.Set("Content-Type", "application/json")
		resp, err := w.client.Do(req)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			switch {
			case resp.StatusCode < 300:
				return true
			case resp.StatusCode < 500 && resp.StatusCode != http.StatusTooManyRequests:
				w.log.Error("webhook refused an alert", "status", resp.StatusCode)
				return false
			}
			err = fmt.Errorf("status %d", resp.StatusCode)
		}
		if attempt == 6 {
			w.log.Error("webhook delivery failed", "tries", attempt, "err", err)
			return false
		}
		select {
		case <-time.After(wait):
		case <-w.ctx.Done():
			return false
		}
		wait *= 2
	}
}
