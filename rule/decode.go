package rule

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// decoder maps the positioned tree onto the Rule model. It collects every
// type error of a file rather than stopping at the first.
type decoder struct {
	b       *builder // of the tree decoded (its paths)
	path    string
	errs    srcpos.ErrorList
	warns   []Warning
	unknown map[string]bool // unknown keys already warned about, by key path without indices
}

func (d *decoder) errorf(v *value, key, format string, args ...any) {
	d.errs = append(d.errs, keyError(d.path, v.line, v.col, key, fmt.Sprintf(format, args...)))
}

func (d *decoder) typeError(v *value, key, want string) {
	d.errorf(v, key, "expected %s, got %s", want, describeKind(v))
}

func describeKind(v *value) string {
	if v.kind == kArray && v.aot {
		return "array of tables"
	}
	return v.kind.String()
}

// unknownKey warns about a key the model does not know, once per key name.
func (d *decoder) unknownKey(v *value, key string) {
	name := stripIndices(key)
	if d.unknown[name] {
		return
	}
	if d.unknown == nil {
		d.unknown = map[string]bool{}
	}
	d.unknown[name] = true
	d.warns = append(d.warns, Warning{Path: d.path, Line: v.line, Col: v.col, Key: name, Msg: "unknown key", Count: 1})
}

