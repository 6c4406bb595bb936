package winlog

import (
	"errors"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/jsonscan"
)

// isWinlogKey reports whether a top-level key names winlog or a field
// below it ("winlog.api"): fields there that DecodeJSON does not know are
// dropped, as the pipelines rebuild winlog.* from what they know.
func isWinlogKey(k string) bool {
	return k == "winlog" || strings.HasPrefix(k, "winlog.")
}

// path returns the dotted path of member k of the object at trie node n.
func (d *jdecoder) path(n *jnode, k string) string {
	if n == jroot {
		return k
	}
	return d.concat(n.path, k)
}

// shipper keeps the value at d.Pos, a member the shipper wrote outside
// winlog.* (host.id, agent.*, tags, ...), under key in rec.Shipper:
// objects as their dotted leaves, arrays of scalars as arrays. Nulls and
// arrays holding objects are dropped: a Doc has no arrays of objects, and
// no Windows rule reads one from the shipper.
func (d *jdecoder) shipper(key string, depth int) error {
	switch key {
	case "event.category", "event.module", "event.ingested":
		d.rec.Mapped = true
	}
	switch d.Data[d.Pos] {
	case '{':
		return d.Object(depth, func(k string) error { return d.shipper(d.concat(key, k), depth+1) })
	case '[':
		return d.shipperArray(key, depth)
	}
	v, err := d.shipperScalar()
	if err != nil || v.Kind() == event.KindMissing {
		return err
	}
	d.rec.Shipper = append(d.rec.Shipper, ShipperField{Key: key, Value: v})
	return nil
}

// errNotScalars stops shipperArray at an element that is an object or an
// array.
var errNotScalars = errors.New("not an array of scalars")

// shipperArray keeps an array of scalars; see shipper.
func (d *jdecoder) shipperArray(key string, depth int) error {
	start := d.Pos
	var vals []event.Value
	err := d.Array(depth, func() error {
		if c := d.Data[d.Pos]; c == '{' || c == '[' {
			return errNotScalars
		}
		v, err := d.shipperScalar()
		if err == nil && v.Kind() != event.KindMissing {
			if vals == nil {
				vals = d.values()
			}
			vals = append(vals, v)
		}
		return err
	})
	if err == errNotScalars {
		// Drop the whole value.
		d.Pos = start
		return d.Skip(depth)
	}
	if err != nil {
		return err
	}
	if len(vals) > 0 {
		if free := d.rec.vals[len(d.rec.vals):]; cap(vals) == cap(free) {
			// vals grew in place: mark its elements used.
			d.rec.vals = d.rec.vals[:len(d.rec.vals)+len(vals)]
		}
		d.rec.Shipper = append(d.rec.Shipper, ShipperField{Key: key, Value: event.Array(vals...)})
	}
	return nil
}

// values returns an empty slice at the free end of the record's value
// buffer; appending to it never moves values already handed out.
func (d *jdecoder) values() []event.Value {
	if cap(d.rec.vals)-len(d.rec.vals) < 16 {
		d.rec.vals = make([]event.Value, 0, max(2*cap(d.rec.vals), 64))
	}
	return d.rec.vals[len(d.rec.vals):]
}

// shipperScalar decodes a scalar with its JSON type: a string, a long or a
// double, a boolean; null is the missing value.
func (d *jdecoder) shipperScalar() (event.Value, error) {
	k, s, err := d.Scalar()
	switch {
	case err != nil || k == jsonscan.Null:
		return event.Value{}, err
	case k == jsonscan.String:
		return event.Str(s), nil
	case k == jsonscan.True || k == jsonscan.False:
		return event.Bool(k == jsonscan.True), nil
	}
	if i, ok := jsonscan.Int(s); ok {
		return event.Int(i), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return event.Value{}, d.Fail("invalid number")
	}
	return event.Float(f), nil
}

// shipper writes the record's shipper fields that the mapping left unset,
// as Elastic's pipelines keep what they do not overwrite: host.id, host.ip,
// host.mac, host.os.*, agent.*, cloud.*, tags, the shipper's event.*;
// event.original is dropped unless tags hold "preserve_original_event",
// as the pipelines drop it.
func (n *Normalizer) shipper() {
	preserve := false
	if tags, ok := n.r.ShipperValue("tags"); ok {
		preserve = tags.Each(func(v event.Value) bool { return v.Str() == "preserve_original_event" })
	}
	for _, f := range n.r.Shipper {
		if f.Key == "event.original" && !preserve {
			continue
		}
		if !n.has(f.Key) {
			n.d.Set(f.Key, f.Value)
		}
	}
}

// maxIndices bounds the data stream names a Normalizer remembers.
const maxIndices = 1024

// index returns the data stream of a record of kind k: the one Elastic
// Agent writes it to, in the namespace the shipper gave
// (data_stream.namespace), "default" when it gave none. The document's
// data_stream.namespace says the same.
func (n *Normalizer) index(k kind) string {
	v, ok := n.r.ShipperValue("data_stream.namespace")
	if !ok || v.Kind() != event.KindString || v.Str() == "default" || v.Str() == "" {
		return kindIndex[k]
	}
	ns := v.Str()
	n.setOut(oStreamNamespace, v)
	key := nsKey{k, ns}
	if idx, ok := n.indices[key]; ok {
		return idx
	}
	idx := "logs-" + kindDataset[k] + "-" + ns
	if n.indices == nil || len(n.indices) >= maxIndices {
		n.indices = map[nsKey]string{}
	}
	n.indices[key] = idx
	return idx
}

// nsKey names a data stream by kind and namespace.
type nsKey struct {
	k  kind
	ns string
}
