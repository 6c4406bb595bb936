package server

import (
	"github.com/vigilsec/vigil/engine"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

// decoder turns ingested documents into events as a hunt decodes a file's
// (input.RecordDecoder: ECS documents as they are, raw Windows records
// mapped to ECS), under the index the request named and the id the client
// gave.
type decoder struct {
	rec *input.RecordDecoder
}

func newDecoder(s *event.Schema) *decoder {
	return &decoder{rec: input.NewOpener(input.Options{Schema: s}).NewRecordDecoder("_bulk")}
}

// newRuleDecoder is newDecoder for a rule set: Sigma rules read the raw
// event data of Windows records (input.Options.KeepEventData).
func newRuleDecoder(rs *engine.RuleSet) *decoder {
	opt := input.Options{Schema: rs.Schema(), KeepEventData: rs.HasSigma()}
	return &decoder{rec: input.NewOpener(opt).NewRecordDecoder("_bulk")}
}

// decode decodes a document sent to index with the id the client gave it
// ("" for none); pos (the log record's number) places it in messages.
func (d *decoder) decode(pos int64, src []byte, index, id string, ev *event.Event) error {
	if err := d.rec.DecodeIndexed(pos, src, index, ev); err != nil {
		return err
	}
	ev.ID = id
	return nil
}