// stripIndices turns "rule.threat[2].foo" into "rule.threat.foo".
func stripIndices(key string) string {
	if !strings.Contains(key, "[") {
		return key
	}
	var b strings.Builder
	skip := false
	for _, c := range key {
		switch {
		case c == '[':
			skip = true
		case c == ']':
			skip = false
		case !skip:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func (d *decoder) str(v *value, key string) string {
	if v.kind != kString {
		d.typeError(v, key, "string")
		return ""
	}
	return v.str
}

func (d *decoder) integer(v *value, key string) int {
	if v.kind != kInteger {
		d.typeError(v, key, "integer")
		return 0
	}
	if int64(int(v.num)) != v.num {
		d.errorf(v, key, "integer %d out of range", v.num)
		return 0
	}
	return int(v.num)
}

func (d *decoder) boolean(v *value, key string) bool {
	if v.kind != kBool {
		d.typeError(v, key, "boolean")
		return false
	}
	return v.bol
}

// strs decodes an array of strings. The result is never nil for an array,
// so that an empty list stays distinguishable from an absent key.
func (d *decoder) strs(v *value, key string) []string {
	if v.kind != kArray {
		d.typeError(v, key, "array of strings")
		return nil
	}
	out := make([]string, 0, len(v.arr))
	for i, e := range v.arr {
		if e.kind != kString {
			d.typeError(e, fmt.Sprintf("%s[%d]", key, i), "string")
			continue
		}
		out = append(out, e.str)
	}
	return out
}

// strOrList decodes a key that may be a string or an array of strings.
func (d *decoder) strOrList(v *value, key string) []string {
	if v.kind == kString {
		return []string{v.str}
	}
	if v.kind != kArray {
		d.typeError(v, key, "string or array of strings")
		return nil
	}
	return d.strs(v, key)
}

func (d *decoder) tbl(v *value, key string) *table {
	if v.kind != kTable {
		d.typeError(v, key, "table")
		return nil
	}
	return v.tbl
}

// tables decodes an array of tables ([[x]] or [{...}, ...]) and calls fn
// for each element with its indexed key.
func (d *decoder) tables(v *value, key string, fn func(t *table, key string)) {
	if v.kind != kArray {
		d.typeError(v, key, "array of tables")
		return
	}
	for i, e := range v.arr {
		k := d.b.indexed(key, i)
		if e.kind != kTable {
			d.typeError(e, k, "table")
			continue
		}
		fn(e.tbl, k)
	}
}

func (d *decoder) plainList(v *value, key string) []any {
	if v.kind != kArray {
		d.typeError(v, key, "array")
		return nil
	}
	return plain(v).([]any)
}

func (d *decoder) plainTable(v *value, key string) map[string]any {
	if v.kind != kTable {
		d.typeError(v, key, "table")
		return nil
	}
	return plain(v).(map[string]any)
}

// each calls fn for every key of t in file order, with its path.
func (d *decoder) each(t *table, prefix string, fn func(k string, v *value, key string)) {
	if t == nil {
		return
	}
	for i, k := range t.keys {
		fn(k, t.vals[i], d.b.path(prefix, k))
	}
}

// document decodes the whole file.
func (d *decoder) document(root *table) *Rule {
	r := &Rule{Path: d.path}
	var ruleTable *table
	for i, k := range root.keys {
		v := root.vals[i]
		switch k {
		case "metadata":
			d.metadata(d.tbl(v, k), &r.Metadata)
		case "rule":
			ruleTable = d.tbl(v, k)
			r.Line = v.line
		case "transform":
			if d.tbl(v, k) != nil {
				r.transform = d.b.text // decoded when asked for
			}
		default:
			d.unknownKey(v, k)
		}
	}
	if ruleTable == nil {
		if root.get("rule") == nil {
			d.errs = append(d.errs, keyError(d.path, 1, 1, "", "missing [rule] table"))
		}
		return r
	}
	d.rule(ruleTable, r)
	d.defaults(ruleTable, r)
	return r
}

func (d *decoder) metadata(t *table, m *Metadata) {
	d.each(t, "metadata", func(k string, v *value, key string) {
		switch k {
		case "creation_date":
			m.CreationDate = d.str(v, key)
		case "updated_date":
			m.UpdatedDate = d.str(v, key)
		case "deprecation_date":
			m.DeprecationDate = d.str(v, key)
		case "maturity":
			m.Maturity = d.str(v, key)
		case "integration":
			m.Integration = d.strOrList(v, key)
		case "min_stack_version":
			m.MinStackVersion = d.str(v, key)
		case "min_stack_comments":
			m.MinStackComments = d.str(v, key)
		case "comments":
			m.Comments = d.str(v, key)
		case "os_type_list":
			m.OSTypeList = d.strs(v, key)
		case "query_schema_validation":
			b := d.boolean(v, key)
			m.QuerySchemaValidation = &b
		case "related_endpoint_rules":
			m.RelatedEndpointRules = d.strs(v, key)
		case "bypass_bbr_timing":
			m.BypassBBRTiming = d.boolean(v, key)
		case "promotion":
			m.Promotion = d.boolean(v, key)
		case "extended":
			m.Extended = d.plainTable(v, key)
		default:
			d.unknownKey(v, key)
		}
	})
}

func (d *decoder) rule(t *table, r *Rule) {
	// A list of the keys rather than a map: a rule's [rule] has a few
	// dozen, and a map of them was a sixth of decoding a rule file
	// (profile of a hunt's start).
	r.has = make([]string, 0, len(t.keys))
	d.each(t, "rule", func(k string, v *value, key string) {
		r.has = append(r.has, k)
		switch k {
		case "rule_id":
			r.ID = d.str(v, key)
		case "name":
			r.Name = d.str(v, key)
		case "description":
			r.Description = d.str(v, key)
		case "type":
			r.Type = d.str(v, key)
		case "language":
			r.Language = d.str(v, key)
		case "query":
			r.Query = d.str(v, key)
			if v.kind == kString {
				d.queryPosition(v, r)
			}
		case "index":
			r.Index = d.strs(v, key)
		case "data_view_id":
			r.DataViewID = d.str(v, key)
		case "from":
			r.From = d.str(v, key)
			if r.From != "" {
				if _, err := ParseFrom(r.From); err != nil {
					d.errorf(v, key, "%v", err)
				}
			}
		case "interval":
			r.Interval = d.str(v, key)
			if r.Interval != "" {
				if _, err := ParseInterval(r.Interval); err != nil {
					d.errorf(v, key, "%v", err)
				}
			}
		case "to":
			r.To = d.str(v, key)
		case "max_signals":
			r.MaxSignals = d.integer(v, key)
			if v.kind == kInteger && r.MaxSignals < 1 {
				d.errorf(v, key, "must be at least 1, got %d", r.MaxSignals)
			}
		case "severity":
			r.Severity = d.str(v, key)
		case "risk_score":
			r.RiskScore = d.integer(v, key)
			if v.kind == kInteger && (r.RiskScore < 0 || r.RiskScore > 100) {
				d.errorf(v, key, "must be between 0 and 100, got %d", r.RiskScore)
			}
		case "severity_mapping":
			d.tables(v, key, func(t *table, key string) { r.SeverityMapping = append(r.SeverityMapping, d.severityMapping(t, key)) })
		case "risk_score_mapping":
			d.tables(v, key, func(t *table, key string) {
				r.RiskScoreMapping = append(r.RiskScoreMapping, d.riskScoreMapping(t, key))
			})
		case "rule_name_override":
			r.RuleNameOverride = d.str(v, key)
		case "tags":
			r.Tags = d.strs(v, key)
		case "author":
			r.Author = d.strs(v, key)
		case "license":
			r.License = d.str(v, key)
		case "references":
			r.References = d.strs(v, key)
		case "false_positives":
			r.FalsePositives = d.strs(v, key)
		case "note":
			r.Note = d.str(v, key)
		case "setup":
			r.Setup = d.str(v, key)
		case "timestamp_override":
			r.TimestampOverride = d.str(v, key)
		case "timestamp_override_fallback_disabled":
			r.TimestampOverrideFallbackDisabled = d.boolean(v, key)
		case "event_category_override":
			r.EventCategoryOverride = d.str(v, key)
		case "tiebreaker_field":
			r.TiebreakerField = d.str(v, key)
		case "timestamp_field":
			r.TimestampField = d.str(v, key)
		case "building_block_type":
			r.BuildingBlockType = d.str(v, key)
		case "threshold":
			r.Threshold = d.threshold(d.tbl(v, key), key)
		case "new_terms":
			r.NewTerms = d.newTerms(d.tbl(v, key), key)
		case "alert_suppression":
			r.AlertSuppression = d.alertSuppression(d.tbl(v, key), key)
		case "filters":
			r.Filters = d.plainList(v, key)
		case "exceptions_list":
			d.tables(v, key, func(t *table, key string) { r.ExceptionsList = append(r.ExceptionsList, d.exceptionList(t, key)) })
		case "investigation_fields":
			d.each(d.tbl(v, key), key, func(k string, v *value, key string) {
				if k == "field_names" {
					r.InvestigationFields = d.strs(v, key)
				} else {
					d.unknownKey(v, key)
				}
			})
		case "threat":
			d.tables(v, key, func(t *table, key string) { r.Threat = append(r.Threat, d.threat(t, key)) })
		case "machine_learning_job_id":
			r.MachineLearningJobID = d.strOrList(v, key)
		case "anomaly_threshold":
			r.AnomalyThreshold = d.integer(v, key)
		case "threat_index":
			r.ThreatIndex = d.strs(v, key)
		case "threat_query":
			r.ThreatQuery = d.str(v, key)
		case "threat_language":
			r.ThreatLanguage = d.str(v, key)
		case "threat_indicator_path":
			r.ThreatIndicatorPath = d.str(v, key)
		case "threat_mapping":
			d.tables(v, key, func(t *table, key string) { r.ThreatMapping = append(r.ThreatMapping, d.threatMapping(t, key)) })
		case "threat_filters":
			r.ThreatFilters = d.plainList(v, key)
		case "concurrent_searches":
			r.ConcurrentSearches = d.integer(v, key)
		case "items_per_search":
			r.ItemsPerSearch = d.integer(v, key)
		case "version":
			r.Version = d.integer(v, key)
		case "revision":
			r.Revision = d.integer(v, key)
		case "enabled":
			b := d.boolean(v, key)
			r.Enabled = &b
		case "output_index":
			r.OutputIndex = d.str(v, key)
		case "namespace":
			r.Namespace = d.str(v, key)
		case "timeline_id":
			r.TimelineID = d.str(v, key)
		case "timeline_title":
			r.TimelineTitle = d.str(v, key)
		case "meta":
			r.Meta = d.plainTable(v, key)
		case "actions":
			r.Actions = d.plainList(v, key)
		case "throttle":
			r.Throttle = d.str(v, key)
		case "related_integrations":
			r.RelatedIntegrations = d.plainList(v, key)
		case "required_fields":
			r.RequiredFields = d.plainList(v, key)
		default:
			r.has = r.has[:len(r.has)-1]
			d.unknownKey(v, key)
		}
	})
}

// queryPosition records where the query's first character is in the file.
func (d *decoder) queryPosition(v *value, r *Rule) {
	raw := v.raw
	line, col := v.rawLine, v.rawCol
	switch {
	case bytes.HasPrefix(raw, []byte(`"""`)):
		r.QueryStyle = MultiLineBasic
	case bytes.HasPrefix(raw, []byte(`'''`)):
		r.QueryStyle = MultiLineLiteral
	case raw[0] == '"':
		r.QueryStyle = Basic
	default:
		r.QueryStyle = Literal
	}
	body := raw[1:]
	col++
	if r.QueryStyle == MultiLineBasic || r.QueryStyle == MultiLineLiteral {
		body = raw[3:]
		col += 2
		// A newline right after the opening quotes is not part of the string.
		switch {
		case bytes.HasPrefix(body, []byte("\n")):
			body, line, col = body[1:], line+1, 1
		case bytes.HasPrefix(body, []byte("\r\n")):
			body, line, col = body[2:], line+1, 1
		}
	}
	r.QueryLine, r.QueryCol = line, col
	r.queryBody = d.b.str(body)
}

func (d *decoder) defaults(t *table, r *Rule) {
	for _, k := range []string{"rule_id", "name", "type"} {
		if t.get(k) == nil {
			d.errs = append(d.errs, keyError(d.path, r.Line, 0, "rule", "missing required key "+strconv.Quote(k)))
		}
	}
	switch r.Type {
	case "query", "eql", "esql", "threshold", "new_terms", "threat_match":
		if t.get("query") == nil {
			d.errs = append(d.errs, keyError(d.path, r.Line, 0, "rule", "missing required key \"query\" for a "+r.Type+" rule"))
		}
	}
	if r.Language == "" {
		switch r.Type {
		case "query", "threshold", "new_terms", "threat_match":
			r.Language = "kuery"
		case "eql", "esql":
			r.Language = r.Type
		}
	}
	if r.From == "" {
		r.From = DefaultFrom
	}
	if r.Interval == "" {
		r.Interval = DefaultInterval
	}
	if r.To == "" {
		r.To = "now"
	}
	if !r.Has("max_signals") {
		r.MaxSignals = DefaultMaxSignals
	}
}

func (d *decoder) severityMapping(t *table, prefix string) (m SeverityMapping) {
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "field":
			m.Field = d.str(v, key)
		case "operator":
			m.Operator = d.str(v, key)
		case "value":
			m.Value = d.str(v, key)
		case "severity":
			m.Severity = d.str(v, key)
		default:
			d.unknownKey(v, key)
		}
	})
	return m
}

