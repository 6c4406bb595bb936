package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/kql"
)

// eqlQueryFlags are vigil eql's --query-file and --kql: where the query
// comes from and in which language it is written.
type eqlQueryFlags struct {
	file string
	kql  bool
}

func registerEQLQuery(fs *flag.FlagSet) *eqlQueryFlags {
	q := &eqlQueryFlags{}
	fs.StringVar(&q.file, "query-file", "", "read the query from `file` (for queries longer than the command line allows); every argument is then a FILE")
	fs.BoolVar(&q.kql, "kql", false, "the query is KQL (Kibana query language), as in a kuery rule: an event query")
	return q
}

// compile reads the query (the first argument, or --query-file) and
// compiles it; it returns the program and the input arguments. A KQL
// query becomes an event query: the program of "any where true" with
// the KQL condition as its predicate.
func (q *eqlQueryFlags) compile(args []string, s *event.Schema, opt eql.Options) (*eql.Program, []string, error) {
	var src string
	switch {
	case q.file != "":
		b, err := os.ReadFile(q.file)
		if err != nil {
			return nil, nil, usageError("eql: --query-file: %v", err)
		}
		src = string(b)
	case len(args) == 0:
		return nil, nil, usageError("eql: a QUERY is required (or --query-file)")
	default:
		src, args = args[0], args[1:]
	}
	if !q.kql {
		parsed, err := eql.Parse(src)
		if err != nil {
			return nil, nil, queryError(err)
		}
		prog, err := eql.Compile(parsed, s, opt)
		if err != nil {
			return nil, nil, queryError(err)
		}
		return prog, args, nil
	}
	pred, err := kql.CompileQuery(src, s, kql.Options{})
	if err != nil {
		return nil, nil, &exitError{code: 1, err: fmt.Errorf("eql: kql: %w", err)}
	}
	anyEvent, err := eql.Parse("any where true")
	if err != nil {
		return nil, nil, err
	}
	prog, err := eql.Compile(anyEvent, s, opt)
	if err != nil {
		return nil, nil, err
	}
	prog.Pred = pred
	return prog, args, nil
}
