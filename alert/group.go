package alert

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"

	"github.com/vigilsec/vigil/event"
)

// Suppression is what alert suppression folded into an alert: the group's
// values of the rule's group_by fields, the time span of the suppressed
// alerts and how many there were (kibana.alert.suppression.*). The first
// alert of a group is kept and carries it.
type Suppression struct {
	Terms      []Term
	Start, End int64 // ns since the epoch
	// DocsCount is the number of alerts suppressed into this one (the
	// kept alert not counted).
	DocsCount int64
}

// isSequence reports whether the alert stands for several events: an EQL
// sequence, whose events Kibana writes as building-block alerts.
func (a *Alert) isSequence() bool { return a.Threshold == nil && len(a.Events) > 1 }

// buildingBlockID is the kibana.alert.uuid of the building-block alert of
// a sequence's i-th event.
func (a *Alert) buildingBlockID(i int) string {
	h := sha256.New()
	h.Write([]byte(a.ID))
	h.Write([]byte{0})
	h.Write(strconv.AppendInt(nil, int64(i), 10))
	return hex.EncodeToString(h.Sum(nil))
}

// writeHeader writes the fields every alert document starts with.
func (a *Alert) writeHeader(w *objWriter, id, reason string, originalTime int64) {
	ts := a.Time.UTC().Format("2006-01-02T15:04:05.000Z")
	w.str("@timestamp", ts)
	w.str("kibana.alert.uuid", id)
	w.str("kibana.alert.start", ts)
	w.str("kibana.alert.status", "active")
	w.str("kibana.alert.workflow_status", "open")
	w.key("kibana.alert.workflow_tags")
	w.buf = append(w.buf, "[]"...)
	w.str("kibana.alert.severity", a.Severity)
	w.num("kibana.alert.risk_score", int64(a.RiskScore))
	w.str("kibana.alert.reason", reason)
	if originalTime != 0 {
		w.str("kibana.alert.original_time", event.FormatTime(originalTime))
	}
}

// appendEventAncestor writes the ancestor entry of a source event.
func appendEventAncestor(dst []byte, f *Fields, ev *event.Event) []byte {
	dst = append(dst, `{"id":`...)
	dst = event.AppendJSONString(dst, f.EventID(ev))
	dst = append(dst, `,"index":`...)
	dst = event.AppendJSONString(dst, f.EventIndex(ev))
	return append(dst, `,"depth":0,"type":"event"}`...)
}

// appendSources writes where each event was read from: file and line or
// record number (vigil.sources).
func appendSources(dst []byte, events []*event.Event) []byte {
	dst = append(dst, '[')
	n := 0
	for _, ev := range events {
		if ev == nil || ev.Source == "" {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = append(dst, `{"path":`...)
		dst = event.AppendJSONString(dst, ev.Source)
		dst = append(dst, `,"position":`...)
		dst = strconv.AppendInt(dst, ev.Pos, 10)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// AppendDocuments appends every document Kibana writes for the alert, one
// JSON object per line: for a sequence, a building-block alert per event
// (kibana.alert.building_block_type "default", linked to the sequence by
// kibana.alert.group.id and ordered by kibana.alert.group.index), then the
// shell alert; for any other alert, the alert alone.
func (a *Alert) AppendDocuments(f *Fields, dst []byte) []byte {
	if a.isSequence() {
		for i, ev := range a.Events {
			if ev != nil {
				dst = a.appendBuildingBlock(f, dst, i, ev)
				dst = append(dst, '\n')
			}
		}
	}
	dst = a.AppendJSON(f, dst)
	return append(dst, '\n')
}

// appendBuildingBlock writes the building-block alert of a sequence's i-th
// event: an alert of depth 1 whose only ancestor is the event.
func (a *Alert) appendBuildingBlock(f *Fields, dst []byte, i int, ev *event.Event) []byte {
	w := objWriter{buf: dst}
	w.openDoc()
	a.writeHeader(&w, a.buildingBlockID(i), a.reasonFor(f, ev, f.Str(ev, "host.name"), f.Str(ev, "user.name"), 1), ev.Time)
	w.num("kibana.alert.depth", 1)
	w.str("kibana.alert.building_block_type", "default")
	w.str("kibana.alert.group.id", a.GroupID)
	w.num("kibana.alert.group.index", int64(i))
	a.writeRule(&w)
	w.key("kibana.alert.ancestors")
	w.buf = append(w.buf, '[')
	w.buf = appendEventAncestor(w.buf, f, ev)
	w.buf = append(w.buf, ']')
	w.key("vigil.sources")
	w.buf = appendSources(w.buf, []*event.Event{ev})
	w.source(ev.AppendJSON(nil), nil)
	w.closeAlert()
	return w.buf
}

// writeSuppression writes kibana.alert.suppression.*.
func (a *Alert) writeSuppression(w *objWriter) {
	s := a.Suppression
	w.key("kibana.alert.suppression.terms")
	w.buf = appendTerms(w.buf, s.Terms)
	w.str("kibana.alert.suppression.start", event.FormatTime(s.Start))
	w.str("kibana.alert.suppression.end", event.FormatTime(s.End))
	w.num("kibana.alert.suppression.docs_count", s.DocsCount)
}

// appendTerms writes terms as [{"field":...,"value":...}].
func appendTerms(dst []byte, terms []Term) []byte {
	return appendObjects(dst, len(terms), func(o *objWriter, i int) {
		o.str("field", terms[i].Field)
		o.key("value")
		o.buf = terms[i].Value.AppendJSON(o.buf)
	})
}
