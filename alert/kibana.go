package alert

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"strconv"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// Constants of the alert document that describe where a Kibana alert
// lives: the security solution's rules run in the default space, produced
// and consumed by "siem", and their alerts are written to this index.
const (
	SpaceID     = "default"
	Producer    = "siem"
	Consumer    = "siem"
	AlertsIndex = ".alerts-security.alerts-default"
)

// ruleKinds maps a rule type to Kibana's rule type id (rule_type_id) and
// the category its alerts show.
var ruleKinds = map[string]struct{ typeID, category string }{
	"query":            {"siem.queryRule", "Custom Query Rule"},
	"eql":              {"siem.eqlRule", "Event Correlation Rule"},
	"threshold":        {"siem.thresholdRule", "Threshold Rule"},
	"new_terms":        {"siem.newTermsRule", "New Terms Rule"},
	"threat_match":     {"siem.indicatorRule", "Indicator Match Rule"},
	"machine_learning": {"siem.mlRule", "Machine Learning Rule"},
	"esql":             {"siem.esqlRule", "ES|QL Rule"},
}

// ruleNamespace is the UUID namespace of RuleUUID (a version 4 UUID
// chosen once for vigil).
var ruleNamespace = [16]byte{0x6f, 0x1c, 0x2e, 0x7a, 0x93, 0x4d, 0x4b, 0x5e, 0x8a, 0x61, 0x0d, 0x3f, 0xb2, 0x57, 0xc4, 0x19}

// RuleUUID returns the rule's kibana.alert.rule.uuid. Kibana's is the id of
// the rule's saved object, made when the rule is installed; vigil has no
// saved objects, so it derives a name-based (version 5) UUID from the
// rule_id: the same rule gets the same uuid in every run.
func RuleUUID(r *rule.Rule) string {
	h := sha1.New()
	h.Write(ruleNamespace[:])
	h.Write([]byte(r.ID))
	var u [16]byte
	copy(u[:], h.Sum(nil))
	u[6] = u[6]&0x0f | 0x50
	u[8] = u[8]&0x3f | 0x80
	s := hex.EncodeToString(u[:])
	return s[:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:]
}

// writeRule writes the kibana.alert.rule.* fields Kibana writes: the rule
// parameters (kibana.alert.rule.parameters, a flattened object) and the
// top-level copies of the rule's attributes.
func (a *Alert) writeRule(w *objWriter) {
	r := a.Rule
	kind := ruleKinds[r.Type]
	w.str("kibana.alert.rule.uuid", RuleUUID(r))
	w.str("kibana.alert.rule.name", a.RuleName)
	w.str("kibana.alert.rule.type", r.Type)
	w.str("kibana.alert.rule.rule_type_id", kind.typeID)
	w.str("kibana.alert.rule.category", kind.category)
	w.str("kibana.alert.rule.producer", Producer)
	w.str("kibana.alert.rule.consumer", Consumer)
	w.key("kibana.space_ids")
	w.buf = append(w.buf, `["`+SpaceID+`"]`...)
	w.num("kibana.alert.rule.revision", int64(r.Revision))
	w.key("kibana.alert.rule.enabled")
	w.buf = strconv.AppendBool(w.buf, r.IsEnabled())
	w.str("kibana.alert.rule.interval", r.Interval)
	w.strs("kibana.alert.rule.tags", r.Tags)
	writeAttributes(w, "kibana.alert.rule.", r)
	if len(r.Threat) > 0 {
		w.key("kibana.alert.rule.threat")
		w.buf = appendThreat(w.buf, r.Threat)
	}
	if len(r.ExceptionsList) > 0 {
		w.key("kibana.alert.rule.exceptions_list")
		w.buf = appendExceptionsList(w.buf, r.ExceptionsList)
	}
	if len(r.SeverityMapping) > 0 {
		w.key("kibana.alert.rule.severity_mapping")
		w.buf = appendSeverityMapping(w.buf, r.SeverityMapping)
	}
	if len(r.RiskScoreMapping) > 0 {
		w.key("kibana.alert.rule.risk_score_mapping")
		w.buf = appendRiskScoreMapping(w.buf, r.RiskScoreMapping)
	}
	w.key("kibana.alert.rule.parameters")
	w.buf = appendParameters(w.buf, r)
}

