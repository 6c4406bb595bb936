package server

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/store"
)

// Server is a running vigil serve: the log, the alert store, the engine
// and the HTTP handlers.
type Server struct {
	cfg      Config
	log      *slog.Logger
	wal      *store.WAL
	carryWAL *store.WAL // the state carry log (see carry)
	alerts   *store.Alerts
	opt      engine.Options
	rulesMu  sync.Mutex // guards rs, statuses and opt, which a reload replaces
	rs       *engine.RuleSet
	statuses []engine.Status
	// load reads the rules again for a reload (SetLoader); nil: reloads
	// are refused.
	load    Loader
	pipe    *pipeline
	kafka   *kafkaConsumer // nil without Config.Kafka.Topic
	shared  *sharedRunner  // nil without rules across hosts
	view    *alertsView    // nil without Config.Kafka.AlertsConsume
	webhook *webhook       // nil without Config.Webhook
	metrics *metrics
	handler http.Handler

	ctx    context.Context // the pipeline's
	cancel context.CancelFunc
	done   sync.WaitGroup
	closed bool
}

// errBacklog is returned when the engine is behind by Config.Backlog log
// records (or BacklogBytes), or the carry log by CarryPendingBytes: the
// shipper is asked to retry (429).
var errBacklog = errors.New("the engine is behind: retry later")

// behind reports whether ingest must be refused for now (see errBacklog).
func (s *Server) behind() bool {
	return s.pipe.queue.full(s.cfg.Backlog, s.cfg.BacklogBytes) || s.pipe.carry.over(s.cfg.CarryPendingBytes)
}

