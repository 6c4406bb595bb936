package main

import (
	"flag"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/rule"
	"github.com/vigilsec/vigil/sigma"
)

// sigmaFlags are the flags of Sigma rules, shared by hunt, serve and
// rules check.
type sigmaFlags struct {
	status       string
	placeholders stringList
}

func (s *sigmaFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&s.status, "sigma-status", "stable,test,experimental",
		"comma-separated `statuses` of the Sigma rules that run (deprecated and unsupported ones do not by default)")
	fs.Var(&s.placeholders, "sigma-placeholder", "`name=value` of a Sigma %name% placeholder (expand modifier; repeatable)")
}

// selectStatus keeps the rules whose Sigma status is selected (and every
// rule that is not a Sigma rule); it returns how many it left out.
func (s *sigmaFlags) selectStatus(rules []*rule.Rule) ([]*rule.Rule, int) {
	var sts []string
	for _, x := range strings.Split(s.status, ",") {
		if x = strings.ToLower(strings.TrimSpace(x)); x != "" {
			sts = append(sts, x)
		}
	}
	sts = append(sts, "") // rules without a status
	return sigma.SelectStatus(rules, sts)
}

// placeholderValues returns the --sigma-placeholder values by name.
func (s *sigmaFlags) placeholderValues() (map[string][]string, error) {
	if len(s.placeholders) == 0 {
		return nil, nil
	}
	m := map[string][]string{}
	for _, p := range s.placeholders {
		name, v, ok := strings.Cut(p, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--sigma-placeholder %q (want name=value)", p)
		}
		m[strings.Trim(name, "%")] = append(m[strings.Trim(name, "%")], v)
	}
	return m, nil
}
