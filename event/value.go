package event

import (
	"math"
	"strconv"
	"unsafe"
)

// Kind is the type of a Value.
type Kind uint8

// The kinds of values a field can hold. KindMissing is the zero Kind: the
// field is absent from the event. KindObject marks a field whose value is a
// JSON object that was not decoded further.
const (
	KindMissing Kind = iota
	KindNull
	KindBool
	KindInt
	KindFloat
	KindString
	KindArray
	KindObject
)

var kindNames = [...]string{"missing", "null", "bool", "int", "float", "string", "array", "object"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Value is a field value: a scalar, or an array of scalars. The zero Value is
// a missing field. Values are small and passed by value; an array's elements
// live in storage owned by the Event or Doc that holds it.
//
// A Value is 32 bytes: a string's bytes and an array's elements share one
// pointer and length (an array's capacity is its length), so that an
// event's values take fewer cache lines to write and to scan.
type Value struct {
	p unsafe.Pointer // a string's bytes or an array's first element; see str and arr
	l int            // their length
	n uint64
	k Kind
}

// str returns the bytes of a string value as they are held (still
// escaped for an escapedString).
func (v *Value) str() string { return unsafe.String((*byte)(v.p), v.l) }

// arr returns the elements of an array value, nil when it has none.
func (v *Value) arr() []Value {
	if v.p == nil {
		return nil
	}
	return unsafe.Slice((*Value)(v.p), v.l)
}

// setStr makes v's bytes those of s.
func (v *Value) setStr(s string) { v.p, v.l = unsafe.Pointer(unsafe.StringData(s)), len(s) }

// setArr makes v's elements a, sharing them.
func (v *Value) setArr(a []Value) { v.p, v.l = unsafe.Pointer(unsafe.SliceData(a)), len(a) }

// strValue returns a string value holding s.
func strValue(s string) Value {
	return Value{k: KindString, p: unsafe.Pointer(unsafe.StringData(s)), l: len(s)}
}

// arrValue returns an array value holding a.
func arrValue(a []Value) Value {
	return Value{k: KindArray, p: unsafe.Pointer(unsafe.SliceData(a)), l: len(a)}
}

// Null returns the JSON null value.
func Null() Value { return Value{k: KindNull} }

// Str returns a string value.
func Str(s string) Value { return strValue(s) }

// Int returns an integer value.
func Int(i int64) Value { return Value{k: KindInt, n: uint64(i)} }

// Float returns a floating-point value.
func Float(f float64) Value { return Value{k: KindFloat, n: math.Float64bits(f)} }

// Bool returns a boolean value.
func Bool(b bool) Value {
	v := Value{k: KindBool}
	if b {
		v.n = 1
	}
	return v
}

// Array returns an array value holding vs (not copied). Nested arrays are
// not flattened here; the decoder flattens them as Elasticsearch does.
func Array(vs ...Value) Value { return arrValue(vs) }

// Object returns a value that marks a present JSON object.
func Object() Value { return Value{k: KindObject} }

// Kind returns the value's kind.
func (v Value) Kind() Kind { return v.k }

// Exists reports whether the field is present with a non-null value. An
// empty array does not exist, as in Elasticsearch.
func (v Value) Exists() bool {
	switch v.k {
	case KindMissing, KindNull:
		return false
	case KindArray:
		for _, e := range v.arr() {
			if e.Exists() {
				return true
			}
		}
		return false
	}
	return true
}

// IsNull reports whether the value is missing or null.
func (v Value) IsNull() bool { return v.k == KindMissing || v.k == KindNull }

// Str returns the string of a string value, and "" otherwise.
func (v Value) Str() string {
	if v.k != KindString {
		return ""
	}
	if v.n != 0 {
		return v.unescape() // see escapedString
	}
	return v.str()
}

// Int returns the integer of an int value, the truncated float of a float
// value, and 0 otherwise.
func (v Value) Int() int64 {
	switch v.k {
	case KindInt:
		return int64(v.n)
	case KindFloat:
		return int64(math.Float64frombits(v.n))
	case KindBool:
		return int64(v.n)
	}
	return 0
}

// Float returns the number of an int or float value as a float64.
func (v Value) Float() float64 {
	switch v.k {
	case KindInt:
		return float64(int64(v.n))
	case KindFloat:
		return math.Float64frombits(v.n)
	}
	return 0
}

// Bool returns the boolean of a bool value.
func (v Value) Bool() bool { return v.k == KindBool && v.n != 0 }

// Array returns the elements of an array value, or nil.
func (v Value) Array() []Value {
	if v.k != KindArray {
		return nil
	}
	return v.arr()
}

// IsNumber reports whether the value is an int or a float.
func (v Value) IsNumber() bool { return v.k == KindInt || v.k == KindFloat }

// Each calls fn for the value itself, or for each element of an array, and
// stops early when fn returns true. It reports whether fn returned true.
// Predicates on array fields use it: a predicate holds if any element does.
func (v Value) Each(fn func(Value) bool) bool {
	if v.k != KindArray {
		return fn(v)
	}
	for _, e := range v.arr() {
		if fn(e) {
			return true
		}
	}
	return false
}

// String renders the value for messages and tests: strings unquoted,
// numbers in Go's shortest form, arrays as [a, b].
func (v Value) String() string {
	switch v.k {
	case KindMissing:
		return "<missing>"
	case KindNull:
		return "null"
	case KindBool:
		return strconv.FormatBool(v.Bool())
	case KindInt:
		return strconv.FormatInt(int64(v.n), 10)
	case KindFloat:
		return strconv.FormatFloat(v.Float(), 'g', -1, 64)
	case KindString:
		return v.Str()
	case KindObject:
		return "{...}"
	case KindArray:
		b := []byte{'['}
		for i, e := range v.arr() {
			if i > 0 {
				b = append(b, ", "...)
			}
			b = append(b, e.String()...)
		}
		return string(append(b, ']'))
	}
	return "?"
}

// Equal reports whether two values are identical in kind and content
// (arrays element by element). It is meant for tests and deduplication, not
// for EQL comparisons, which have their own rules.
func (v Value) Equal(w Value) bool {
	if v.k != w.k {
		return false
	}
	switch v.k {
	case KindString:
		return v.Str() == w.Str()
	case KindArray:
		if v.l != w.l {
			return false
		}
		for i := range v.arr() {
			if !v.arr()[i].Equal(w.arr()[i]) {
				return false
			}
		}
		return true
	}
	return v.n == w.n
}

// AppendJSON appends the value as JSON to dst.
func (v Value) AppendJSON(dst []byte) []byte {
	switch v.k {
	case KindMissing, KindNull:
		return append(dst, "null"...)
	case KindBool:
		return strconv.AppendBool(dst, v.Bool())
	case KindInt:
		return strconv.AppendInt(dst, int64(v.n), 10)
	case KindFloat:
		f := v.Float()
		if math.IsInf(f, 0) || math.IsNaN(f) {
			return append(dst, "null"...)
		}
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	case KindString:
		return AppendJSONString(dst, v.Str())
	case KindObject:
		return append(dst, "{}"...)
	case KindArray:
		dst = append(dst, '[')
		for i, e := range v.arr() {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.AppendJSON(dst)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

const hexDigits = "0123456789abcdef"

// AppendJSONString appends s as a quoted JSON string. Invalid UTF-8 is
// written as is, like the document it came from.
func AppendJSONString(dst []byte, s string) []byte {
	return appendJSONString(dst, s)
}