func (d *decoder) riskScoreMapping(t *table, prefix string) (m RiskScoreMapping) {
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "field":
			m.Field = d.str(v, key)
		case "operator":
			m.Operator = d.str(v, key)
		case "value":
			m.Value = d.str(v, key)
		default:
			d.unknownKey(v, key)
		}
	})
	return m
}

func (d *decoder) threshold(t *table, prefix string) *Threshold {
	if t == nil {
		return nil
	}
	th := &Threshold{}
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "field":
			th.Field = d.strOrList(v, key)
		case "value":
			th.Value = d.integer(v, key)
		case "cardinality":
			d.tables(v, key, func(t *table, prefix string) {
				var c Cardinality
				d.each(t, prefix, func(k string, v *value, key string) {
					switch k {
					case "field":
						c.Field = d.str(v, key)
					case "value":
						c.Value = d.integer(v, key)
					default:
						d.unknownKey(v, key)
					}
				})
				th.Cardinality = append(th.Cardinality, c)
			})
		default:
			d.unknownKey(v, key)
		}
	})
	return th
}

func (d *decoder) newTerms(t *table, prefix string) *NewTerms {
	if t == nil {
		return nil
	}
	nt := &NewTerms{}
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "field":
			nt.Field = d.str(v, key)
		case "value":
			nt.Value = d.strOrList(v, key)
		case "history_window_start":
			d.tables(v, key, func(t *table, prefix string) {
				d.each(t, prefix, func(k string, v *value, key string) {
					switch k {
					case "field":
						d.str(v, key)
					case "value":
						nt.HistoryWindowStart = d.str(v, key)
					default:
						d.unknownKey(v, key)
					}
				})
			})
		default:
			d.unknownKey(v, key)
		}
	})
	return nt
}

