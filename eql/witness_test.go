package eql

import (
	"math/rand/v2"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

// TestWitness checks that witnesses of typical conditions make events the
// conditions match, in a few tries.
func TestWitness(t *testing.T) {
	queries := []string{
		`process where process.name : "SC.exe"`,
		`process where process.name : ("*.pif", "?:\\Users\\*\\x.exe") and process.args == "-enc"`,
		`process where process.name regex~ "mimi[kK]atz[0-9]{2}\\.exe" or process.pid == 4`,
		`network where destination.port in (445, 139) and destination.ip == "10.0.0.0/8" and source.port > 1024`,
		`process where startsWith(process.command_line, "rundll32") and not process.name : "x.exe"`,
		`any where process.code_signature.trusted == false and process.args_count >= 3 and process.args_count < 5`,
		`file where file.path : "*\\AppData\\*" and file.size > 1000.5`,
	}
	rng := rand.New(rand.NewPCG(11, 12))
	for _, q := range queries {
		t.Run(q, func(t *testing.T) {
			s := event.NewSchema()
			p, err := CompileString(q, s, Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true})
			if err != nil {
				t.Fatal(err)
			}
			for try := range 20 {
				vals, ok := match.Witness(p.Pred, rng)
				if !ok {
					continue
				}
				ev := &event.Event{}
				ev.Reset(s.Len())
				for slot, vs := range vals {
					if len(vs) == 1 {
						ev.Set(slot, vs[0])
					} else {
						ev.Set(slot, event.Array(vs...))
					}
				}
				if p.Pred.Match(ev) {
					t.Logf("try %d: %v", try, vals)
					return
				}
			}
			t.Errorf("no witness in 20 tries")
		})
	}
}
