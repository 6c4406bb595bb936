package source

import (
	"io"
	"time"

	"github.com/vigilsec/vigil/event"
)

// Options configure reading.
type Options struct {
	// Schema decodes JSON documents; register every field rules need
	// before reading.
	Schema *event.Schema
	// TimeField is the event time (default "@timestamp").
	TimeField string
	// Index names the index of events that carry neither _index nor
	// data_stream.* fields (the --index flag). Empty leaves it empty.
	Index string
	// From and To keep only events with From <= time < To (ns since the
	// epoch; 0 means unbounded). Events without a time are dropped when
	// either is set.
	From, To int64
	// Lateness is the per-input reorder window (default 5s).
	Lateness time.Duration
	// MaxWindow caps the events one input holds for reordering; beyond it
	// the oldest are released early and counted (Progress.Overflow). The
	// default shares a budget of 65,536 events among the inputs (at least
	// 1,024 each), which bounds the memory of a merge. Inputs are mostly in
	// order, so an early release rarely makes an event late.
	MaxWindow int
	// Winlog returns a function that normalises a raw winlog.* JSON record
	// (as Winlogbeat and Elastic Agent ship it before Elastic's pipelines)
	// into ECS and returns its index. It is called once per input, so the
	// function may keep state. Nil leaves such records as they are.
	Winlog func() WinlogFunc
	// RawWinlog forces (true) or forbids (false) treating JSON records as
	// raw winlog; nil detects it per record (see IsRawWinlog).
	RawWinlog *bool
	// OpenEVTX opens an EVTX file. Nil makes EVTX inputs an error.
	OpenEVTX func(path string) (DocReader, error)
	// Stdin is read for the input "-".
	Stdin io.Reader
	// Workers bounds how many inputs decode at once (default 2).
	Workers int
}

// WinlogFunc normalises one raw winlog JSON record into doc.
type WinlogFunc func(line []byte, doc *event.Doc) (index string, err error)

// config is Options resolved against the schema.
type config struct {
	opt                                 Options
	batch                               int // events per batch
	tsSlot, idxSlot                     int
	dsType, dsDataset, dsNamespace      int
	wlChannel, evCategory, evModule     int
	dsDatasetRaw, ecsVersion, evDataset int
}

func newConfig(opt Options) *config {
	if opt.TimeField == "" {
		opt.TimeField = "@timestamp"
	}
	if opt.Lateness == 0 {
		opt.Lateness = 5 * time.Second
	}

	if opt.Workers <= 0 {
		opt.Workers = 2
	}
	s := opt.Schema
	return &config{
		opt:    opt,
		tsSlot: s.Slot(opt.TimeField), idxSlot: s.Slot("_index"),
		dsType: s.Slot("data_stream.type"), dsDataset: s.Slot("data_stream.dataset"), dsNamespace: s.Slot("data_stream.namespace"),
		wlChannel: s.Slot("winlog.channel"), evCategory: s.Slot("event.category"), evModule: s.Slot("event.module"),
		ecsVersion: s.Slot("ecs.version"), evDataset: s.Slot("event.dataset"),
	}
}

// IsRawWinlog reports whether a decoded JSON event is a raw Windows record
// that Elastic's ingest pipelines have not mapped yet: it has
// winlog.channel but none of the fields the pipelines or agents add
// (event.category, event.module, event.dataset, data_stream.dataset,
// ecs.version).
func (c *config) isRawWinlog(ev *event.Event) bool {
	if c.opt.RawWinlog != nil {
		return *c.opt.RawWinlog
	}
	return ev.Get(c.wlChannel).Exists() && !ev.Get(c.evCategory).Exists() && !ev.Get(c.evModule).Exists() &&
		!ev.Get(c.evDataset).Exists() && !ev.Get(c.dsDataset).Exists() && !ev.Get(c.ecsVersion).Exists()
}

// decodeJSON decodes one JSON document (owned by ev) into ev.
func (c *config) decodeJSON(data []byte, ev *event.Event, path string, pos int64, unit string, names *indexNames, winlog *WinlogFunc) error {
	ev.Source, ev.Pos = path, pos
	if err := c.opt.Schema.Decode(data, ev); err != nil {
		return &RecordError{Path: path, Pos: pos, Unit: unit, Err: err}
	}
	if c.opt.Winlog != nil && c.isRawWinlog(ev) {
		d := ev.NewDoc()
		if *winlog == nil {
			*winlog = c.opt.Winlog()
		}
		index, err := (*winlog)(data, d)
		if err != nil {
			return &RecordError{Path: path, Pos: pos, Unit: unit, Err: err}
		}
		ev.OwnDoc(d)
		c.opt.Schema.LoadDoc(d, ev)
		ev.Index = index
	}
	c.finish(ev, names)
	return nil
}

// indexNames interns index names per reader, so that events do not hold
// strings pointing into their own storage and building the name of a data
// stream does not allocate per event.
type indexNames struct {
	m   map[string]string
	buf []byte
}

func (n *indexNames) intern(b []byte) string {
	if s, ok := n.m[string(b)]; ok {
		return s
	}
	if n.m == nil || len(n.m) > 4096 {
		n.m = make(map[string]string)
	}
	s := string(b)
	n.m[s] = s
	return s
}

// finish sets the event's time and index.
func (c *config) finish(ev *event.Event, names *indexNames) {
	ev.Time, _ = event.ParseTime(ev.Get(c.tsSlot))
	if ev.Index != "" {
		return
	}
	if v := ev.Get(c.idxSlot); v.Kind() == event.KindString {
		ev.Index = names.intern([]byte(v.Str()))
		return
	}
	t, ds, ns := ev.Get(c.dsType), ev.Get(c.dsDataset), ev.Get(c.dsNamespace)
	if t.Kind() == event.KindString && ds.Kind() == event.KindString && ns.Kind() == event.KindString {
		b := append(names.buf[:0], t.Str()...)
		b = append(b, '-')
		b = append(b, ds.Str()...)
		b = append(b, '-')
		b = append(b, ns.Str()...)
		names.buf = b
		ev.Index = names.intern(b)
		return
	}
	ev.Index = c.opt.Index
}

// keep applies the time filter.
func (c *config) keep(ev *event.Event) bool {
	if c.opt.From == 0 && c.opt.To == 0 {
		return true
	}
	if ev.Time == 0 {
		return false
	}
	return (c.opt.From == 0 || ev.Time >= c.opt.From) && (c.opt.To == 0 || ev.Time < c.opt.To)
}
