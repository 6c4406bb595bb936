// Package conformance runs Elasticsearch's EQL QA suite (the TOML spec
// files and data sets under ../shared/conformance/eql/elasticsearch) against
// vigil's EQL engine, with the semantics of Elasticsearch's spec runner:
// each data set is loaded as Elasticsearch's DataLoader does (timestamps
// derived from Windows FILETIMEs, field types from the .mapping files plus
// dynamic mapping, null_value applied), events are ordered by @timestamp
// and the tiebreaker, size defaults to 50, and the ids of the returned
// events (sequences and samples flattened) must equal the expected ones.
//
// Event queries are evaluated here. Sequences and samples need a runtime,
// passed as a SequenceRunner; without one those cases are skipped. Both
// package eql's test and the sequence runtime's tests call Run, so the
// figure is computed one way.
package conformance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/pelletier/go-toml/v2"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/order"
)

// Case is one [[queries]] entry of a spec file.
type Case struct {
	File  string
	Name  string
	Query string
	// Expected lists the acceptable id lists (usually one); -1 is a
	// missing event.
	Expected [][]int64
	// JoinKeys are the expected join keys, flattened, as strings ("null"
	// for null); nil when the case gives none.
	JoinKeys []string
	// Size is the request size (50 unless the case sets it).
	Size int
	// MaxSamplesPerKey is the sample request's max_samples_per_key (1
	// unless the case sets it).
	MaxSamplesPerKey int
}

// Match is one result of a sequence or sample: its events in order (nil
// for a missing event) and its join key values.
type Match struct {
	Events []*event.Event
	Keys   []event.Value
}

// SequenceRunner runs a compiled sequence or sample over a data set's
// events, given in Elasticsearch's order (timestamp, tiebreaker, input
// order), and returns the matches in Elasticsearch's result order with the
// head and tail pipes and the case's size applied, as a search request
// returns them.
type SequenceRunner func(p *eql.Program, events []*event.Event, c *Case) ([]Match, error)

// Status is a case's outcome.
type Status uint8

// Outcomes.
const (
	Pass Status = iota
	Fail
	Skip
)

func (s Status) String() string { return [...]string{"pass", "FAIL", "skip"}[s] }

// Result is the outcome of one case.
type Result struct {
	Case   *Case
	Status Status
	Reason string
}

// Summary is the outcome of a whole run.
type Summary struct {
	Results []Result
}

// Passed returns the number of passing cases.
func (s *Summary) Passed() int {
	n := 0
	for _, r := range s.Results {
		if r.Status == Pass {
			n++
		}
	}
	return n
}

// Total returns the number of cases, skipped ones included.
func (s *Summary) Total() int { return len(s.Results) }

// Line is the one-line summary: "EQL conformance: passed N of M".
func (s *Summary) Line() string {
	return fmt.Sprintf("EQL conformance: passed %d of %d", s.Passed(), s.Total())
}

// Breakdown returns one line per spec file: passed, failed, skipped.
func (s *Summary) Breakdown() []string {
	type counts struct{ pass, fail, skip int }
	per := map[string]*counts{}
	var files []string
	for _, r := range s.Results {
		c := per[r.Case.File]
		if c == nil {
			c = &counts{}
			per[r.Case.File] = c
			files = append(files, r.Case.File)
		}
		switch r.Status {
		case Pass:
			c.pass++
		case Fail:
			c.fail++
		default:
			c.skip++
		}
	}
	var out []string
	for _, f := range files {
		c := per[f]
		out = append(out, fmt.Sprintf("%-32s passed %3d of %3d (failed %d, skipped %d)", f, c.pass, c.pass+c.fail+c.skip, c.fail, c.skip))
	}
	return out
}

