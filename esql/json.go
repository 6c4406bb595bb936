package esql

import (
	"math"
	"net/netip"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/event"
)

// AppendJSON appends a cell of type t as Elasticsearch's ES|QL response
// writes it: numbers and booleans bare, dates as ISO-8601 strings, a
// multi-value as an array, null as null.
func AppendJSON(dst []byte, v any, t Type) []byte {
	switch x := v.(type) {
	case nil:
		return append(dst, "null"...)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = AppendJSON(dst, e, t)
		}
		return append(dst, ']')
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		if t == TDate {
			return event.AppendJSONString(dst, FormatDate(x))
		}
		return strconv.AppendInt(dst, x, 10)
	case uint64:
		return strconv.AppendUint(dst, x, 10)
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, x, 'g', -1, 64)
	case string:
		return event.AppendJSONString(dst, x)
	case netip.Addr, time.Duration, Period:
		return event.AppendJSONString(dst, FormatValue(x, t))
	}
	return append(dst, "null"...)
}

// FromEvent converts an event value to a cell of type t, as Elasticsearch
// reads a document's field of that mapping: a value that does not
// convert is null; an array is a multi-value.
func FromEvent(v event.Value, t Type) any {
	switch v.Kind() {
	case event.KindArray:
		var out []any
		for _, e := range v.Array() {
			if c := FromEvent(e, t); c != nil {
				out = append(out, values(c)...)
			}
		}
		return mv(out)
	case event.KindMissing, event.KindNull, event.KindObject:
		return nil
	}
	switch t {
	case TKeyword, TText, TVersion:
		if v.Kind() == event.KindString {
			return v.Str()
		}
		return v.String()
	case TInt, TLong:
		switch v.Kind() {
		case event.KindInt:
			return v.Int()
		case event.KindFloat:
			return int64(v.Float())
		case event.KindString:
			if n, err := strconv.ParseInt(v.Str(), 10, 64); err == nil {
				return n
			}
		}
	case TUnsignedLong:
		if v.Kind() == event.KindInt && v.Int() >= 0 {
			return uint64(v.Int())
		}
	case TDouble:
		switch v.Kind() {
		case event.KindInt, event.KindFloat:
			return v.Float()
		case event.KindString:
			if f, err := strconv.ParseFloat(v.Str(), 64); err == nil {
				return f
			}
		}
	case TBool:
		switch v.Kind() {
		case event.KindBool:
			return v.Bool()
		case event.KindString:
			return v.Str() == "true"
		}
	case TDate:
		switch v.Kind() {
		case event.KindString:
			if ms, err := parseDate(v.Str()); err == nil {
				return ms
			}
		case event.KindInt:
			return v.Int()
		}
	case TIP:
		if v.Kind() == event.KindString {
			if a, err := netip.ParseAddr(v.Str()); err == nil {
				return a
			}
		}
	}
	return nil
}
