package winlog

import "github.com/vigilsec/vigil/event"

// JSONMapper builds the ECS document of a raw winlog JSON record again from
// its bytes (event.DocMapper), as Normalize does without KeepEventData: a
// reader that maps every record for the fields rules read keeps only the
// record's bytes, and the whole document is built for the few events that
// are written out (those that raise an alert).
var JSONMapper event.DocMapper = jsonMapper{}

type jsonMapper struct{}

// MapDoc decodes src and maps it in memory of its own.
func (jsonMapper) MapDoc(src []byte) *event.Doc {
	var rec Record
	d := new(event.Doc)
	if DecodeJSON(src, &rec) != nil {
		return d
	}
	if _, err := Normalize(&rec, d); err != nil {
		d.Reset()
	}
	return d
}