// suite describes a spec file: its data sets and the runner's settings.
type suite struct {
	file       string
	data       []string // data set names (data/<name>.data and .mapping)
	dataFile   string   // overrides the .data file (the nanos index)
	transform  func(doc map[string]any) error
	tiebreaker string
	idField    string
	// dateMillis stores date fields as epoch milliseconds, as
	// Elasticsearch's doc values hold them: samples join on those values
	// (composite aggregations), so that one day written as dd-MM-yyyy in
	// one index and yyyy-MM-dd in another is the same key.
	dateMillis bool
}

var suites = []suite{
	{file: "test_queries.toml", data: []string{"endgame-140"}, transform: fileTimeToMillis, tiebreaker: "serial_event_id", idField: "serial_event_id"},
	{file: "additional_test_queries.toml", data: []string{"endgame-140"}, transform: fileTimeToMillis, tiebreaker: "serial_event_id", idField: "serial_event_id"},
	{file: "test_queries_date.toml", data: []string{"endgame-140"}, transform: fileTimeToMillis, tiebreaker: "serial_event_id", idField: "serial_event_id"},
	{file: "test_queries_date_nanos.toml", data: []string{"endgame-140-nanos"}, dataFile: "endgame-140", transform: fileTimeToNanos, tiebreaker: "serial_event_id", idField: "serial_event_id"},
	{file: "test_extra.toml", data: []string{"extra"}, tiebreaker: "sequence", idField: "sequence"},
	{file: "test_missing_events.toml", data: []string{"missing-events"}, tiebreaker: "sequence", idField: "sequence"},
	{file: "test_sample.toml", data: []string{"sample1", "sample2", "sample3"}, idField: "id", dateMillis: true},
	{file: "test_sample_multi.toml", data: []string{"sample-multi"}, idField: "id", dateMillis: true},
}

// Files returns the spec files the suite is made of.
func Files() []string {
	var out []string
	for _, s := range suites {
		out = append(out, s.file)
	}
	return out
}

// Run runs every case of the suite in dir (the elasticsearch folder). A
// missing or unreadable file is an error. seq may be nil: sequences and
// samples are then skipped.
func Run(dir string, seq SequenceRunner) (*Summary, error) {
	sum := &Summary{}
	for _, s := range suites {
		cases, err := LoadCases(filepath.Join(dir, s.file))
		if err != nil {
			return nil, err
		}
		ds, err := loadDataset(dir, s)
		if err != nil {
			return nil, err
		}
		for _, c := range cases {
			sum.Results = append(sum.Results, ds.run(c, seq))
		}
	}
	return sum, nil
}

// specFile is the TOML shape of a spec file.
type specFile struct {
	Queries []struct {
		Name             string `toml:"name"`
		Query            string `toml:"query"`
		ExpectedEventIDs []any  `toml:"expected_event_ids"`
		JoinKeys         []any  `toml:"join_keys"`
		Size             *int64 `toml:"size"`
		MaxSamplesPerKey *int64 `toml:"max_samples_per_key"`
	} `toml:"queries"`
}

// LoadCases reads a spec file.
func LoadCases(path string) ([]*Case, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var spec specFile
	if err := toml.Unmarshal(quoteBareNulls(data), &spec); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	var out []*Case
	for i, q := range spec.Queries {
		c := &Case{File: filepath.Base(path), Name: q.Name, Query: q.Query, Size: 50, MaxSamplesPerKey: 1}
		if c.Name == "" {
			c.Name = strconv.Itoa(i)
		}
		if q.Size != nil {
			c.Size = int(*q.Size)
		}
		if q.MaxSamplesPerKey != nil {
			c.MaxSamplesPerKey = int(*q.MaxSamplesPerKey)
		}
		ids, err := expectedIDs(q.ExpectedEventIDs)
		if err != nil {
			return nil, fmt.Errorf("%s: case %s: %v", path, c.Name, err)
		}
		c.Expected = ids
		if q.JoinKeys != nil {
			c.JoinKeys = []string{}
			for _, k := range q.JoinKeys {
				c.JoinKeys = append(c.JoinKeys, fmt.Sprint(k))
			}
		}
		out = append(out, c)
	}
	return out, nil
}