// New opens the data directory, compiles the rules and replays the log
// since its last checkpoint; the server is then ready to take requests
// (Handler) and must be closed.
func New(cfg Config, rules []*rule.Rule, opt engine.Options, log *slog.Logger) (*Server, error) {
	cfg.Defaults()
	if err := cfg.Check(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	s := &Server{cfg: cfg, log: log, opt: opt}
	s.rs, s.statuses = engine.Compile(rules, opt)
	if s.rs.Len() == 0 {
		return nil, errors.New("no rule to run")
	}
	var err error
	s.wal, err = store.OpenWAL(filepath.Join(cfg.DataDir, "wal"), store.WALOptions{Durability: cfg.Durability, MaxBytes: cfg.WALMaxBytes, Compression: cfg.WALCompression})
	if err != nil {
		return nil, err
	}
	if s.wal.Torn > 0 {
		log.Warn("the log ended in a torn record (a crash while writing it, never acknowledged); cut", "bytes", s.wal.Torn)
	}
	// The carry log is written once a second, synced before the log's
	// checkpoint moves; small segments let its head go sooner.
	s.carryWAL, err = store.OpenWAL(filepath.Join(cfg.DataDir, "carry"), store.WALOptions{Durability: store.Request, MaxBytes: cfg.WALMaxBytes, SegmentSize: 16 << 20, Compression: cfg.WALCompression})
	if err != nil {
		s.wal.Close()
		return nil, err
	}
	if s.carryWAL.Torn > 0 {
		log.Warn("the carry log ended in a torn record (a crash while writing it; the log still held its events); cut", "bytes", s.carryWAL.Torn)
	}
	s.alerts, err = store.OpenAlerts(filepath.Join(cfg.DataDir, "alerts.db"))
	if err != nil {
		s.closeLogs()
		return nil, err
	}
	s.pipe = newPipeline(&s.cfg, log, s.wal, s.carryWAL, s.alerts, s.rs)
	if cfg.RecentEvents > 0 {
		s.pipe.recent = newRecentEvents(s.rs.Schema(), cfg.RecentEvents, cfg.RecentHosts)
	}
	if cfg.OutputJSONL != "" {
		o, err := newJSONLOutput(cfg.OutputJSONL, s.rs.Fields(), log)
		if err != nil {
			s.closeLogs()
			s.alerts.Close()
			return nil, fmt.Errorf("alert output: %w", err)
		}
		s.pipe.outputs = append(s.pipe.outputs, o)
	}
	if cfg.Webhook != "" {
		s.webhook = newWebhook(cfg.Webhook, func() *alert.Fields { rs, _ := s.RuleSet(); return rs.Fields() }, log)
		s.pipe.outputs = append(s.pipe.outputs, s.webhook)
	}
	start := time.Now()
	if err := s.pipe.replay(); err != nil {
		s.closeLogs()
		s.alerts.Close()
		return nil, fmt.Errorf("replaying the log: %w", err)
	}
	if n := s.pipe.st.replayed.Load(); n > 0 {
		log.Info("replayed the log", "documents", n, "took", time.Since(start).Round(time.Millisecond))
	}
	if err := s.startKafka(rules, opt); err != nil {
		s.closeLogs()
		s.alerts.Close()
		return nil, err
	}
	s.metrics = newMetrics(s)
	s.handler = s.routes()
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.done.Add(1)
	go s.pipe.run(s.ctx, &s.done)
	s.runKafka(s.ctx)
	if cfg.Retention > 0 || cfg.MaxAlerts > 0 {
		s.done.Add(1)
		go s.retain(s.ctx, 5*time.Minute)
	}
	return s, nil
}

// retain applies the alert retention (Config.Retention, MaxAlerts) now and
// every period until ctx ends.
func (s *Server) retain(ctx context.Context, period time.Duration) {
	defer s.done.Done()
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		n, err := s.alerts.Retain(ctx, time.Now(), s.cfg.Retention, s.cfg.MaxAlerts)
		if err != nil && ctx.Err() == nil {
			s.log.Error("alert retention", "err", err)
		} else if n > 0 {
			s.log.Info("alert retention", "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// ingest appends a job's documents to the log and queues the job (its
// decoded events and the body they came in) for the engine in log order;
// it returns when they are as durable as Config.Durability asks. A job
// not queued is given back (its events and body reused). queued (if not
// nil) is called once the job is queued, before the log is synced.
func (s *Server) ingest(j job, queued func()) error {
	pushed := false
	defer func() {
		if !pushed { // the job's memory is not the pipeline's
			for _, ev := range j.evs {
				s.pipe.reuse(ev)
			}
			j.body.release()
		}
	}()
	if s.behind() {
		return errBacklog
	}
	rec := records.Get().(*[]byte)
	*rec = encodeRecord((*rec)[:0], j.docs)
	_, err := s.wal.Append(*rec, func(lsn uint64) {
		j.lsn = lsn
		s.pipe.queue.push(j)
		pushed = true
		if queued != nil {
			queued()
		}
	})
	if cap(*rec) <= maxPooled {
		records.Put(rec)
	}
	return err
}

// Handler returns the server's HTTP handler.
func (s *Server) Handler() http.Handler { return s.handler }

// RuleSet returns the compiled rules and what became of each rule loaded.
func (s *Server) RuleSet() (*engine.RuleSet, []engine.Status) {
	s.rulesMu.Lock()
	defer s.rulesMu.Unlock()
	return s.rs, s.statuses
}

// Loader reads the rules again for a reload, with the exception lists
// they refer to (nil: none).
type Loader func() ([]*rule.Rule, *exception.Store, error)

// SetLoader sets how Reload reads the rules again.
func (s *Server) SetLoader(load Loader) { s.load = load }

// ReloadError is a reload refused because rules failed to compile; the
// rules running before keep running.
type ReloadError struct{ Failed []engine.Status }

func (e *ReloadError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d rules failed to compile; the running rules are kept", len(e.Failed))
	for _, st := range e.Failed {
		fmt.Fprintf(&b, "\n%v", st.Err)
	}
	return b.String()
}

// Reload reads and compiles the rules again and switches the engine to
// them, keeping the state of the rules that did not change (see
// engine.Engine.Reload). If a rule fails to compile nothing changes and a
// *ReloadError lists the failures. It returns how many rules run and how
// many kept their state.
func (s *Server) Reload(ctx context.Context) (running, kept int, err error) {
	if s.load == nil {
		return 0, 0, errors.New("this server cannot reload its rules")
	}
	rules, exceptions, err := s.load()
	if err != nil {
		return 0, 0, err
	}
	// Exception lists are read again with the rules: an edited list
	// changes what the rules referring to it raise from now on.
	s.rulesMu.Lock()
	opt := s.opt
	s.rulesMu.Unlock()
	opt.Exceptions = exceptions
	res := make(chan reloadResult, 1)
	s.pipe.queue.push(job{reload: &reloadJob{rules: rules, opt: opt, done: res}})
	var r reloadResult
	select {
	case r = <-res:
	case <-ctx.Done():
		return 0, 0, ctx.Err()
	}
	if r.err != nil {
		return 0, 0, r.err
	}
	s.rulesMu.Lock()
	s.rs, s.statuses, s.opt = r.rs, r.statuses, opt
	s.rulesMu.Unlock()
	if s.kafka != nil {
		if err := s.kafka.reload(ctx, &reloadJob{rules: rules, opt: opt}); err != nil {
			return 0, 0, fmt.Errorf("the Kafka engines kept the rules they ran: %w", err)
		}
	}
	s.log.Info("rules reloaded", "running", r.rs.Len(), "kept state", r.kept)
	return r.rs.Len(), r.kept, nil
}

// ListenAndServe serves on Config.Listen until ctx ends, then shuts down
// gracefully: requests in flight finish, queued events are evaluated and
// their alerts stored. It calls ready, if not nil, with the address once
// listening.
func (s *Server) ListenAndServe(ctx context.Context, ready func(addr net.Addr)) error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return err
	}
	if s.cfg.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(s.cfg.TLSCert, s.cfg.TLSKey)
		if err != nil {
			ln.Close()
			return fmt.Errorf("TLS: %w", err)
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	hs := &http.Server{Handler: s.handler, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: s.cfg.ReadTimeout,
		IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 1 << 20}
	if ready != nil {
		ready(ln.Addr())
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return hs.Shutdown(sctx)
}

// Close stops the engine after it has evaluated what was acknowledged,
// and closes the store and the log.
func (s *Server) Close() error {
	if s.closed {
		return nil
	}
	s.closed = true
	s.cancel()
	s.done.Wait()
	for _, o := range s.pipe.outputs {
		if err := o.close(); err != nil {
			s.log.Error("closing an alert output", "err", err)
		}
	}
	err := s.alerts.Close()
	if werr := s.closeLogs(); err == nil {
		err = werr
	}
	return err
}

// closeLogs closes the log and the carry log.
func (s *Server) closeLogs() error {
	err := s.wal.Close()
	if cerr := s.carryWAL.Close(); err == nil {
		err = cerr
	}
	return err
}
