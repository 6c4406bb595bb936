package rule

import "slices"

// Rule is one detection rule as written in a detection-rules TOML file: the
// [metadata] table, the [rule] table and the optional [transform] table.
//
// Field names follow the TOML keys (rule_id is ID). Kibana's defaults are
// applied when a key is absent: From "now-6m", Interval "5m", MaxSignals
// 100, Language "kuery" for query, threshold, new_terms and threat_match
// rules ("eql" and "esql" for those types). Has tells whether a key was
// written. Index is nil when the rule names no index pattern; see Indices.
type Rule struct {
	Path string // the file, as given to Parse
	Line int    // line of the [rule] header

	Metadata Metadata

	ID          string // rule_id
	Name        string
	Description string
	Type        string // query, eql, esql, threshold, new_terms, threat_match, machine_learning
	Language    string // kuery, lucene, eql, esql; "" for machine_learning
	Query       string

	// Where Query is written, to map positions in the query to the file:
	// see QueryPos.
	QueryLine, QueryCol int
	QueryStyle          StringStyle

	Index      []string // index patterns; nil when absent
	DataViewID string   // data_view_id

	From       string // date math, e.g. "now-9m"
	Interval   string // e.g. "5m"
	To         string // "now" unless written
	MaxSignals int

	Severity         string
	RiskScore        int
	SeverityMapping  []SeverityMapping
	RiskScoreMapping []RiskScoreMapping
	RuleNameOverride string

	Tags           []string
	Author         []string
	License        string
	References     []string
	FalsePositives []string
	Note           string // investigation guide, markdown
	Setup          string // setup guide, markdown

	TimestampOverride                 string
	TimestampOverrideFallbackDisabled bool
	EventCategoryOverride             string // EQL
	TiebreakerField                   string // EQL
	TimestampField                    string // EQL

	BuildingBlockType string // "default" for building blocks

	Threshold        *Threshold
	NewTerms         *NewTerms
	AlertSuppression *AlertSuppression

	// Filters are Kibana filters (Elasticsearch query DSL plus meta), kept
	// as plain trees: maps, slices, strings, int64, float64, bool.
	Filters []any

	ExceptionsList      []ExceptionList
	InvestigationFields []string

	Threat []Threat

	// Machine learning rules.
	MachineLearningJobID []string
	AnomalyThreshold     int

	// Indicator match (threat_match) rules.
	ThreatIndex         []string
	ThreatQuery         string
	ThreatLanguage      string
	ThreatIndicatorPath string
	ThreatMapping       []ThreatMapping
	ThreatFilters       []any
	ConcurrentSearches  int
	ItemsPerSearch      int

	Version     int
	Revision    int
	Enabled     *bool
	OutputIndex string
	Namespace   string

	TimelineID    string
	TimelineTitle string

	// Keys kept as plain trees, for output only.
	Meta                map[string]any
	Actions             []any
	Throttle            string
	RelatedIntegrations []any
	RequiredFields      []any

	// Parsed is the rule as another front end parsed it (a *sigma.Rule
	// for a Sigma rule), for the engine to compile; nil for TOML rules.
	Parsed any

	// transform is the text of the file when it has a [transform] table
	// (see Transform).
	transform string

	has       []string // keys written in [rule] (interned: see builder.intern)
	queryBody string   // the query as written, between its quotes
}

// Metadata is the [metadata] table. Dates are kept as written ("2023/05/17").
type Metadata struct {
	CreationDate          string
	UpdatedDate           string
	DeprecationDate       string
	Maturity              string // production, development, deprecated
	Integration           []string
	MinStackVersion       string
	MinStackComments      string
	Comments              string
	OSTypeList            []string
	QuerySchemaValidation *bool
	RelatedEndpointRules  []string
	BypassBBRTiming       bool
	Promotion             bool
	Extended              map[string]any
}

// StringStyle is how a TOML string is written.
type StringStyle uint8

const (
	Basic            StringStyle = iota + 1 // "..."
	Literal                                 // '...'
	MultiLineBasic                          // """..."""
	MultiLineLiteral                        // '''...'''
)