func expectedIDs(v []any) ([][]int64, error) {
	if len(v) > 0 {
		if _, nested := v[0].([]any); nested {
			var out [][]int64
			for _, alt := range v {
				a, ok := alt.([]any)
				if !ok {
					return nil, fmt.Errorf("expected_event_ids mixes lists and ids")
				}
				ids, err := expectedIDs(a)
				if err != nil {
					return nil, err
				}
				out = append(out, ids[0])
			}
			return out, nil
		}
	}
	ids := []int64{}
	for _, x := range v {
		n, ok := x.(int64)
		if !ok {
			return nil, fmt.Errorf("expected_event_ids: %v is not an integer", x)
		}
		ids = append(ids, n)
	}
	return [][]int64{ids}, nil
}

// quoteBareNulls makes the suite's `join_keys = [null]` strict TOML by
// quoting the nulls of join_keys arrays: "null" is how the runner compares
// a null key anyway.
func quoteBareNulls(data []byte) []byte {
	var out bytes.Buffer
	s := string(data)
	for {
		i := strings.Index(s, "join_keys")
		if i < 0 {
			out.WriteString(s)
			return out.Bytes()
		}
		open := strings.IndexByte(s[i:], '[')
		if open < 0 {
			out.WriteString(s)
			return out.Bytes()
		}
		open += i
		out.WriteString(s[:open])
		depth, inStr, j := 0, false, open
		for ; j < len(s); j++ {
			c := s[j]
			if inStr {
				if c == '"' {
					inStr = false
				}
				continue
			}
			if c == '"' {
				inStr = true
			} else if c == '[' {
				depth++
			} else if c == ']' {
				depth--
				if depth == 0 {
					j++
					break
				}
			}
		}
		arr := s[open:j]
		var b strings.Builder
		inStr = false
		for k := 0; k < len(arr); k++ {
			c := arr[k]
			if c == '"' {
				inStr = !inStr
			}
			if !inStr && strings.HasPrefix(arr[k:], "null") && (k == 0 || !isWord(arr[k-1])) && (k+4 >= len(arr) || !isWord(arr[k+4])) {
				b.WriteString(`"null"`)
				k += 3
				continue
			}
			b.WriteByte(c)
		}
		out.WriteString(b.String())
		s = s[j:]
	}
}

