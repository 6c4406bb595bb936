package rule

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/pelletier/go-toml/v2"
	"github.com/pelletier/go-toml/v2/unstable"

	"github.com/vigilsec/vigil/internal/span"
)

// This file turns a TOML document into a tree of positioned values. go-toml's
// unstable parser gives the syntax with byte ranges; the table semantics
// (implicit tables, dotted keys, arrays of tables, no redefinition) are
// applied here so that every value keeps the line and column of its key,
// which the decoder needs to report wrong types where they are written.

// kind is the TOML type of a value.
type kind uint8

const (
	kString kind = iota + 1
	kInteger
	kFloat
	kBool
	kDatetime
	kArray
	kTable
)

// String returns the TOML name of the kind, as used in error messages.
func (k kind) String() string {
	switch k {
	case kString:
		return "string"
	case kInteger:
		return "integer"
	case kFloat:
		return "float"
	case kBool:
		return "boolean"
	case kDatetime:
		return "datetime"
	case kArray:
		return "array"
	case kTable:
		return "table"
	}
	return "invalid"
}

// tableKind records how a table came to exist; it decides whether it may be
// extended later.
type tableKind uint8

const (
	tImplicit     tableKind = iota // intermediate of a [a.b.c] header, may still be defined once
	tHeader                        // defined by its own [header]
	tDotted                        // created by a dotted key (a.b = 1); extended by dotted keys only
	tInline                        // inline table { ... }; closed
	tArrayElem                     // element of an array of tables
	tInlineDotted                  // created by a dotted key inside an inline table
)

// value is one TOML value with the position of the key that introduced it
// (for array elements: of the element itself).
type value struct {
	kind      kind
	line, col int // key position (1-based)

	str string
	num int64
	flt float64
	bol bool
	tim any // time.Time, toml.LocalDate, toml.LocalTime or toml.LocalDateTime

	arr []*value
	aot bool // array created by [[header]]

	tbl *table

	// For strings: the raw token (with its quotes) and where it starts.
	raw             []byte
	rawLine, rawCol int
}

// table is an ordered TOML table. Its keys are looked up by a scan: a
// rule's tables hold a few dozen keys at most, and a map per table was a
// third of the allocations of loading a corpus.
type table struct {
	kind tableKind
	keys []string
	vals []*value // vals[i] is the value of keys[i]
}

func newTable(k tableKind) *table { return &table{kind: k} }

func (t *table) get(key string) *value {
	if t == nil {
		return nil
	}
	for i, k := range t.keys {
		if k == key {
			return t.vals[i]
		}
	}
	return nil
}

func (t *table) set(key string, v *value) {
	t.keys = append(t.keys, key)
	t.vals = append(t.vals, v)
}

// syntaxError is a TOML syntax or semantic error with its position.
type syntaxError struct {
	line, col int
	msg       string
}

func (e *syntaxError) Error() string { return fmt.Sprintf("%d:%d: %s", e.line, e.col, e.msg) }

// builder applies TOML table semantics to the parser's expressions.
type builder struct {
	p     *unstable.Parser
	root  *table
	cur   *table
	lines []int // offsets where lines start
	line  int   // the index in lines of the last position asked for

	// data is the document parsed and text a copy of it made once: the
	// strings of values written without escapes are cut from text rather
	// than copied one by one (a rule's strings are most of its file, and
	// one allocation per file instead of dozens makes loading a corpus
	// cheaper), so a rule keeps its file's text alive.
	data []byte
	text string

	// Scratch for the parts of a key, and the blocks values and tables
	// are handed out of: a corpus has millions, and the tree of a file
	// is dropped once decoded (nothing of a Rule points into it), so a
	// builder's blocks, cleared, serve its next file (see release).
	parts  []string
	nodes  []*unstable.Node
	values blocks[value]
	tables blocks[table]

	// keys interns the keys of tables and the paths the decoder names
	// them by: the same few hundred in every file.
	keys    map[string]string
	paths   map[[2]string]string
	indexes map[indexKey]string
}

// indexKey is a key and an index into the array it names.
type indexKey struct {
	key string
	i   int
}

// maxInterned bounds the keys and paths a builder keeps.
const maxInterned = 1 << 14

