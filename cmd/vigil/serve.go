package main

import (
	"context"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/pelletier/go-toml/v2"

	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/exception"
	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/server"
	"github.com/vigilsec/vigil/store"
	"github.com/vigilsec/vigil/winlog"
)

const serveUsage = `usage: vigil serve [flags]

Runs vigil as a service. Shippers (Winlogbeat, Elastic Agent, Filebeat, the
Elasticsearch clients, curl) send events to it as they would to
Elasticsearch (_bulk, _doc, _create); every rule runs on every event as it
arrives; alerts are stored and served by the API:

  GET   /api/alerts?status=&severity=&rule_id=&host=&user=&from=&to=&q=&size=&after=
  GET   /api/alerts/{id}      PATCH /api/alerts/{id} {"status": "closed", "reason": "false_positive"}
  GET   /api/rules            GET /api/stats        GET /healthz        GET /metrics
  GET   /api/alerts/_groups?by=rule|host&...          GET /api/alerts/{id}/context
  GET   /api/coverage         GET /api/coverage/navigator[?of=alerts]

A browser opening the address (http://127.0.0.1:9200/) gets the analyst's
page: the alerts, their detail and investigation guide, triage, the ATT&CK
coverage and the rules. The service keeps each host's latest events
(--recent-events, --recent-hosts) for the page's process ancestry and host
timeline.

A request is acknowledged only once its events are in the write-ahead log
under --data; after a crash the log is replayed and no alert is stored twice.
SIGHUP or POST /api/rules/_reload reads the rules again; unchanged rules keep
their state, and if a rule fails to compile the running rules are kept.

Every flag can also be set in a TOML file (--config; keys are the flag names,
e.g. listen = "0.0.0.0:9200", rules = ["rules/"]) or in the environment as
VIGIL_<FLAG> (VIGIL_LISTEN, VIGIL_API_KEY, ...); flags win over the
environment, which wins over the file.

With --kafka-brokers and --kafka-topic the instance is also a member of a
Kafka consumer group: the instances of one group split the topic's
partitions (events keyed by host), each partition evaluated by its own
engine, offsets committed only past what the rules' state no longer
needs. --kafka-alerts-topic sends every alert to a topic (keyed by alert
id); --kafka-alerts-consume makes an instance store them all.
`

type serveCmd struct{}

func (serveCmd) Name() string { return "serve" }
func (serveCmd) Synopsis() string {
	return "run as a service: Elasticsearch-compatible ingest, alert store and API"
}