func (d *decoder) alertSuppression(t *table, prefix string) *AlertSuppression {
	if t == nil {
		return nil
	}
	as := &AlertSuppression{}
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "group_by":
			as.GroupBy = d.strOrList(v, key)
		case "missing_fields_strategy":
			as.MissingFieldsStrategy = d.str(v, key)
		case "duration":
			dur := &Duration{}
			d.each(d.tbl(v, key), key, func(k string, v *value, key string) {
				switch k {
				case "value":
					dur.Value = d.integer(v, key)
				case "unit":
					dur.Unit = d.str(v, key)
				default:
					d.unknownKey(v, key)
				}
			})
			as.Duration = dur
		default:
			d.unknownKey(v, key)
		}
	})
	return as
}

func (d *decoder) exceptionList(t *table, prefix string) (e ExceptionList) {
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "id":
			e.ID = d.str(v, key)
		case "list_id":
			e.ListID = d.str(v, key)
		case "namespace_type":
			e.NamespaceType = d.str(v, key)
		case "type":
			e.Type = d.str(v, key)
		default:
			d.unknownKey(v, key)
		}
	})
	return e
}

func (d *decoder) threatEntry(t *table, prefix string, sub *[]ThreatEntry) (e ThreatEntry) {
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "id":
			e.ID = d.str(v, key)
		case "name":
			e.Name = d.str(v, key)
		case "reference":
			e.Reference = d.str(v, key)
		case "subtechnique":
			if sub != nil {
				d.tables(v, key, func(t *table, key string) { *sub = append(*sub, d.threatEntry(t, key, nil)) })
				return
			}
			d.unknownKey(v, key)
		default:
			d.unknownKey(v, key)
		}
	})
	return e
}