// writeAttributes writes the rule attributes Kibana keeps both in the
// rule's parameters and as top-level kibana.alert.rule.* copies, each
// key behind prefix.
func writeAttributes(w *objWriter, prefix string, r *rule.Rule) {
	w.str(prefix+"rule_id", r.ID)
	w.num(prefix+"version", int64(r.Version))
	w.str(prefix+"description", r.Description)
	w.str(prefix+"from", r.From)
	w.str(prefix+"to", r.To)
	w.num(prefix+"max_signals", int64(r.MaxSignals))
	w.strs(prefix+"author", r.Author)
	w.strs(prefix+"references", r.References)
	w.strs(prefix+"false_positives", r.FalsePositives)
	for _, kv := range [...][2]string{
		{"license", r.License}, {"note", r.Note}, {"rule_name_override", r.RuleNameOverride},
		{"timestamp_override", r.TimestampOverride}, {"building_block_type", r.BuildingBlockType},
		{"timeline_id", r.TimelineID}, {"timeline_title", r.TimelineTitle},
	} {
		w.optStr(prefix+kv[0], kv[1])
	}
}

// appendParameters writes the rule's parameters as Kibana stores them in
// kibana.alert.rule.parameters: the detection rule's own fields, snake
// case, with the query, its language, index patterns and type-specific
// settings (threshold, new terms, indicator match, alert suppression,
// investigation fields).
func appendParameters(dst []byte, r *rule.Rule) []byte {
	p := objWriter{buf: dst}
	p.open()
	writeAttributes(&p, "", r)
	p.num("risk_score", int64(r.RiskScore))
	p.key("risk_score_mapping")
	p.buf = appendRiskScoreMapping(p.buf, r.RiskScoreMapping)
	p.str("severity", r.Severity)
	p.key("severity_mapping")
	p.buf = appendSeverityMapping(p.buf, r.SeverityMapping)
	p.key("threat")
	p.buf = appendThreat(p.buf, r.Threat)
	p.key("exceptions_list")
	p.buf = appendExceptionsList(p.buf, r.ExceptionsList)
	p.optStr("setup", r.Setup)
	if r.TimestampOverrideFallbackDisabled {
		p.key("timestamp_override_fallback_disabled")
		p.buf = append(p.buf, "true"...)
	}
	p.plain("related_integrations", r.RelatedIntegrations)
	p.plain("required_fields", r.RequiredFields)
	p.str("type", r.Type)
	p.optStr("language", r.Language)
	p.strs("index", r.Index)
	p.optStr("data_view_id", r.DataViewID)
	p.optStr("query", r.Query)
	p.plain("filters", r.Filters)
	p.optStr("event_category_override", r.EventCategoryOverride)
	p.optStr("tiebreaker_field", r.TiebreakerField)
	p.optStr("timestamp_field", r.TimestampField)
	if t := r.Threshold; t != nil {
		p.key("threshold")
		th := objWriter{buf: p.buf}
		th.open()
		th.key("field")
		th.buf = appendStrings(th.buf, t.Field)
		th.num("value", int64(t.Value))
		if len(t.Cardinality) > 0 {
			th.key("cardinality")
			th.buf = appendObjects(th.buf, len(t.Cardinality), func(o *objWriter, i int) {
				o.str("field", t.Cardinality[i].Field)
				o.num("value", int64(t.Cardinality[i].Value))
			})
		}
		th.close()
		p.buf = th.buf
	}
	if nt := r.NewTerms; nt != nil {
		p.key("new_terms_fields")
		p.buf = appendStrings(p.buf, nt.Value)
		p.str("history_window_start", nt.HistoryWindowStart)
	}
	if r.Type == "threat_match" {
		p.strs("threat_index", r.ThreatIndex)
		p.optStr("threat_query", r.ThreatQuery)
		p.optStr("threat_language", r.ThreatLanguage)
		p.optStr("threat_indicator_path", r.ThreatIndicatorPath)
		p.plain("threat_filters", r.ThreatFilters)
		if len(r.ThreatMapping) > 0 {
			p.key("threat_mapping")
			p.buf = appendThreatMapping(p.buf, r.ThreatMapping)
		}
	}
	if len(r.MachineLearningJobID) > 0 {
		p.strs("machine_learning_job_id", r.MachineLearningJobID)
		p.num("anomaly_threshold", int64(r.AnomalyThreshold))
	}
	if s := r.AlertSuppression; s != nil {
		p.key("alert_suppression")
		as := objWriter{buf: p.buf}
		as.open()
		as.key("group_by")
		as.buf = appendStrings(as.buf, s.GroupBy)
		if s.Duration != nil {
			as.key("duration")
			as.buf = append(as.buf, `{"value":`...)
			as.buf = strconv.AppendInt(as.buf, int64(s.Duration.Value), 10)
			as.buf = append(as.buf, `,"unit":`...)
			as.buf = event.AppendJSONString(as.buf, s.Duration.Unit)
			as.buf = append(as.buf, '}')
		}
		as.optStr("missing_fields_strategy", s.MissingFieldsStrategy)
		as.close()
		p.buf = as.buf
	}
	if len(r.InvestigationFields) > 0 {
		p.key("investigation_fields")
		p.buf = append(p.buf, `{"field_names":`...)
		p.buf = appendStrings(p.buf, r.InvestigationFields)
		p.buf = append(p.buf, '}')
	}
	p.close()
	return p.buf
}

