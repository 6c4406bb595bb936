package esql

import (
	"encoding/json"
	"fmt"
	"math"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// testIndex is one test index: its columns (sorted by name) and rows.
type testIndex struct {
	cols []Column
	rows [][]any
}

// loadIndex loads data/<name>.csv with mapping-<name>.json as
// Elasticsearch's CsvTestsDataLoader does.
func loadIndex(dir, name string) (*testIndex, error) {
	mapping := map[string]mapField{}
	if b, err := os.ReadFile(filepath.Join(dir, "index", "mappings", "mapping-"+name+".json")); err == nil {
		var m struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			return nil, fmt.Errorf("mapping-%s.json: %v", name, err)
		}
		flattenMapping("", m.Properties, mapping)
	}
	b, err := os.ReadFile(filepath.Join(dir, "data", name+".csv"))
	if err != nil {
		if len(mapping) == 0 {
			return nil, err
		}
		b = nil
	}
	var header []string
	var htypes []string
	var records [][]string
	for _, line := range strings.Split(string(b), "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "//") {
			continue
		}
		cells := splitData(line)
		if header == nil {
			for _, c := range cells {
				n, ty, _ := strings.Cut(c, ":")
				header = append(header, strings.TrimSpace(n))
				htypes = append(htypes, strings.TrimSpace(ty))
			}
			continue
		}
		records = append(records, cells)
	}
	// columns: mapping fields, then header fields the mapping lacks
	types := map[string]mapField{}
	for n, f := range mapping {
		types[n] = f
	}
	for i, n := range header {
		if _, ok := types[n]; !ok {
			types[n] = mapField{typ: htypes[i]}
		}
	}
	var names []string
	for n, f := range types {
		if f.typ == "object" || f.typ == "nested" {
			continue
		}
		names = append(names, n)
	}
	sort.Strings(names)
	ix := &testIndex{}
	for _, n := range names {
		t, ok := TypeOf(types[n].typ)
		if !ok {
			t = TUnsupported
		}
		ix.cols = append(ix.cols, Column{n, t})
	}
	for _, rec := range records {
		row := make([]any, len(names))
		raw := map[string]string{}
		for i, n := range header {
			if i < len(rec) {
				raw[n] = rec[i]
			}
		}
		for j, n := range names {
			f := types[n]
			src, ok := raw[n]
			if !ok && f.parent != "" {
				src, ok = raw[f.parent]
			}
			if !ok || src == "" {
				continue
			}
			v, err := parseDataCell(src, f, ix.cols[j].Type)
			if err != nil {
				return nil, fmt.Errorf("%s.csv: column %s: %v", name, n, err)
			}
			row[j] = v
		}
		ix.rows = append(ix.rows, row)
	}
	return ix, nil
}

type mapField struct {
	typ         string
	parent      string // for a multi-field, the field it derives from
	ignoreAbove int
	scaling     float64
}

func flattenMapping(prefix string, props map[string]json.RawMessage, out map[string]mapField) {
	for name, raw := range props {
		var f struct {
			Type        string                     `json:"type"`
			Properties  map[string]json.RawMessage `json:"properties"`
			Fields      map[string]json.RawMessage `json:"fields"`
			IgnoreAbove int                        `json:"ignore_above"`
			Scaling     float64                    `json:"scaling_factor"`
		}
		_ = json.Unmarshal(raw, &f)
		full := prefix + name
		if f.Properties != nil {
			flattenMapping(full+".", f.Properties, out)
			continue
		}
		out[full] = mapField{typ: f.Type, ignoreAbove: f.IgnoreAbove, scaling: f.Scaling}
		for sub, sraw := range f.Fields {
			var sf struct {
				Type        string  `json:"type"`
				IgnoreAbove int     `json:"ignore_above"`
				Scaling     float64 `json:"scaling_factor"`
			}
			_ = json.Unmarshal(sraw, &sf)
			out[full+"."+sub] = mapField{typ: sf.Type, parent: full, ignoreAbove: sf.IgnoreAbove, scaling: sf.Scaling}
		}
	}
}