// intern returns key as a string, the one made before when there is one.
func (b *builder) intern(key []byte) string {
	if s, ok := b.keys[string(key)]; ok {
		return s
	}
	s := string(key)
	if b.keys == nil {
		b.keys = map[string]string{}
	}
	if len(b.keys) < maxInterned {
		b.keys[s] = s
	}
	return s
}

// path returns prefix + "." + key, the one made before when there is one.
func (b *builder) path(prefix, key string) string {
	if s, ok := b.paths[[2]string{prefix, key}]; ok {
		return s
	}
	s := prefix + "." + key
	if b.paths == nil {
		b.paths = map[[2]string]string{}
	}
	if len(b.paths) < maxInterned {
		b.paths[[2]string{prefix, key}] = s
	}
	return s
}

// str returns s, bytes of the document or of a buffer the parser made
// (for a string with escapes), as a string: cut from the document's text
// when it lies in the document, else copied.
func (b *builder) str(s []byte) string {
	if off, ok := span.Within(unsafe.String(unsafe.SliceData(s), len(s)), b.data); ok {
		return b.text[off : off+len(s)]
	}
	return string(s)
}

// indexed returns key + "[i]", the one made before when there is one.
func (b *builder) indexed(key string, i int) string {
	if s, ok := b.indexes[indexKey{key, i}]; ok {
		return s
	}
	s := key + "[" + strconv.Itoa(i) + "]"
	if b.indexes == nil {
		b.indexes = map[indexKey]string{}
	}
	if len(b.indexes) < maxInterned {
		b.indexes[indexKey{key, i}] = s
	}
	return s
}

// blocks hands out zero Ts from blocks that stay put, so that pointers
// to them hold until reset clears them for reuse.
type blocks[T any] struct {
	all  [][]T
	i, n int // the block in use, and the Ts of it handed out
}

// blockSize is the number of Ts in a block; maxBlocks bounds the blocks
// kept for reuse.
const (
	blockSize = 64
	maxBlocks = 64
)

func (bl *blocks[T]) next() *T {
	if bl.n == blockSize {
		bl.i, bl.n = bl.i+1, 0
	}
	if bl.i == len(bl.all) {
		bl.all = append(bl.all, make([]T, blockSize))
	}
	bl.n++
	return &bl.all[bl.i][bl.n-1]
}

// reset readies what was handed out for reuse with zero, which zeroes a
// T (keeping storage it owns).
func (bl *blocks[T]) reset(zero func(*T)) {
	for i := 0; i <= bl.i && i < len(bl.all); i++ {
		b := bl.all[i]
		if i == bl.i {
			b = b[:bl.n]
		}
		for j := range b {
			zero(&b[j])
		}
	}
	if len(bl.all) > maxBlocks {
		clear(bl.all[maxBlocks:])
		bl.all = bl.all[:maxBlocks]
	}
	bl.i, bl.n = 0, 0
}

// newValue returns a zero value.
func (b *builder) newValue() *value { return b.values.next() }

// newTable returns an empty table of kind k.
func (b *builder) newTable(k tableKind) *table {
	t := b.tables.next()
	t.kind = k
	return t
}

// builders holds builders between files.
var builders = sync.Pool{New: func() any { return &builder{p: &unstable.Parser{}} }}

// release returns b to the pool: the tree it built must no longer be
// used.
func (b *builder) release() {
	b.values.reset(func(v *value) {
		clear(v.arr)
		*v = value{arr: v.arr[:0]}
	})
	b.tables.reset(func(t *table) {
		clear(t.keys)
		clear(t.vals)
		*t = table{keys: t.keys[:0], vals: t.vals[:0]}
	})
	b.root, b.cur = nil, nil
	b.data, b.text = nil, ""
	b.p.Reset(nil)
	clear(b.parts)
	clear(b.nodes)
	builders.Put(b)
}