func appendStrings(dst []byte, ss []string) []byte {
	dst = append(dst, '[')
	for i, s := range ss {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = event.AppendJSONString(dst, s)
	}
	return append(dst, ']')
}

// appendObjects writes a JSON array of n objects, each written by member.
func appendObjects(dst []byte, n int, member func(o *objWriter, i int)) []byte {
	dst = append(dst, '[')
	for i := range n {
		if i > 0 {
			dst = append(dst, ',')
		}
		o := objWriter{buf: dst}
		o.open()
		member(&o, i)
		o.close()
		dst = o.buf
	}
	return append(dst, ']')
}

func appendExceptionsList(dst []byte, lists []rule.ExceptionList) []byte {
	return appendObjects(dst, len(lists), func(o *objWriter, i int) {
		l := lists[i]
		o.str("id", l.ID)
		o.str("list_id", l.ListID)
		o.str("namespace_type", l.NamespaceType)
		o.str("type", l.Type)
	})
}

func appendSeverityMapping(dst []byte, ms []rule.SeverityMapping) []byte {
	return appendMappings(dst, len(ms), func(i int) (string, string, string, string) {
		return ms[i].Field, ms[i].Operator, ms[i].Value, ms[i].Severity
	})
}

func appendRiskScoreMapping(dst []byte, ms []rule.RiskScoreMapping) []byte {
	return appendMappings(dst, len(ms), func(i int) (string, string, string, string) {
		return ms[i].Field, ms[i].Operator, ms[i].Value, ""
	})
}

// appendMappings writes severity or risk score mappings: field, operator,
// value and, for severity mappings, the severity.
func appendMappings(dst []byte, n int, at func(i int) (field, operator, value, severity string)) []byte {
	return appendObjects(dst, n, func(o *objWriter, i int) {
		field, operator, value, severity := at(i)
		o.str("field", field)
		o.str("operator", operator)
		o.str("value", value)
		o.optStr("severity", severity)
	})
}

func appendThreatMapping(dst []byte, ms []rule.ThreatMapping) []byte {
	return appendObjects(dst, len(ms), func(o *objWriter, i int) {
		es := ms[i].Entries
		o.key("entries")
		o.buf = appendObjects(o.buf, len(es), func(o *objWriter, j int) {
			e := es[j]
			o.str("field", e.Field)
			o.str("type", e.Type)
			o.str("value", e.Value)
			if e.Negate {
				o.key("negate")
				o.buf = append(o.buf, "true"...)
			}
		})
	})
}

func (w *objWriter) optStr(k, v string) {
	if v != "" {
		w.str(k, v)
	}
}

// plain writes a plain tree (maps, slices, scalars) kept from the rule
// file, when there is one.
func (w *objWriter) plain(k string, v any) {
	switch x := v.(type) {
	case nil:
		return
	case []any:
		if len(x) == 0 {
			return
		}
	}
	b, err := json.Marshal(v)
	if err != nil {
		return
	}
	w.key(k)
	w.buf = append(w.buf, b...)
}