func isWord(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// dataset is a loaded data set: its documents (as JSON) and field types.
type dataset struct {
	s     suite
	docs  [][]byte
	types match.Fields
}

func loadDataset(dir string, s suite) (*dataset, error) {
	ds := &dataset{s: s, types: match.Fields{}}
	var docs []map[string]any
	for _, name := range s.data {
		mapping, err := os.ReadFile(filepath.Join(dir, "data", name+".mapping"))
		if err != nil {
			return nil, err
		}
		types := match.Fields{}
		nullValues, err := readMapping(mapping, types)
		if err != nil {
			return nil, fmt.Errorf("%s.mapping: %v", name, err)
		}
		for k, v := range types {
			ds.types[k] = v
		}
		var formats map[string]string
		if s.dateMillis {
			formats = dateFormats(mapping, types)
		}
		dataName := name
		if s.dataFile != "" {
			dataName = s.dataFile
		}
		raw, err := os.ReadFile(filepath.Join(dir, "data", dataName+".data"))
		if err != nil {
			return nil, err
		}
		var list []map[string]any
		dec := json.NewDecoder(bytes.NewReader(stripComments(raw)))
		dec.UseNumber()
		if err := dec.Decode(&list); err != nil {
			return nil, fmt.Errorf("%s.data: %v", dataName, err)
		}
		for _, doc := range list {
			if s.transform != nil {
				if err := s.transform(doc); err != nil {
					return nil, fmt.Errorf("%s.data: %v", dataName, err)
				}
			}
			for field, nv := range nullValues {
				if v, ok := doc[field]; ok && v == nil {
					doc[field] = nv
				}
			}
			for field, format := range formats {
				if v, ok := doc[field]; ok {
					ms, err := dateToMillis(v, format)
					if err != nil {
						return nil, fmt.Errorf("%s.data: %s: %v", dataName, field, err)
					}
					doc[field] = ms
				}
			}
			docs = append(docs, doc)
		}
	}
	// Dynamic mapping for fields the mappings do not declare: the first
	// value seen decides, as in Elasticsearch.
	for _, doc := range docs {
		inferTypes("", doc, ds.types)
		b, err := json.Marshal(doc)
		if err != nil {
			return nil, err
		}
		ds.docs = append(ds.docs, b)
	}
	return ds, nil
}

// dateFormats returns the date fields of one index's mapping with their
// format ("" for the default).
func dateFormats(mapping []byte, types match.Fields) map[string]string {
	out := map[string]string{}
	for field, t := range types {
		if t == "date" {
			out[field] = ""
		}
	}
	// Formats are not kept in types; find them in the mapping text.
	var m struct {
		Properties map[string]struct {
			Type   string `json:"type"`
			Format string `json:"format"`
		} `json:"properties"`
	}
	var lines []string
	for _, l := range strings.Split(string(mapping), "\n") {
		if !strings.HasPrefix(l, "#") {
			lines = append(lines, strings.ReplaceAll(l, "[runtime_random_keyword_type]", "keyword"))
		}
	}
	if json.Unmarshal([]byte(strings.Join(lines, "\n")), &m) == nil {
		for field, def := range m.Properties {
			if def.Type == "date" {
				out[field] = def.Format
			}
		}
	}
	return out
}

// dateToMillis parses a date field's value in its mapping format (the
// default accepts ISO dates and epoch milliseconds) into epoch millis.
func dateToMillis(v any, format string) (any, error) {
	if v == nil {
		return nil, nil
	}
	s := fmt.Sprint(v)
	layouts := map[string]string{"dd-MM-yyyy": "02-01-2006", "yyyy-MM-dd": "2006-01-02"}
	if l, ok := layouts[format]; ok {
		t, err := time.Parse(l, s)
		if err != nil {
			return nil, err
		}
		return t.UnixMilli(), nil
	}
	if format != "" {
		return nil, fmt.Errorf("date format %q not supported", format)
	}
	ns, ok := event.ParseTimeString(s)
	if !ok {
		return nil, fmt.Errorf("not a date: %q", s)
	}
	return ns / int64(time.Millisecond), nil
}

// stripComments removes // comment lines (missing-events.data has them).
func stripComments(b []byte) []byte {
	lines := bytes.Split(b, []byte("\n"))
	out := lines[:0]
	for _, l := range lines {
		if bytes.HasPrefix(bytes.TrimSpace(l), []byte("//")) {
			continue
		}
		out = append(out, l)
	}
	return bytes.Join(out, []byte("\n"))
}

// readMapping adds a .mapping file's field types to types and returns the
// null_value of fields that have one. The random keyword type placeholder
// becomes keyword; aliases take their target's type.
func readMapping(data []byte, types match.Fields) (map[string]any, error) {
	var lines []string
	for _, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") {
			continue
		}
		lines = append(lines, strings.ReplaceAll(l, "[runtime_random_keyword_type]", "keyword"))
	}
	var m struct {
		Properties map[string]any `json:"properties"`
	}
	if err := json.Unmarshal([]byte(strings.Join(lines, "\n")), &m); err != nil {
		return nil, err
	}
	nulls := map[string]any{}
	aliases := map[string]string{}
	var walk func(prefix string, props map[string]any)
	walk = func(prefix string, props map[string]any) {
		for name, v := range props {
			def, _ := v.(map[string]any)
			path := prefix + name
			if sub, ok := def["properties"].(map[string]any); ok {
				types[path] = "object"
				walk(path+".", sub)
				continue
			}
			t, _ := def["type"].(string)
			if t == "alias" {
				aliases[path], _ = def["path"].(string)
				continue
			}
			types[path] = t
			if nv, ok := def["null_value"]; ok {
				nulls[path] = nv
			}
			if fields, ok := def["fields"].(map[string]any); ok {
				for sub, sv := range fields {
					sd, _ := sv.(map[string]any)
					st, _ := sd["type"].(string)
					types[path+"."+sub] = st
				}
			}
		}
	}
	walk("", m.Properties)
	for a, target := range aliases {
		if t, ok := types[target]; ok {
			types[a] = t
		}
	}
	return nulls, nil
}

