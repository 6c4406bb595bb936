package server

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"time"

	"github.com/vigilsec/vigil/store"
)

// Config configures a server. The zero value of a field means its default
// (see Defaults).
type Config struct {
	Listen  string // host:port (127.0.0.1:9200)
	DataDir string // the log and the alert store (./vigil-data)

	Durability store.Durability // when an ingest request is acknowledged
	// WALMaxBytes bounds the log: more is refused with 429 (8 GiB). It
	// bounds the carry log too (see carry), whose writes, when it is
	// full, hold the log's checkpoint back.
	WALMaxBytes int64
	// WALCompression is how log records are compressed (S2); WALMaxBytes
	// counts the compressed bytes.
	WALCompression store.Compression
	// StateHorizon is the longest rule state rebuilt after a restart
	// (10m): the carry log keeps that much of the events rule state was
	// built from (a few % of the input); the log itself keeps only what
	// is not yet evaluated.
	StateHorizon time.Duration

	Lateness    time.Duration // how late an event may come and still be put in order (5s)
	IdleTimeout time.Duration // a quiet stream's event time moves on by the wall clock after this (30s)
	MaxBuffered int           // events held for ordering (65,536)
	Backlog     int           // log records waiting for the engine before ingest is refused with 429 (64)
	// MaxBufferedBytes bounds the memory of the events held for ordering
	// (512 MiB): past it, as past MaxBuffered, the oldest is evaluated
	// early. Held events are compact copies (Event.Clone), counted by
	// an estimate of their heap (heldSize: about 11.6 KB a raw winlog
	// record). BacklogBytes bounds the memory of the records waiting for
	// the engine (decoded events and request bodies, 64 MiB): past it,
	// as past Backlog, ingest is refused with 429. Events not held are
	// counted there by event.Footprint, their owned storage; the heap
	// such an event holds is about three times that.
	MaxBufferedBytes int64
	BacklogBytes     int64
	// CarryPendingBytes bounds the memory of the touched events waiting
	// for the carry log (see carry; 256 MiB, counted as held copies are):
	// they are written when the log's checkpoint moves, and pile up only
	// when the carry log cannot be written; past the bound, ingest is
	// refused with 429.
	CarryPendingBytes int64
	// Engines evaluate rules in parallel, events partitioned by host
	// (engine.Parallel); 1 runs one engine (default: GOMAXPROCS).
	Engines int

	MaxContentLength int64         // request body bound, as Elasticsearch's http.max_content_length (100 MB)
	ReadTimeout      time.Duration // slow clients are cut off (60s)

	// Authentication: API keys (Authorization: ApiKey base64(id:key) or
	// the encoded key itself) and basic auth users (user -> password).
	APIKeys   []string
	Users     map[string]string
	Insecure  bool // allow a non-loopback address without authentication
	TLSCert   string
	TLSKey    string
	Retention time.Duration // alerts older than this are deleted (0: kept)
	MaxAlerts int           // the newest this many alerts are kept (0: all)

	// Outputs besides the store: new alerts as JSON lines to a file ("-":
	// standard output), and POSTed to a webhook URL.
	OutputJSONL string
	Webhook     string

	// RecentEvents is how many of each host's latest events the service
	// keeps for the page's ancestry and timeline (256; negative: none),
	// RecentHosts for how many hosts (512; the least recently seen goes).
	RecentEvents int
	RecentHosts  int

	// Pprof serves Go's profiles under /debug/pprof/ (behind the same
	// authentication), for performance work.
	Pprof bool

	// Kafka, when it names brokers, makes the server a member of a
	// consumer group on an events topic besides taking _bulk.
	Kafka KafkaConfig

	// Version is the Elasticsearch version the root endpoint reports when
	// the client does not say which it speaks.
	Version string
}

// Defaults fills the zero fields of c.
func (c *Config) Defaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	if c.Listen == "" {
		c.Listen = "127.0.0.1:9200"
	}
	if c.DataDir == "" {
		c.DataDir = "vigil-data"
	}
	if c.WALMaxBytes <= 0 {
		c.WALMaxBytes = 8 << 30
	}
	def(&c.StateHorizon, 10*time.Minute)
	def(&c.Lateness, 5*time.Second)
	def(&c.IdleTimeout, 30*time.Second)
	def(&c.ReadTimeout, time.Minute)
	if c.MaxBuffered <= 0 {
		c.MaxBuffered = 65_536
	}
	if c.Backlog <= 0 {
		// Each waiting record holds its request's body: 64 of a few
		// hundred documents keep the engine busy for seconds.
		c.Backlog = 64
	}
	if c.MaxBufferedBytes <= 0 {
		c.MaxBufferedBytes = 512 << 20
	}
	if c.CarryPendingBytes <= 0 {
		c.CarryPendingBytes = 256 << 20
	}
	if c.BacklogBytes <= 0 {
		c.BacklogBytes = 64 << 20
	}
	if c.Engines <= 0 {
		c.Engines = runtime.GOMAXPROCS(0)
	}
	if c.RecentEvents == 0 {
		c.RecentEvents = 256
	}
	if c.RecentHosts <= 0 {
		c.RecentHosts = 512
	}
	if c.MaxContentLength <= 0 {
		c.MaxContentLength = 100 << 20
	}
	if c.Version == "" {
		c.Version = "8.17.0"
	}
	c.Kafka.defaults()
}

// Check reports a configuration the server refuses: a non-loopback
// address without authentication (unless Insecure), half a TLS pair.
func (c *Config) Check() error {
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("TLS needs both a certificate and a key")
	}
	if err := c.Kafka.check(); err != nil {
		return err
	}
	host, _, err := net.SplitHostPort(c.Listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %v", c.Listen, err)
	}
	if len(c.APIKeys) == 0 && len(c.Users) == 0 && !c.Insecure && !loopback(host) {
		return fmt.Errorf("listen address %q is not loopback and no API key or user is configured (add one, or --insecure)", c.Listen)
	}
	return nil
}

func loopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