func (d *decoder) threat(t *table, prefix string) (th Threat) {
	d.each(t, prefix, func(k string, v *value, key string) {
		switch k {
		case "framework":
			th.Framework = d.str(v, key)
		case "tactic":
			if tt := d.tbl(v, key); tt != nil {
				th.Tactic = d.threatEntry(tt, key, nil)
			}
		case "technique":
			d.tables(v, key, func(t *table, key string) {
				var subs []ThreatEntry
				e := d.threatEntry(t, key, &subs)
				th.Technique = append(th.Technique, Technique{ID: e.ID, Name: e.Name, Reference: e.Reference, Subtechnique: subs})
			})
		default:
			d.unknownKey(v, key)
		}
	})
	return th
}

func (d *decoder) threatMapping(t *table, prefix string) (m ThreatMapping) {
	d.each(t, prefix, func(k string, v *value, key string) {
		if k != "entries" {
			d.unknownKey(v, key)
			return
		}
		d.tables(v, key, func(t *table, prefix string) {
			var e ThreatMappingEntry
			d.each(t, prefix, func(k string, v *value, key string) {
				switch k {
				case "field":
					e.Field = d.str(v, key)
				case "type":
					e.Type = d.str(v, key)
				case "value":
					e.Value = d.str(v, key)
				case "negate":
					e.Negate = d.boolean(v, key)
				default:
					d.unknownKey(v, key)
				}
			})
			m.Entries = append(m.Entries, e)
		})
	})
	return m
}
