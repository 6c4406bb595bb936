package sigma

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/vigilsec/vigil/match"
)

// Correlation types.
const (
	EventCount      = "event_count"
	ValueCount      = "value_count"
	Temporal        = "temporal"
	TemporalOrdered = "temporal_ordered"
	ValueSum        = "value_sum"
	ValueAvg        = "value_avg"
	ValuePercentile = "value_percentile"
)

// Compiled is a correlation rule compiled against its referenced rules.
type Compiled struct {
	Type string
	// Bases are the referenced rules' predicates, in the order the
	// correlation names them (temporal_ordered's order).
	Bases []match.Pred
	// GroupBy holds, per base, per group-by field, the slots its value is
	// read from (the first present).
	GroupBy [][][]int
	// GroupNames are the group-by field names (for alerts).
	GroupNames []string
	// Field holds, per base, the slots of the aggregated field
	// (value_count, value_sum, value_avg, value_percentile).
	Field [][]int
	// Timespan is the window.
	Timespan time.Duration
	// Op and N are the condition (gt, gte, lt, lte, eq, neq; for
	// value_percentile, of the Percentile-th percentile).
	Op         string
	N          float64
	Percentile float64
	// Generate says whether the referenced rules alert too.
	Generate bool
}

// Holds reports whether a value meets the condition.
func (c *Compiled) Holds(v float64) bool {
	switch c.Op {
	case "gt":
		return v > c.N
	case "gte":
		return v >= c.N
	case "lt":
		return v < c.N
	case "lte":
		return v <= c.N
	case "eq":
		return v == c.N
	case "neq":
		return v != c.N
	}
	return false
}

// Rising reports whether the condition, once met by a growing count,
// stays met: it is then decided as soon as it holds.
func (c *Compiled) Rising() bool { return c.Op == "gt" || c.Op == "gte" }

// CompileCorrelation compiles a correlation rule; find returns the rule a
// correlation names (by id or name).
func (r *Rule) CompileCorrelation(env Env, find func(ref string) *Rule) (*Compiled, error) {
	cr := r.Correlation
	if cr == nil {
		return nil, fmt.Errorf("%s: not a correlation rule", r.Pos)
	}
	c := &Compiled{Type: cr.Type, Generate: cr.Generate, GroupNames: cr.GroupBy}
	switch cr.Type {
	case EventCount, ValueCount, Temporal, TemporalOrdered, ValueSum, ValueAvg, ValuePercentile:
	default:
		return nil, srcposError(r, cr.Pos, "unknown correlation type %q", cr.Type)
	}
	d, err := parseTimespan(cr.Timespan)
	if err != nil {
		return nil, srcposError(r, cr.Pos, "correlation timespan: %v", err)
	}
	c.Timespan = d
	if err := c.condition(cr); err != nil {
		return nil, srcposError(r, cr.Pos, "correlation condition: %v", err)
	}
	field := cr.Field
	if f, ok := cr.Condition["field"]; ok {
		field = f
	}
	needsField := cr.Type == ValueCount || cr.Type == ValueSum || cr.Type == ValueAvg || cr.Type == ValuePercentile
	if needsField && field == "" {
		return nil, srcposError(r, cr.Pos, "a %s correlation needs a field", cr.Type)
	}
	for _, ref := range cr.Rules {
		base := find(ref)
		if base == nil {
			return nil, srcposError(r, cr.Pos, "correlation names rule %q, which is not loaded", ref)
		}
		if base.Detection == nil {
			return nil, unsupported("correlation of correlation %q is not supported", ref)
		}
		p, err := base.Compile(env)
		if err != nil {
			return nil, err
		}
		c.Bases = append(c.Bases, p)
		fm := fieldsOf(base.Logsource)
		var groups [][]int
		for _, g := range cr.GroupBy {
			name := g
			if a, ok := cr.Aliases[g]; ok {
				if n, ok := a[ref]; ok {
					name = n
				} else if n, ok := a[base.Name]; ok {
					name = n
				}
			}
			groups = append(groups, slotsOf(fm.source(name), env.Slot))
		}
		c.GroupBy = append(c.GroupBy, groups)
		if needsField {
			c.Field = append(c.Field, slotsOf(fm.source(field), env.Slot))
		}
	}
	return c, nil
}

func slotsOf(s source, slotOf func(string) int) []int {
	var out []int
	for _, f := range s.fields {
		out = append(out, slotOf(f))
	}
	return out
}

func (c *Compiled) condition(cr *Correlation) error {
	if cr.Type == Temporal || cr.Type == TemporalOrdered {
		c.Op, c.N = "gte", float64(len(cr.Rules))
		if len(cr.Condition) == 0 {
			return nil
		}
	}
	for _, op := range []string{"gt", "gte", "lt", "lte", "eq", "neq"} {
		v, ok := cr.Condition[op]
		if !ok {
			continue
		}
		if c.Op != "" && cr.Type != Temporal && cr.Type != TemporalOrdered {
			return fmt.Errorf("one comparison only (a range is not supported)")
		}
		n, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a number", op, v)
		}
		c.Op, c.N = op, n
	}
	if c.Op == "" {
		return fmt.Errorf("no comparison (gt, gte, lt, lte, eq or neq)")
	}
	c.Percentile = 50
	if v, ok := cr.Condition["percentile"]; ok {
		n, err := strconv.ParseFloat(v, 64)
		if err != nil || n < 0 || n > 100 {
			return fmt.Errorf("percentile %q is not between 0 and 100", v)
		}
		c.Percentile = n
	}
	return nil
}

// parseTimespan reads a Sigma timespan: a number and s, m, h, d, w, M or y.
func parseTimespan(s string) (time.Duration, error) {
	if len(s) < 2 {
		return 0, fmt.Errorf("%q is not a timespan (e.g. 5m)", s)
	}
	n, err := strconv.Atoi(s[:len(s)-1])
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("%q is not a timespan (e.g. 5m)", s)
	}
	units := map[byte]time.Duration{'s': time.Second, 'm': time.Minute, 'h': time.Hour, 'd': 24 * time.Hour,
		'w': 7 * 24 * time.Hour, 'M': 30 * 24 * time.Hour, 'y': 365 * 24 * time.Hour}
	u, ok := units[s[len(s)-1]]
	if !ok {
		return 0, fmt.Errorf("%q: unknown unit %q", s, s[len(s)-1:])
	}
	return time.Duration(n) * u, nil
}

func srcposError(r *Rule, p interface{ String() string }, format string, args ...any) error {
	return fmt.Errorf("%s: sigma: %s", p, fmt.Sprintf(format, args...))
}

// Refs returns what a correlation or filter names (ids or names).
func (r *Rule) Refs() []string {
	switch {
	case r.Correlation != nil:
		return r.Correlation.Rules
	case r.Filter != nil:
		return r.Filter.Rules
	}
	return nil
}

// Refers reports whether ref names r (its id or its name).
func (r *Rule) Refers(ref string) bool {
	return ref != "" && (strings.EqualFold(ref, r.ID) || ref == r.Name)
}