// inferTypes maps the fields of doc that types lacks, by their first
// value's JSON type.
func inferTypes(prefix string, doc map[string]any, types match.Fields) {
	for k, v := range doc {
		path := prefix + k
		if obj, ok := v.(map[string]any); ok {
			if _, known := types[path]; !known {
				types[path] = "object"
			}
			inferTypes(path+".", obj, types)
			continue
		}
		if _, known := types[path]; known {
			continue
		}
		if t := jsonType(v); t != "" {
			types[path] = t
		}
	}
}

func jsonType(v any) string {
	switch v := v.(type) {
	case json.Number:
		if _, err := v.Int64(); err == nil {
			return "long"
		}
		return "float"
	case bool:
		return "boolean"
	case string:
		// date detection, as dynamic mapping does for ISO dates
		if len(v) >= 10 && v[4] == '-' && v[7] == '-' {
			if _, ok := event.ParseTimeString(v); ok {
				return "date"
			}
		}
		return "keyword"
	case []any:
		for _, e := range v {
			if t := jsonType(e); t != "" {
				return t
			}
		}
	}
	return ""
}

const (
	fileTimeEpochDiffMillis = 11644473600000
	fileTimeTicksPerMilli   = 10000
)

// fileTimeToMillis sets @timestamp from the Windows FILETIME in timestamp,
// as the DataLoader does for the endgame index.
func fileTimeToMillis(doc map[string]any) error {
	ts, err := int64Field(doc, "timestamp")
	if err != nil {
		return err
	}
	doc["@timestamp"] = json.Number(strconv.FormatInt(ts/fileTimeTicksPerMilli-fileTimeEpochDiffMillis, 10))
	return nil
}

// fileTimeToNanos reads timestamp as nanoseconds since the epoch, as the
// DataLoader does for the date_nanos index (which makes 2017 FILETIMEs
// dates in 1974), writing @timestamp at full precision.
func fileTimeToNanos(doc map[string]any) error {
	ts, err := int64Field(doc, "timestamp")
	if err != nil {
		return err
	}
	doc["@timestamp"] = event.FormatTime(ts)
	doc["timestamp"] = json.Number(strconv.FormatInt(ts/1000000, 10))
	return nil
}

func int64Field(doc map[string]any, name string) (int64, error) {
	n, ok := doc[name].(json.Number)
	if !ok {
		return 0, fmt.Errorf("document without a numeric %s", name)
	}
	return n.Int64()
}