// parseTree parses data into a positioned tree, the root of the builder
// returned (release it once the tree is decoded). The error, if any, is a
// *syntaxError.
func parseTree(data []byte) (b *builder, err error) {
	b = builders.Get().(*builder)
	b.root = b.newTable(tHeader)
	b.cur = b.root
	b.data, b.text = data, string(data)
	b.p.Reset(data)
	b.lines, b.line = lineStarts(b.lines[:0], data), 0
	defer func() {
		// The unstable parser is not expected to panic, but a panic must not
		// cross this package's boundary.
		if r := recover(); r != nil {
			b.release()
			b, err = nil, &syntaxError{line: 1, col: 1, msg: fmt.Sprintf("internal error: %v", r)}
		}
	}()
	for b.p.NextExpression() {
		e := b.p.Expression()
		switch e.Kind {
		case unstable.KeyValue:
			err = b.keyValue(b.cur, e, tDotted)
		case unstable.Table:
			err = b.header(e, false)
		case unstable.ArrayTable:
			err = b.header(e, true)
		}
		if err != nil {
			b.release()
			return nil, err
		}
	}
	if perr := b.p.Error(); perr != nil {
		err = b.parserError(perr)
		b.release()
		return nil, err
	}
	return b, nil
}

func (b *builder) parserError(err error) error {
	var pe *unstable.ParserError
	if errors.As(err, &pe) && pe.Highlight != nil {
		line, col := b.offsetPos(int(b.p.Range(pe.Highlight).Offset))
		return &syntaxError{line: line, col: col, msg: pe.Message}
	}
	return &syntaxError{line: 1, col: 1, msg: err.Error()}
}

func (b *builder) errAt(n *unstable.Node, format string, args ...any) error {
	line, col := b.pos(n)
	return &syntaxError{line: line, col: col, msg: fmt.Sprintf(format, args...)}
}

func (b *builder) pos(n *unstable.Node) (line, col int) {
	if n == nil || n.Raw.Length == 0 && n.Raw.Offset == 0 {
		return 1, 1
	}
	return b.offsetPos(int(n.Raw.Offset))
}

// lineStarts appends the offset of each line of data to starts: 0, and
// one past each newline. IndexByte finds the newlines of the corpus in
// about half the time of a loop over the bytes.
func lineStarts(starts []int, data []byte) []int {
	starts = append(starts, 0)
	for off := 0; ; {
		i := bytes.IndexByte(data[off:], '\n')
		if i < 0 {
			return starts
		}
		off += i + 1
		starts = append(starts, off)
	}
}

// offsetPos converts a byte offset to a 1-based line and byte column.
// The parser asks in the order of the document, mostly on the line of
// the last position or a few after it: those are found by stepping on
// from it, the others by a binary search.
func (b *builder) offsetPos(off int) (line, col int) {
	i := b.line
	if i >= len(b.lines) || off < b.lines[i] {
		i = sort.SearchInts(b.lines, off+1) - 1
	} else {
		for k := 0; i+1 < len(b.lines) && b.lines[i+1] <= off; k++ {
			if k == 8 {
				i = sort.SearchInts(b.lines, off+1) - 1
				break
			}
			i++
		}
	}
	b.line = i
	return i + 1, off - b.lines[i] + 1
}

// keyParts returns the parts of a (dotted) key and the node of each part,
// valid until the next call.
func (b *builder) keyParts(it unstable.Iterator) (parts []string, nodes []*unstable.Node) {
	parts, nodes = b.parts[:0], b.nodes[:0]
	for it.Next() {
		n := it.Node()
		parts = append(parts, b.intern(n.Data))
		nodes = append(nodes, n)
	}
	b.parts, b.nodes = parts, nodes
	return parts, nodes
}

