package alert

import (
	"bytes"
	"strconv"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// AppendJSON appends the alert document as Kibana writes it to
// .alerts-security.alerts-*: the kibana.* fields (dotted keys, as Kibana
// stores them), then the source event's own fields. For a sequence this is
// the shell alert: the fields every event shares are kept at the top
// level, and the events, in order, go under vigil.group.events; Kibana
// writes each event as a building-block alert of its own (see
// AppendDocuments).
func (a *Alert) AppendJSON(f *Fields, dst []byte) []byte {
	w := objWriter{buf: dst}
	w.openDoc()
	seq := a.isSequence()
	a.writeHeader(&w, a.ID, a.Reason, a.OriginalTime)
	depth := int64(1)
	if seq {
		depth = 2
	}
	w.num("kibana.alert.depth", depth)
	if a.Rule.BuildingBlockType != "" {
		w.str("kibana.alert.building_block_type", a.Rule.BuildingBlockType)
	}
	if a.GroupID != "" {
		w.str("kibana.alert.group.id", a.GroupID)
	}
	a.writeRule(&w)
	w.key("kibana.alert.ancestors")
	w.buf = append(w.buf, '[')
	n := 0
	for _, ev := range a.Events {
		if ev == nil {
			continue
		}
		if n > 0 {
			w.buf = append(w.buf, ',')
		}
		n++
		w.buf = appendEventAncestor(w.buf, f, ev)
	}
	if seq {
		// The shell's ancestors are also its building-block alerts.
		for i, ev := range a.Events {
			if ev == nil {
				continue
			}
			w.buf = append(w.buf, `,{"id":`...)
			w.buf = event.AppendJSONString(w.buf, a.buildingBlockID(i))
			w.buf = append(w.buf, `,"index":"`+AlertsIndex+`","depth":1,"type":"signal","rule":`...)
			w.buf = event.AppendJSONString(w.buf, RuleUUID(a.Rule))
			w.buf = append(w.buf, '}')
		}
	}
	w.buf = append(w.buf, ']')
	// Where each event was read from: file and line or record number.
	w.key("vigil.sources")
	w.buf = appendSources(w.buf, a.Events)
	if len(a.Keys) > 0 {
		w.key("vigil.group.keys")
		w.buf = event.Array(a.Keys...).AppendJSON(w.buf)
	}
	if a.Threshold != nil {
		a.writeThreshold(&w)
	}
	if len(a.Enrichments) > 0 {
		w.key("threat.enrichments")
		w.buf = append(w.buf, '[')
		for i, en := range a.Enrichments {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			w.buf = append(w.buf, `{"indicator":`...)
			w.buf = append(w.buf, en.Indicator...)
			w.buf = append(w.buf, `,"matched":{"atomic":`...)
			w.buf = event.AppendJSONString(w.buf, en.Atomic)
			w.buf = append(w.buf, `,"field":`...)
			w.buf = event.AppendJSONString(w.buf, en.Field)
			w.buf = append(w.buf, `,"id":`...)
			w.buf = event.AppendJSONString(w.buf, en.ID)
			w.buf = append(w.buf, `,"index":`...)
			w.buf = event.AppendJSONString(w.buf, en.Index)
			w.buf = append(w.buf, `,"type":"indicator_match_rule"}}`...)
		}
		w.buf = append(w.buf, ']')
	}
	if a.Suppression != nil {
		a.writeSuppression(&w)
	}
	if a.NewTerms != nil {
		w.key("kibana.alert.new_terms")
		w.buf = event.Array(a.NewTerms...).AppendJSON(w.buf)
	}
	var docs [][]byte
	for _, ev := range a.Events {
		if ev != nil {
			docs = append(docs, ev.AppendJSON(nil))
		}
	}
	switch {
	case len(a.Events) == 1 && len(docs) == 1:
		w.source(docs[0], nil)
	case len(docs) > 1:
		w.source(docs[0], docs[1:])
		w.key("vigil.group.events")
		w.buf = append(w.buf, '[')
		i := 0
		for _, ev := range a.Events {
			if i > 0 {
				w.buf = append(w.buf, ',')
			}
			if ev == nil {
				w.buf = append(w.buf, "null"...)
			} else {
				w.buf = ev.AppendJSON(w.buf)
			}
			i++
		}
		w.buf = append(w.buf, ']')
	}
	w.closeAlert()
	return w.buf
}

// closeAlert ends an alert document, giving it event.kind "signal" when
// no source event object did.
func (w *objWriter) closeAlert() {
	if !w.seen["event"] {
		w.key("event")
		w.buf = append(w.buf, `{"kind":"signal"}`...)
	}
	w.close()
}

func (a *Alert) writeThreshold(w *objWriter) {
	t := a.Threshold
	w.key("kibana.alert.threshold_result")
	r := objWriter{buf: w.buf}
	r.open()
	r.key("terms")
	r.buf = appendTerms(r.buf, t.Terms)
	r.num("count", t.Count)
	r.str("from", event.FormatTime(t.From))
	if len(t.Cardinality) > 0 {
		r.key("cardinality")
		r.buf = appendObjects(r.buf, len(t.Cardinality), func(o *objWriter, i int) {
			o.str("field", t.Cardinality[i].Field)
			o.num("value", t.Cardinality[i].Value)
		})
	}
	r.close()
	w.buf = r.buf
	for _, term := range t.Terms {
		w.key(term.Field)
		w.buf = term.Value.AppendJSON(w.buf)
	}
}

func appendThreat(dst []byte, threats []rule.Threat) []byte {
	entry := func(dst []byte, id, name, ref string) []byte {
		dst = append(dst, `{"id":`...)
		dst = event.AppendJSONString(dst, id)
		dst = append(dst, `,"name":`...)
		dst = event.AppendJSONString(dst, name)
		dst = append(dst, `,"reference":`...)
		dst = event.AppendJSONString(dst, ref)
		return dst
	}
	dst = append(dst, '[')
	for i, t := range threats {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `{"framework":`...)
		dst = event.AppendJSONString(dst, t.Framework)
		dst = append(dst, `,"tactic":`...)
		dst = entry(dst, t.Tactic.ID, t.Tactic.Name, t.Tactic.Reference)
		dst = append(dst, `},"technique":[`...)
		for j, te := range t.Technique {
			if j > 0 {
				dst = append(dst, ',')
			}
			dst = entry(dst, te.ID, te.Name, te.Reference)
			dst = append(dst, `,"subtechnique":[`...)
			for k, s := range te.Subtechnique {
				if k > 0 {
					dst = append(dst, ',')
				}
				dst = entry(dst, s.ID, s.Name, s.Reference)
				dst = append(dst, '}')
			}
			dst = append(dst, "]}"...)
		}
		dst = append(dst, "]}"...)
	}
	return append(dst, ']')
}