// String returns the TOML quote of the style.
func (s StringStyle) String() string {
	switch s {
	case Basic:
		return `"`
	case Literal:
		return `'`
	case MultiLineBasic:
		return `"""`
	case MultiLineLiteral:
		return `'''`
	}
	return ""
}

// Threat maps the rule to a MITRE ATT&CK tactic and techniques.
type Threat struct {
	Framework string // "MITRE ATT&CK"
	Tactic    ThreatEntry
	Technique []Technique
}

// ThreatEntry is a tactic or sub-technique.
type ThreatEntry struct {
	ID, Name, Reference string
}

// Technique is an ATT&CK technique with its sub-techniques.
type Technique struct {
	ID, Name, Reference string
	Subtechnique        []ThreatEntry
}

// Threshold is the [rule.threshold] of a threshold rule: alert when at
// least Value events share the same values of Field (none: all events),
// and, with Cardinality, when those events hold at least Cardinality.Value
// distinct values of Cardinality.Field.
type Threshold struct {
	Field       []string // written as a string or a list
	Value       int
	Cardinality []Cardinality
}

// Cardinality is a threshold's distinct-count condition.
type Cardinality struct {
	Field string
	Value int
}

// NewTerms is the [rule.new_terms] of a new_terms rule: alert on the first
// appearance of a value combination of Value's fields within the history
// window (HistoryWindowStart, date math such as "now-7d").
type NewTerms struct {
	Field              string   // always "new_terms_fields"
	Value              []string // the fields
	HistoryWindowStart string
}

// AlertSuppression groups alerts by fields over a duration.
type AlertSuppression struct {
	GroupBy               []string
	Duration              *Duration // nil: per rule execution
	MissingFieldsStrategy string    // suppress, doNotSuppress
}

// Duration is a count of a unit (s, m, h).
type Duration struct {
	Value int
	Unit  string
}

// SeverityMapping overrides the severity from a field's value.
type SeverityMapping struct {
	Field, Operator, Value, Severity string
}

// RiskScoreMapping overrides the risk score from a field's value.
type RiskScoreMapping struct {
	Field, Operator, Value string
}

// ExceptionList references a Kibana exception list.
type ExceptionList struct {
	ID, ListID, NamespaceType, Type string
}

// ThreatMapping is one group of indicator-match entries (all must match).
type ThreatMapping struct {
	Entries []ThreatMappingEntry
}

// ThreatMappingEntry maps a source field to an indicator field.
type ThreatMappingEntry struct {
	Field, Type, Value string
	Negate             bool
}

// Transform returns the [transform] table (osquery and investigate
// entries that Kibana renders into the note) as a plain tree, or nil when
// the file has none. It is decoded from the rule file's text when called:
// nothing vigil runs reads it, and a plain tree of it for every rule was
// a tenth of the allocations of loading Elastic's Windows rules.
func (r *Rule) Transform() map[string]any {
	if r.transform == "" {
		return nil
	}
	b, err := parseTree([]byte(r.transform))
	if err != nil {
		return nil // it parsed when the rule was loaded
	}
	defer b.release()
	v := b.root.get("transform")
	if v == nil || v.kind != kTable {
		return nil
	}
	return plain(v).(map[string]any)
}

// Has reports whether key was written in the [rule] table (e.g. "index",
// "from", "max_signals"), as opposed to filled in with a default.
func (r *Rule) Has(key string) bool { return slices.Contains(r.has, key) }

// DefaultIndex is the index pattern list Kibana's security solution searches
// when a rule names neither index patterns nor a data view
// (securitySolution:defaultIndex).
var DefaultIndex = []string{
	"apm-*-transaction*", "auditbeat-*", "endgame-*", "filebeat-*", "logs-*",
	"packetbeat-*", "traces-apm*", "winlogbeat-*", "-*elastic-cloud-logs-*",
}

// Indices returns the index patterns the rule searches: Index when written;
// nil for ES|QL (the query's FROM names them) and machine learning rules
// (they read anomaly results) and rules with a data view; DefaultIndex
// otherwise.
func (r *Rule) Indices() []string {
	switch {
	case r.Index != nil:
		return r.Index
	case r.Type == "esql" || r.Type == "machine_learning" || r.DataViewID != "":
		return nil
	}
	return DefaultIndex
}