// header handles [a.b.c] and [[a.b.c]].
func (b *builder) header(e *unstable.Node, array bool) error {
	parts, nodes := b.keyParts(e.Key())
	t := b.root
	for i, k := range parts[:len(parts)-1] {
		v := t.get(k)
		switch {
		case v == nil:
			nt := b.newTable(tImplicit)
			line, col := b.pos(nodes[i])
			t.set(k, b.tableValue(nt, line, col))
			t = nt
		case v.kind == kArray && v.aot:
			t = v.arr[len(v.arr)-1].tbl
		case v.kind == kTable && v.tbl.kind != tInline && v.tbl.kind != tInlineDotted:
			t = v.tbl
		default:
			return b.errAt(nodes[i], "key %q is already defined as %s", strings.Join(parts[:i+1], "."), describe(v))
		}
	}
	last := parts[len(parts)-1]
	lastNode := nodes[len(nodes)-1]
	line, col := b.pos(lastNode)
	v := t.get(last)
	if array {
		switch {
		case v == nil:
			nt := b.newTable(tArrayElem)
			v := b.newValue()
			*v = value{kind: kArray, aot: true, line: line, col: col, arr: []*value{b.tableValue(nt, line, col)}}
			t.set(last, v)
			b.cur = nt
		case v.kind == kArray && v.aot:
			nt := b.newTable(tArrayElem)
			v.arr = append(v.arr, b.tableValue(nt, line, col))
			b.cur = nt
		default:
			return b.errAt(lastNode, "key %q is already defined as %s", strings.Join(parts, "."), describe(v))
		}
		return nil
	}
	switch {
	case v == nil:
		nt := b.newTable(tHeader)
		t.set(last, b.tableValue(nt, line, col))
		b.cur = nt
	case v.kind == kTable && v.tbl.kind == tImplicit:
		v.tbl.kind = tHeader
		v.line, v.col = line, col
		b.cur = v.tbl
	case v.kind == kTable && v.tbl.kind == tHeader:
		return b.errAt(lastNode, "table %q is already defined", strings.Join(parts, "."))
	default:
		return b.errAt(lastNode, "key %q is already defined as %s", strings.Join(parts, "."), describe(v))
	}
	return nil
}

// tableValue returns a value holding table t, introduced at line, col.
func (b *builder) tableValue(t *table, line, col int) *value {
	v := b.newValue()
	v.kind, v.tbl, v.line, v.col = kTable, t, line, col
	return v
}

// describe names what v is, with an article, for error messages.
func describe(v *value) string {
	switch {
	case v.kind == kArray && v.aot:
		return "an array of tables"
	case v.kind == kTable && (v.tbl.kind == tInline || v.tbl.kind == tInlineDotted):
		return "an inline table"
	case v.kind == kTable && v.tbl.kind == tDotted:
		return "a table (by a dotted key)"
	case v.kind == kArray || v.kind == kInteger:
		return "an " + v.kind.String()
	}
	return "a " + v.kind.String()
}

// keyValue handles key = value inside t. dotted is the kind given to tables
// created by the key's dotted parts (tDotted, or tInline inside inline tables).
func (b *builder) keyValue(t *table, e *unstable.Node, dotted tableKind) error {
	parts, nodes := b.keyParts(e.Key())
	for i, k := range parts[:len(parts)-1] {
		v := t.get(k)
		switch {
		case v == nil:
			nt := b.newTable(dotted)
			line, col := b.pos(nodes[i])
			t.set(k, b.tableValue(nt, line, col))
			t = nt
		case v.kind == kTable && v.tbl.kind == dotted:
			t = v.tbl
		default:
			return b.errAt(nodes[i], "key %q is already defined as %s", strings.Join(parts[:i+1], "."), describe(v))
		}
	}
	last := parts[len(parts)-1]
	lastNode := nodes[len(nodes)-1]
	if v := t.get(last); v != nil {
		return b.errAt(lastNode, "key %q is already defined", strings.Join(parts, "."))
	}
	line, col := b.pos(nodes[0])
	v, err := b.value(e.Value(), line, col)
	if err != nil {
		return err
	}
	v.line, v.col = line, col
	t.set(last, v)
	return nil
}