func (serveCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("serve", serveUsage)
	var cfg server.Config
	var rules, apiKeys, users stringList
	var configFile, durability, logLevel, logCompression string
	fs.StringVar(&configFile, "config", "", "TOML configuration `file`")
	fs.Var(&rules, "rules", "rule `path` (TOML or Sigma YAML file, or folder; repeatable); default: the built-in pack")
	fs.StringVar(&cfg.DataDir, "data", "vigil-data", "`directory` for the write-ahead log and the alert store")
	fs.StringVar(&cfg.Listen, "listen", "127.0.0.1:9200", "`address` to listen on")
	fs.StringVar(&durability, "durability", "request", "acknowledge ingest after the log is synced to disk (request) or once written, synced every second (async)")
	fs.DurationVar(&cfg.Lateness, "lateness", 5*time.Second, "how late an event may arrive and still be put in time order")
	fs.DurationVar(&cfg.IdleTimeout, "idle-timeout", 30*time.Second, "after this long without events, event time moves on with the wall clock (so sequences and thresholds close)")
	fs.DurationVar(&cfg.StateHorizon, "state-horizon", 10*time.Minute, "the longest rule state rebuilt from the log after a restart: the log keeps that much input (older state, e.g. new terms history, restarts empty after a crash)")
	fs.Int64Var(&cfg.WALMaxBytes, "log-max-bytes", 8<<30, "bound on the write-ahead log in bytes; ingest is refused with 429 beyond it (with --state-horizon it bounds the sustained rate)")
	fs.StringVar(&logCompression, "log-compression", "s2", "how write-ahead log records are compressed: s2 (fast), zstd (smaller, more CPU) or none; --log-max-bytes counts compressed bytes")
	fs.Int64Var(&cfg.MaxContentLength, "max-content-length", 100<<20, "largest request body in bytes (http.max_content_length)")
	fs.Var(&apiKeys, "api-key", "accepted API `key` (id:key, or the base64 form clients send; repeatable)")
	fs.Var(&users, "user", "accepted basic-auth `user:password` (repeatable)")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "allow a non-loopback address without authentication")
	fs.StringVar(&cfg.TLSCert, "tls-cert", "", "TLS certificate `file` (PEM)")
	fs.StringVar(&cfg.TLSKey, "tls-key", "", "TLS key `file` (PEM)")
	fs.DurationVar(&cfg.Retention, "retention", 0, "delete alerts older than this (0: keep)")
	fs.IntVar(&cfg.MaxAlerts, "max-alerts", 0, "keep only the newest this many alerts (0: all)")
	fs.StringVar(&cfg.OutputJSONL, "output", "", "also write new alerts as JSON lines to `file` (- for standard output)")
	fs.StringVar(&cfg.Webhook, "webhook", "", "also POST each new alert (a JSON document) to this `URL`, with retries")
	fs.StringVar(&logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.BoolVar(&cfg.Pprof, "pprof", false, "serve Go's profiles under /debug/pprof/ (for performance work)")
	var kafkaBrokers string
	fs.StringVar(&kafkaBrokers, "kafka-brokers", "", "consume events from Kafka: seed brokers `host:port,...` (with --kafka-topic)")
	fs.StringVar(&cfg.Kafka.Topic, "kafka-topic", "", "Kafka `topic` of events (ECS or raw winlog JSON, one document per record, keyed by host)")
	fs.StringVar(&cfg.Kafka.Group, "kafka-group", "vigil", "Kafka consumer `group`: the instances in one group split the topic's partitions")
	fs.StringVar(&cfg.Kafka.Index, "kafka-index", "logs-kafka-default", "`index` of Kafka documents that name none (no _index, no data_stream, not a raw Windows record)")
	fs.StringVar(&cfg.Kafka.AlertsTopic, "kafka-alerts-topic", "", "also send every alert to this Kafka `topic`, keyed by alert id")
	fs.BoolVar(&cfg.Kafka.AlertsConsume, "kafka-alerts-consume", false, "store the alerts of --kafka-alerts-topic too: this instance holds every instance's alerts")
	fs.StringVar(&cfg.Kafka.AlertsGroup, "kafka-alerts-group", "", "consumer `group` of --kafka-alerts-consume (default: the --kafka-group name + \"-alerts-view\"; one per merged view)")
	fs.DurationVar(&cfg.Kafka.SessionTimeout, "kafka-session-timeout", 45*time.Second, "how long the group waits for a silent instance before its partitions go to the others")
	fs.IntVar(&cfg.Kafka.MaxRecordBytes, "kafka-max-record-bytes", 8<<20, "larger Kafka records are skipped and counted")
	fs.IntVar(&cfg.Engines, "engines", runtime.GOMAXPROCS(0), "engines evaluating rules in parallel, events partitioned by host (1: one engine); the alerts are the same")
	fs.IntVar(&cfg.RecentEvents, "recent-events", 256, "latest events kept per host for the page's ancestry and timeline (negative: none)")
	fs.IntVar(&cfg.RecentHosts, "recent-hosts", 512, "hosts whose recent events are kept; beyond it the host seen least recently is dropped")
	var maxPending int
	fs.IntVar(&maxPending, "max-pending", 0, "cap on each sequence rule's pending state (join keys; 0: the engine's default, 100,000); beyond it the oldest key is evicted and counted")
	var ff fidelityFlags
	ff.register(fs)
	var sf sigmaFlags
	sf.register(fs)
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageError("serve: unexpected argument %q (run 'vigil serve -h')", fs.Arg(0))
	}
	if err := applyConfig(fs, configFile, os.LookupEnv); err != nil {
		return usageError("serve: %v", err)
	}
	switch durability {
	case "request":
		cfg.Durability = store.Request
	case "async":
		cfg.Durability = store.Async
	default:
		return usageError("serve: --durability %q (want request or async)", durability)
	}
	c, err := store.ParseCompression(logCompression)
	if err != nil {
		return usageError("serve: --log-compression %q (want none, s2 or zstd)", logCompression)
	}
	cfg.WALCompression = c
	if kafkaBrokers != "" {
		cfg.Kafka.Brokers = strings.Split(kafkaBrokers, ",")
	}
	cfg.APIKeys = apiKeys
	for _, u := range users {
		name, pass, ok := strings.Cut(u, ":")
		if !ok || name == "" {
			return usageError("serve: --user %q (want user:password)", u)
		}
		if cfg.Users == nil {
			cfg.Users = map[string]string{}
		}
		cfg.Users[name] = pass
	}
	var level slog.Level
	if err := level.UnmarshalText([]byte(logLevel)); err != nil {
		return usageError("serve: --log-level %q", logLevel)
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))

	loaded, warns, errs := ff.loadRules(rules)
	for _, w := range warns {
		log.Warn("rule file", "warning", w.String())
	}
	for _, err := range errs {
		log.Error("rule file not loaded", "err", err)
	}
	loaded = ff.selectEnabled(loaded)
	loaded, _ = sf.selectStatus(loaded)
	placeholders, err := sf.placeholderValues()
	if err != nil {
		return usageError("serve: %v", err)
	}
	if ff.disabled > 0 && !ff.includeDisabled {
		log.Info("rules written with enabled = false do not run (--include-disabled runs them)", "rules", ff.disabled)
	}
	exceptions, err := ff.loadExceptions()
	if err != nil {
		return usageError("serve: %v", err)
	}
	srv, err := server.New(cfg, loaded, engine.Options{Aliases: winlog.Aliases, Exceptions: exceptions, MaxPending: maxPending, SigmaPlaceholders: placeholders}, log)
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("serve: %w", err)}
	}
	defer srv.Close()
	var loadMu sync.Mutex // a SIGHUP and a _reload may come at once; ff keeps what a load met
	srv.SetLoader(func() ([]*rule.Rule, *exception.Store, error) {
		loadMu.Lock()
		defer loadMu.Unlock()
		loaded, _, errs := ff.loadRules(rules)
		if len(errs) > 0 {
			return nil, nil, fmt.Errorf("%d rule files could not be loaded, the first: %v", len(errs), errs[0])
		}
		exceptions, err := ff.loadExceptions()
		if err != nil {
			return nil, nil, err
		}
		loaded, _ = sf.selectStatus(ff.selectEnabled(loaded))
		return loaded, exceptions, nil
	})
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	go func() {
		for range hup {
			if _, _, err := srv.Reload(ctx); err != nil {
				log.Error("reload refused", "err", err)
			}
		}
	}()
	rs, statuses := srv.RuleSet()
	bad := 0
	for _, st := range statuses {
		if st.State == engine.Failed {
			bad++
			log.Error("rule not compiled", "rule", st.Rule.Name, "err", st.Err)
		}
	}
	log.Info("rules loaded", "running", rs.Len(), "not running", len(statuses)-rs.Len(), "errors", bad)
	err = srv.ListenAndServe(ctx, func(a net.Addr) {
		log.Info("listening", "address", a.String(), "data", cfg.DataDir)
	})
	if err != nil {
		return &exitError{code: 1, err: fmt.Errorf("serve: %w", err)}
	}
	log.Info("stopping: evaluating what was acknowledged")
	return nil
}

