package sigma

import (
	"testing"

	"github.com/vigilsec/vigil/event"
)

// FuzzParse parses and compiles arbitrary rule files: no input may make
// the front end panic or hang (go test -fuzz FuzzParse ./sigma).
func FuzzParse(f *testing.F) {
	f.Add(ruleWith("  sel:\n    Image|endswith: '\\a.exe'\n    CommandLine|contains|all: [a, b]\n  condition: sel"))
	f.Add(ruleWith("  sel_a:\n    CommandLine|windash|contains: ' -enc '\n  sel_b: [x, 'y*']\n  condition: 1 of sel_* and not (all of them)"))
	f.Add(ruleWith("  sel:\n    CommandLine|re|i: '(a|b)+'\n    Ip|cidr: 10.0.0.0/8\n    N|gte: 3\n  condition: sel"))
	f.Add("title: c\ncorrelation:\n  type: event_count\n  rules: [x]\n  group-by: [User]\n  timespan: 5m\n  condition: {gte: 3}\n")
	f.Add("action: global\ntitle: g\n---\nlogsource: {product: windows}\ndetection: {s: {A: null}, condition: s}\n")
	f.Fuzz(func(t *testing.T, src string) {
		rs, _ := Parse("f.yml", []byte(src))
		s := event.NewSchema()
		env := Env{Slot: s.Slot, Placeholders: map[string][]string{"x": {"1"}}}
		for _, r := range rs {
			if r.Detection != nil {
				r.Compile(env)
			}
			if r.Correlation != nil {
				r.CompileCorrelation(env, func(string) *Rule { return r })
			}
			if r.Filter != nil {
				r.CompileFilter(env)
			}
		}
	})
}