// value converts a value node. Nodes without a position of their own
// (arrays) take the one given.
func (b *builder) value(n *unstable.Node, line, col int) (*value, error) {
	if n.Raw.Length > 0 {
		line, col = b.pos(n)
	}
	v := b.newValue()
	v.line, v.col = line, col
	switch n.Kind {
	case unstable.String:
		v.kind = kString
		v.str = b.str(n.Data)
		v.raw = b.p.Raw(n.Raw)
		v.rawLine, v.rawCol = line, col
	case unstable.Integer:
		i, err := parseInteger(string(n.Data))
		if err != nil {
			return nil, b.errAt(n, "%v", err)
		}
		v.kind, v.num = kInteger, i
	case unstable.Float:
		f, err := parseFloat(string(n.Data))
		if err != nil {
			return nil, b.errAt(n, "%v", err)
		}
		v.kind, v.flt = kFloat, f
	case unstable.Bool:
		v.kind, v.bol = kBool, n.Data[0] == 't'
	case unstable.DateTime, unstable.LocalDateTime, unstable.LocalDate, unstable.LocalTime:
		t, err := parseDateTime(n.Kind, n.Data)
		if err != nil {
			return nil, b.errAt(n, "invalid %s %q", strings.ToLower(n.Kind.String()), n.Data)
		}
		v.kind, v.tim = kDatetime, t
	case unstable.Array:
		v.kind = kArray
		it := n.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind == unstable.Comment {
				continue
			}
			cv, err := b.value(c, line, col)
			if err != nil {
				return nil, err
			}
			v.arr = append(v.arr, cv)
		}
	case unstable.InlineTable:
		v.kind = kTable
		v.tbl = b.newTable(tInline)
		it := n.Children()
		for it.Next() {
			c := it.Node()
			if c.Kind != unstable.KeyValue {
				continue
			}
			if err := b.keyValue(v.tbl, c, tInlineDotted); err != nil {
				return nil, err
			}
		}
	default:
		return nil, b.errAt(n, "unexpected %s", n.Kind)
	}
	return v, nil
}

func parseInteger(s string) (int64, error) {
	clean := strings.ReplaceAll(s, "_", "")
	base := 10
	switch {
	case strings.HasPrefix(clean, "0x"):
		base, clean = 16, clean[2:]
	case strings.HasPrefix(clean, "0o"):
		base, clean = 8, clean[2:]
	case strings.HasPrefix(clean, "0b"):
		base, clean = 2, clean[2:]
	}
	i, err := strconv.ParseInt(clean, base, 64)
	if err != nil {
		return 0, fmt.Errorf("integer %s is out of range", s)
	}
	return i, nil
}

func parseFloat(s string) (float64, error) {
	switch strings.TrimLeft(s, "+-") {
	case "inf":
		if s[0] == '-' {
			return math.Inf(-1), nil
		}
		return math.Inf(1), nil
	case "nan":
		return math.NaN(), nil
	}
	f, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64)
	if err != nil {
		return 0, fmt.Errorf("invalid float %s", s)
	}
	return f, nil
}

// parseDateTime checks a date or time value as go-toml's decoder does and
// converts it: an offset date-time to time.Time, local ones to go-toml's
// LocalDate, LocalTime and LocalDateTime.
func parseDateTime(k unstable.Kind, data []byte) (any, error) {
	switch k {
	case unstable.LocalDate:
		var d toml.LocalDate
		err := d.UnmarshalText(data)
		return d, err
	case unstable.LocalTime:
		var t toml.LocalTime
		err := t.UnmarshalText(data)
		return t, err
	case unstable.LocalDateTime:
		var t toml.LocalDateTime
		err := t.UnmarshalText(data)
		return t, err
	}
	// Offset date-times are rare in rules: let go-toml's decoder judge them.
	var doc struct{ V time.Time }
	src := make([]byte, 0, len(data)+4)
	src = append(append(src, "V = "...), data...)
	if err := toml.Unmarshal(src, &doc); err != nil {
		return nil, err
	}
	return doc.V, nil
}

// plain converts a value to plain Go values: string, int64, float64, bool,
// time.Time (toml.LocalDate, LocalTime, LocalDateTime for local ones),
// []any, map[string]any.
func plain(v *value) any {
	switch v.kind {
	case kString:
		return v.str
	case kInteger:
		return v.num
	case kFloat:
		return v.flt
	case kBool:
		return v.bol
	case kDatetime:
		return v.tim
	case kArray:
		out := make([]any, len(v.arr))
		for i, e := range v.arr {
			out[i] = plain(e)
		}
		return out
	case kTable:
		out := make(map[string]any, len(v.tbl.keys))
		for i, k := range v.tbl.keys {
			out[k] = plain(v.tbl.vals[i])
		}
		return out
	}
	return nil
}
