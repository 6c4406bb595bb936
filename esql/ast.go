package esql

import "time"

// Expr is a parsed ES|QL expression. Pos and End are byte offsets into
// the query; the source between them names unnamed EVAL and STATS columns
// and warnings, as Elasticsearch names them.
type Expr interface {
	span() (pos, end int)
}

type node struct{ Pos, End int }

func (n node) span() (int, int) { return n.Pos, n.End }

type (
	// Lit is a literal: nil, bool, int64 (Type integer or long), uint64,
	// float64, string, or a time span ([]Lit are not literals: see List).
	Lit struct {
		node
		Val  any
		Type Type
		// Opts holds the entries of a {"key": value} option map (a
		// function's last argument; Type null).
		Opts map[string]any
	}
	// Field is a column reference.
	Field struct {
		node
		Name string
	}
	// Call is a function call; Star marks COUNT(*).
	Call struct {
		node
		Name string // lower case
		Args []Expr
		Star bool
	}
	// Binary is an arithmetic, comparison or logical operation; Op is
	// "+", "-", "*", "/", "%", "==", "!=", "<", "<=", ">", ">=", "and",
	// "or".
	Binary struct {
		node
		Op   string
		L, R Expr
	}
	// Unary is "-" or "not".
	Unary struct {
		node
		Op string
		X  Expr
	}
	// Like is LIKE or RLIKE with one pattern or a list of them.
	Like struct {
		node
		X        Expr
		Patterns []string
		Regex    bool
		Not      bool
	}
	// In is IN (list).
	In struct {
		node
		X    Expr
		List []Expr
		Not  bool
	}
	// IsNull is IS [NOT] NULL.
	IsNull struct {
		node
		X   Expr
		Not bool
	}
	// Cast is expr::type.
	Cast struct {
		node
		X  Expr
		To string
	}
	// MatchOp is field : "query" (full-text match).
	MatchOp struct {
		node
		X Expr
		Q Expr
	}
)

// Command is one command of the pipeline.
type Command interface{ cmdPos() int }

type cmd struct{ Pos int }

func (c cmd) cmdPos() int { return c.Pos }

// Assign is "name = expr", or an unnamed expr named by its source.
type Assign struct {
	Name string
	Expr Expr
	Pos  int
}

// SortKey is one key of SORT.
type SortKey struct {
	Expr       Expr
	Desc       bool
	NullsFirst bool
}

type (
	// From reads indices.
	From struct {
		cmd
		Indices  []string
		Metadata []string
	}
	// RowCmd is ROW a = 1, ...: one row of constants.
	RowCmd struct {
		cmd
		Fields []Assign
	}
	// Eval adds or replaces columns.
	Eval struct {
		cmd
		Fields []Assign
	}
	// Where keeps the rows for which Cond is true.
	Where struct {
		cmd
		Cond Expr
	}
	// Keep keeps and orders columns by name patterns.
	Keep struct {
		cmd
		Patterns []string
		PatPos   []int
	}
	// Drop removes columns by name patterns.
	Drop struct {
		cmd
		Patterns []string
		PatPos   []int
	}
	// Rename renames columns: pairs of old, new.
	Rename struct {
		cmd
		Old, New []string
		OldPos   []int
	}
	// Stats aggregates; Inline keeps the input rows (INLINE STATS).
	Stats struct {
		cmd
		Aggs   []Assign
		By     []Assign
		Inline bool
	}
	// Sort orders rows.
	Sort struct {
		cmd
		Keys []SortKey
	}
	// Limit keeps the first N rows.
	Limit struct {
		cmd
		N int
	}
	// MvExpand makes one row per value of a multi-valued column.
	MvExpand struct {
		cmd
		Field string
		FPos  int
	}
	// Grok extracts columns from a string with a grok pattern.
	Grok struct {
		cmd
		X       Expr
		Pattern string
		More    []string // further patterns: the first that matches applies
	}
	// Dissect extracts columns from a string with a dissect pattern.
	Dissect struct {
		cmd
		X         Expr
		Pattern   string
		AppendSep string
	}
)

// Query is a parsed ES|QL query.
type Query struct {
	Src      string
	Commands []Command
	// TimeZone is SET time_zone: the zone DATE_TRUNC rounds in (nil:
	// UTC).
	TimeZone *time.Location
	// NullifyUnmapped is SET unmapped_fields = "nullify": a column the
	// source lacks reads as null instead of failing the query.
	NullifyUnmapped bool
}
