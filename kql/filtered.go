package kql

import (
	"errors"

	"github.com/vigilsec/vigil/dsl"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
	"github.com/vigilsec/vigil/match"
)

// CompileFiltered compiles a query with Kibana filters (query DSL plus
// meta; see dsl.Compiler.Filters), all of which must hold, as Kibana's
// detection engine combines a rule's query and filters. The errors are a
// srcpos.ErrorList: the query's, positioned in it, then the filters' one,
// without a position ("filter 2: ...").
func CompileFiltered(query string, filters []any, s *event.Schema, opt Options) (match.Pred, error) {
	return ParseQuery(query).CompileFiltered(filters, s, opt)
}

// CompileFiltered is the package's CompileFiltered for a parsed query.
func (q *Parsed) CompileFiltered(filters []any, s *event.Schema, opt Options) (match.Pred, error) {
	var errs srcpos.ErrorList
	p, err := q.Compile(s, opt)
	if err != nil {
		var list srcpos.ErrorList
		if !errors.As(err, &list) {
			return nil, err
		}
		errs = append(errs, list...)
	}
	fp, err := dsl.New(s, dsl.Options{Types: opt.Types, Now: opt.Now}).Filters(filters)
	if err != nil {
		errs = append(errs, &srcpos.Error{Msg: err.Error()})
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return match.And(p, fp), nil
}