// applyConfig sets the flags not given on the command line from the
// environment (VIGIL_<FLAG>, dashes as underscores) and then from a TOML
// file whose keys are flag names (dashes or underscores).
func applyConfig(fs *flag.FlagSet, file string, env func(string) (string, bool)) error {
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	var conf map[string]any
	if file != "" {
		data, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if err := toml.Unmarshal(data, &conf); err != nil {
			return fmt.Errorf("%s: %v", file, err)
		}
		for k := range conf {
			if fs.Lookup(strings.ReplaceAll(k, "_", "-")) == nil || k == "config" {
				return fmt.Errorf("%s: unknown setting %q", file, k)
			}
		}
	}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		if err != nil || set[f.Name] || f.Name == "config" {
			return
		}
		envName := "VIGIL_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v, ok := env(envName); ok {
			for _, part := range splitEnvList(f, v) {
				if e := fs.Set(f.Name, part); e != nil {
					err = fmt.Errorf("%s: %v", envName, e)
					return
				}
			}
			return
		}
		v, ok := conf[f.Name]
		if !ok {
			v, ok = conf[strings.ReplaceAll(f.Name, "-", "_")]
		}
		if !ok {
			return
		}
		vals := []any{v}
		if list, isList := v.([]any); isList {
			vals = list
		}
		for _, x := range vals {
			if e := fs.Set(f.Name, fmt.Sprint(x)); e != nil {
				err = fmt.Errorf("%s: %s: %v", file, f.Name, e)
				return
			}
		}
	})
	return err
}

// splitEnvList splits a repeatable flag's environment value on commas.
func splitEnvList(f *flag.Flag, v string) []string {
	if _, ok := f.Value.(*stringList); ok {
		return strings.Split(v, ",")
	}
	return []string{v}
}
