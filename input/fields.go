package input

import (
	"fmt"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// Opener opens inputs with one set of Options resolved against the schema.
// It is safe for use by several goroutines.
type Opener struct {
	opt                             Options
	tsSlot, idxSlot                 int
	dsType, dsDataset, dsNamespace  int
	wlChannel, evCategory, evModule int
	evIngested                      int
	counters                        *Counters
	// raw decodes raw winlog events again for their snapshots.
	raw *rawRestorer
}

// NewOpener resolves opt.
func NewOpener(opt Options) *Opener {
	if opt.TimeField == "" {
		opt.TimeField = "@timestamp"
	}
	if opt.MaxRecord <= 0 {
		opt.MaxRecord = DefaultMaxRecord
	}
	if opt.MaxStreamEVTX <= 0 {
		opt.MaxStreamEVTX = 1 << 30
	}
	if opt.Schema == nil {
		opt.Schema = event.NewSchema()
	}
	c := opt.Counters
	if c == nil {
		c = new(Counters)
	}
	s := opt.Schema
	if opt.KeepEventData {
		// Rules that read whole records read their messages too:
		// unescaped once, as decoded, not at every read.
		s.UnescapeAll()
	}
	o := &Opener{
		opt: opt, counters: c,
		tsSlot: s.Slot(opt.TimeField), idxSlot: s.Slot("_index"),
		dsType: s.Slot("data_stream.type"), dsDataset: s.Slot("data_stream.dataset"), dsNamespace: s.Slot("data_stream.namespace"),
		wlChannel: s.Slot("winlog.channel"), evCategory: s.Slot("event.category"), evModule: s.Slot("event.module"),
		evIngested: s.Slot("event.ingested"),
	}
	o.raw = &rawRestorer{o: o}
	return o
}

// Options returns the options o was made with, defaults resolved.
func (o *Opener) Options() Options { return o.opt }

// Quiet returns a copy of the opener that counts nothing and warns of
// nothing, for reading an input ahead of time (order peeks at each
// input's first events) without counting what will be read again.
func (o *Opener) Quiet() *Opener {
	q := *o
	q.counters = new(Counters)
	q.opt.Counters = q.counters
	q.opt.Warn = nil
	return &q
}

// Peeker returns a quiet copy of the opener (see Quiet) whose events hold
// nothing but what their time and index need: it decodes no other field,
// for learning cheaply when an input starts (order peeks at each input's
// first events before reading it). Times and indexes are those the
// opener gives.
func (o *Opener) Peeker() *Opener {
	opt := o.opt
	opt.Schema = event.NewSchema()
	opt.Counters, opt.Warn = nil, nil
	return NewOpener(opt)
}

// isRawWinlog reports whether a decoded JSON event is a raw Windows record
// that Elastic's ingest pipelines have not mapped yet.
func (o *Opener) isRawWinlog(ev *event.Event) bool {
	if o.opt.RawWinlog != nil {
		return *o.opt.RawWinlog
	}
	// Shippers add ecs.version, data_stream.* and event.dataset to the raw
	// records they send (Winlogbeat 8, Elastic Agent): only the fields the
	// ingest pipelines add say a record was mapped.
	return ev.Get(o.wlChannel).Exists() && !ev.Get(o.evCategory).Exists() && !ev.Get(o.evModule).Exists() &&
		!ev.Get(o.evIngested).Exists()
}

// recordState is what a reader keeps per input for finishing events.
type recordState struct {
	path     string
	names    indexNames
	badTimes int
	unit     string
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

// finish sets the event's time and index. A time field that is present but
// cannot be read or represented leaves the time 0 and the field as it was;
// it is counted and the first few per input are reported.
func (o *Opener) finish(ev *event.Event, st *recordState) {
	if o.stamp(ev, &st.names) {
		o.badTime(ev, st)
	}
}

// stamp is finish without what keeps per-input state in input order (the
// count of bad times): it may run on several goroutines, each with its
// own names. It reports a time that is present but cannot be read, for
// badTime.
func (o *Opener) stamp(ev *event.Event, names *indexNames) (badTime bool) {
	v := ev.Get(o.tsSlot)
	var ok bool
	ev.Time, ok = event.ParseTime(v)
	badTime = !ok && v.Exists() && !v.IsNull()
	if ev.Index != "" {
		return badTime
	}
	if v := ev.Get(o.idxSlot); v.Kind() == event.KindString {
		ev.Index = names.intern([]byte(v.Str()))
		return badTime
	}
	t, ds, ns := ev.Get(o.dsType), ev.Get(o.dsDataset), ev.Get(o.dsNamespace)
	if t.Kind() == event.KindString && ds.Kind() == event.KindString && ns.Kind() == event.KindString {
		b := append(names.buf[:0], t.Str()...)
		b = append(b, '-')
		b = append(b, ds.Str()...)
		b = append(b, '-')
		b = append(b, ns.Str()...)
		names.buf = b
		ev.Index = names.intern(b)
		return badTime
	}
	ev.Index = o.opt.Index
	return badTime
}

// badTime counts an event whose time stamp could not be read, and reports
// the first few of an input.
func (o *Opener) badTime(ev *event.Event, st *recordState) {
	o.counters.BadTimes.Add(1)
	st.badTimes++
	if st.badTimes <= maxTimeWarnings && o.opt.Warn != nil {
		v := ev.Get(o.tsSlot)
		msg := fmt.Sprintf("%s %s is not a time between the years 1678 and 2262; the event keeps it and is ordered as 1970-01-01", o.opt.TimeField, v.AppendJSON(nil))
		if st.badTimes == maxTimeWarnings {
			msg += " (further bad times in this input are only counted)"
		}
		o.opt.Warn(&RecordError{Path: st.path, Pos: ev.Pos, Unit: st.unit, Err: fmt.Errorf("%s", msg)})
	}
}

// normalizer returns a Normalizer for Windows records, keeping their
// event data when the options say so.
func (o *Opener) normalizer() *winlog.Normalizer {
	n := winlog.NewNormalizer()
	n.KeepEventData = o.opt.KeepEventData
	return n
}