// splitData splits a data CSV line on commas outside quotes and
// brackets, keeping \, escapes for the multi-value split.
func splitData(line string) []string {
	var out []string
	var b strings.Builder
	inQ, depth := false, 0
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '\\' && i+1 < len(line) && line[i+1] == ',':
			b.WriteString(`\,`)
			i++
		case c == '"':
			if inQ && i+1 < len(line) && line[i+1] == '"' {
				b.WriteByte('"')
				i++
				continue
			}
			inQ = !inQ
		case c == '[' && !inQ:
			depth++
			b.WriteByte(c)
		case c == ']' && !inQ:
			depth--
			b.WriteByte(c)
		case c == ',' && !inQ && depth == 0:
			out = append(out, strings.TrimSpace(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, strings.TrimSpace(b.String()))
}

func parseDataCell(s string, f mapField, t Type) (any, error) {
	var parts []string
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		for _, p := range splitEscaped(s[1 : len(s)-1]) {
			parts = append(parts, strings.TrimSpace(p))
		}
	} else {
		parts = []string{strings.ReplaceAll(s, `\,`, ",")}
	}
	var vs []any
	for _, p := range parts {
		if p == "" && (len(parts) > 1 || strings.HasPrefix(s, "[") || t != TKeyword && t != TText) {
			continue
		}
		v, err := parseTyped(p, t, f.typ)
		if err != nil {
			return nil, err
		}
		if f.ignoreAbove > 0 && len(p) > f.ignoreAbove {
			continue
		}
		if f.scaling > 0 {
			v = math.Round(v.(float64)*f.scaling) / f.scaling
		}
		vs = append(vs, v)
	}
	// doc values: keyword, ip, version are sorted sets; numbers, dates
	// and booleans sorted; text keeps source order
	switch t {
	case TKeyword, TIP, TVersion:
		slices.SortFunc(vs, func(a, b any) int { return compareValues(a, b, t) })
		vs = slices.CompactFunc(vs, func(a, b any) bool { return compareValues(a, b, t) == 0 })
	case TInt, TLong, TDouble, TDate, TBool, TUnsignedLong:
		slices.SortFunc(vs, func(a, b any) int { return compareValues(a, b, t) })
	}
	return mv(vs), nil
}

func splitEscaped(s string) []string {
	var out []string
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+1 < len(s) && s[i+1] == ',' {
			b.WriteByte(',')
			i++
			continue
		}
		if s[i] == ',' {
			out = append(out, b.String())
			b.Reset()
			continue
		}
		b.WriteByte(s[i])
	}
	return append(out, b.String())
}

func parseTyped(s string, t Type, esType string) (any, error) {
	switch t {
	case TKeyword, TText, TVersion:
		return s, nil
	case TBool:
		return strings.EqualFold(s, "true"), nil
	case TInt, TLong:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		return int64(f), nil
	case TUnsignedLong:
		if n, err := strconv.ParseUint(s, 10, 64); err == nil {
			return n, nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		return uint64(f), nil
	case TDouble:
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil, err
		}
		switch esType {
		case "float":
			f = float64(float32(f))
		case "half_float":
			f = halfFloat(f)
		}
		return f, nil
	case TDate:
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, nil
		}
		return parseDate(s)
	case TIP:
		a, err := netip.ParseAddr(s)
		return a, err
	}
	return nil, nil
}

// halfFloat rounds to the nearest IEEE half-precision value.
func halfFloat(f float64) float64 {
	if f == 0 || math.IsInf(f, 0) || math.IsNaN(f) {
		return f
	}
	exp := math.Floor(math.Log2(math.Abs(f)))
	exp = max(exp, -14)
	q := math.Pow(2, exp-10)
	return float64(float32(math.RoundToEven(f/q) * q))
}
