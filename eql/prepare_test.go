package eql

import "testing"

func TestPrepareBuildsLiteralPatternTests(t *testing.T) {
	for _, tc := range []struct {
		query    string
		prepared []bool // per Match, in walk order
	}{
		{`process where process.name : ("a*", "b?") and not process.args like~ "x*"`, []bool{true, true}},
		{`process where process.name regex~ "a.*" or process.name regex "a(b"`, []bool{true, false}},
		{`sequence [process where process.name : "a*"] [file where file.path : "*b"] until [process where event.type : "end"]`, []bool{true, true, true}},
		{`sample by host.id [process where process.name : "a*"] [file where true]`, []bool{true}},
	} {
		t.Run(tc.query, func(t *testing.T) {
			q, err := Parse(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			Prepare(q)
			var got []bool
			walkQuery(q, func(e Expr) {
				if m, ok := e.(*Match); ok {
					got = append(got, m.test != nil)
				}
			})
			if len(got) != len(tc.prepared) {
				t.Fatalf("matches prepared %v, want %v", got, tc.prepared)
			}
			for i := range got {
				if got[i] != tc.prepared[i] {
					t.Errorf("matches prepared %v, want %v", got, tc.prepared)
				}
			}
		})
	}
}