// run runs one case.
func (ds *dataset) run(c *Case, seq SequenceRunner) Result {
	res := Result{Case: c}
	q, err := eql.Parse(c.Query)
	if err != nil {
		res.Status, res.Reason = Fail, "parse: "+err.Error()
		return res
	}
	schema := event.NewSchema()
	opt := eql.Options{Schema: ds.types, CategoryField: "event_type"}
	prog, err := eql.Compile(q, schema, opt)
	if err != nil {
		res.Status, res.Reason = Fail, "compile: "+err.Error()
		return res
	}
	if prog.Kind() != eql.EventQuery && seq == nil {
		res.Status, res.Reason = Skip, "sequence runtime not integrated"
		return res
	}
	events, err := ds.events(schema)
	if err != nil {
		res.Status, res.Reason = Fail, err.Error()
		return res
	}
	idSlot := schema.Slot(ds.s.idField)
	var ids []int64
	switch prog.Kind() {
	case eql.EventQuery:
		var hits []*event.Event
		for _, ev := range events {
			if prog.Match(ev) {
				hits = append(hits, ev)
			}
		}
		from, to := limit(prog, len(hits), c.Size)
		for _, ev := range hits[from:to] {
			ids = append(ids, ev.Get(idSlot).Int())
		}
	default:
		matches, err := seq(prog, events, c)
		if err != nil {
			res.Status, res.Reason = Fail, "run: "+err.Error()
			return res
		}
		var keys []string
		for _, m := range matches {
			for _, ev := range m.Events {
				if ev == nil {
					ids = append(ids, -1)
				} else {
					ids = append(ids, ev.Get(idSlot).Int())
				}
			}
			for _, k := range m.Keys {
				keys = append(keys, keyString(k))
			}
		}
		if c.JoinKeys != nil && keys != nil && !equalStrings(keys, c.JoinKeys) {
			res.Status = Fail
			res.Reason = fmt.Sprintf("join keys %v, want %v", keys, c.JoinKeys)
			return res
		}
	}
	for _, want := range c.Expected {
		if equalIDs(ids, want) {
			res.Status = Pass
			return res
		}
	}
	res.Status = Fail
	if len(c.Expected) == 1 {
		res.Reason = fmt.Sprintf("got %v, want %v", ids, c.Expected[0])
	} else {
		res.Reason = fmt.Sprintf("got %v, want one of %v", ids, c.Expected)
	}
	return res
}

// limit applies the pipes, then the size: the first results, or the last
// ones when the last pipe is tail.
func limit(p *eql.Program, n, size int) (from, to int) {
	from, to = p.ApplyPipes(n)
	if to-from > size { // a size of 0 returns nothing, as in Elasticsearch
		if p.LastPipeIsTail() {
			from = to - size
		} else {
			to = from + size
		}
	}
	return from, to
}

// events decodes the data set for a compiled query's schema, in
// Elasticsearch's order.
func (ds *dataset) events(schema *event.Schema) ([]*event.Event, error) {
	tsSlot := schema.Slot("@timestamp")
	tie := -1
	if ds.s.tiebreaker != "" {
		tie = schema.Slot(ds.s.tiebreaker)
	}
	schema.Slot(ds.s.idField)
	out := make([]*event.Event, 0, len(ds.docs))
	for i, doc := range ds.docs {
		ev := &event.Event{Seq: uint64(i), Source: ds.s.data[0], Pos: int64(i + 1)}
		if err := schema.Decode(doc, ev); err != nil {
			return nil, fmt.Errorf("document %d: %v", i+1, err)
		}
		if ns, ok := event.ParseTime(ev.Get(tsSlot)); ok {
			ev.Time = ns
		}
		out = append(out, ev)
	}
	// Elasticsearch's order: timestamp, tiebreaker, then input order, as
	// the event-time buffer releases them (holding them all).
	var opt order.BufferOptions
	opt.Owned = true
	opt.MaxBuffered = len(out) + 1
	if tie >= 0 {
		opt.Tiebreaker = func(ev *event.Event) event.Value { return ev.Get(tie) }
	}
	buf := order.NewBuffer(time.Duration(math.MaxInt64), opt)
	sorted := make([]*event.Event, 0, len(out))
	keep := func(ev *event.Event) { sorted = append(sorted, ev) }
	for _, ev := range out {
		buf.Push(ev, keep)
	}
	buf.Flush(keep)
	out = sorted
	return out, nil
}

func keyString(v event.Value) string {
	if v.IsNull() {
		return "null"
	}
	return v.String()
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
