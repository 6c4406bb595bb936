package server

import (
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/winlog"
)

// decoder turns ingested documents into events: ECS documents as they
// are, raw Windows records (winlog.* as Winlogbeat and Elastic Agent ship
// them, for Elasticsearch's pipeline to map) normalised to ECS as vigil
// hunt does.
type decoder struct {
	schema                          *event.Schema
	tsSlot                          int
	wlChannel, evCategory, evModule int
	evIngested                      int
	norm                            *winlog.Normalizer
	rec                             winlog.Record
}

func newDecoder(s *event.Schema) *decoder {
	return &decoder{
		schema: s, tsSlot: s.Slot("@timestamp"),
		wlChannel: s.Slot("winlog.channel"), evCategory: s.Slot("event.category"), evModule: s.Slot("event.module"),
		evIngested: s.Slot("event.ingested"),
		norm:       winlog.NewNormalizer(),
	}
}

// decode decodes a document (which ev then owns) sent to index with the
// id the client gave it ("" for none).
func (d *decoder) decode(src []byte, index, id string, ev *event.Event) error {
	if err := d.schema.Decode(src, ev); err != nil {
		return err
	}
	if d.rawWinlog(ev) {
		if err := winlog.DecodeJSON(src, &d.rec); err != nil {
			return err
		}
		doc := ev.NewDoc()
		if _, err := d.norm.Normalize(&d.rec, doc); err != nil {
			return err
		}
		ev.OwnDoc(doc)
		d.schema.LoadDoc(doc, ev)
	}
	ev.Index, ev.ID = index, id
	ev.Time, _ = event.ParseTime(ev.Get(d.tsSlot))
	return nil
}

// rawWinlog reports whether a document is a raw Windows record no
// pipeline has mapped: winlog.channel and none of the fields only the
// ingest pipelines add (event.category, event.module, event.ingested).
// Shippers add ecs.version, data_stream.* and event.dataset themselves, so
// those do not tell.
func (d *decoder) rawWinlog(ev *event.Event) bool {
	return ev.Get(d.wlChannel).Exists() && !ev.Get(d.evCategory).Exists() && !ev.Get(d.evModule).Exists() &&
		!ev.Get(d.evIngested).Exists()
}