// objWriter writes the members of one JSON object, remembering the keys it
// wrote so that a spliced source document cannot repeat them.
type objWriter struct {
	buf  []byte
	n    int
	seen map[string]bool
}

// open starts an object; openDoc starts an alert document, whose keys
// are remembered (see source).
func (w *objWriter) open()    { w.buf = append(w.buf, '{') }
func (w *objWriter) openDoc() { w.open(); w.seen = make(map[string]bool) }
func (w *objWriter) close()   { w.buf = append(w.buf, '}') }

func (w *objWriter) key(k string) {
	if w.n > 0 {
		w.buf = append(w.buf, ',')
	}
	w.n++
	if w.seen != nil {
		w.seen[k] = true
	}
	w.buf = event.AppendJSONString(w.buf, k)
	w.buf = append(w.buf, ':')
}

func (w *objWriter) str(k, v string) {
	w.key(k)
	w.buf = event.AppendJSONString(w.buf, v)
}

func (w *objWriter) num(k string, v int64) {
	w.key(k)
	w.buf = strconv.AppendInt(w.buf, v, 10)
}

func (w *objWriter) strs(k string, vs []string) {
	if len(vs) == 0 {
		return
	}
	w.key(k)
	w.buf = append(w.buf, '[')
	for i, v := range vs {
		if i > 0 {
			w.buf = append(w.buf, ',')
		}
		w.buf = event.AppendJSONString(w.buf, v)
	}
	w.buf = append(w.buf, ']')
}

// source splices the members of the source document doc. With others (the
// rest of a sequence), only members whose value is the same in every event
// are kept. The source's @timestamp is replaced by the alert's (it is kept
// as kibana.alert.original_time), its event object goes under
// kibana.alert.original_event too, and its own kibana.* members are dropped.
func (w *objWriter) source(doc []byte, others [][]byte) {
	var otherMembers []map[string][]byte
	for _, o := range others {
		m := make(map[string][]byte)
		_ = event.Members(o, func(k string, raw []byte) error {
			m[k] = raw
			return nil
		})
		otherMembers = append(otherMembers, m)
	}
	_ = event.Members(doc, func(k string, raw []byte) error {
		if k == "@timestamp" || k == "event.kind" || k == "kibana" || len(k) > 7 && k[:7] == "kibana." || w.seen[k] {
			return nil
		}
		for _, m := range otherMembers {
			if !bytes.Equal(m[k], raw) {
				return nil
			}
		}
		if k == "event" {
			if len(others) == 0 {
				w.key("kibana.alert.original_event")
				w.buf = append(w.buf, raw...)
			}
			w.key("event")
			w.eventObject(raw)
			return nil
		}
		w.key(k)
		w.buf = append(w.buf, raw...)
		return nil
	})
}

// eventObject writes a source's event object with kind set to "signal", as
// Kibana does for alerts (the original kind stays in original_event).
func (w *objWriter) eventObject(raw []byte) {
	w.buf = append(w.buf, `{"kind":"signal"`...)
	_ = event.Members(raw, func(k string, v []byte) error {
		if k == "kind" {
			return nil
		}
		w.buf = append(w.buf, ',')
		w.buf = event.AppendJSONString(w.buf, k)
		w.buf = append(w.buf, ':')
		w.buf = append(w.buf, v...)
		return nil
	})
	w.buf = append(w.buf, '}')
}
