package kql

import (
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/internal/srcpos"
)

// TestFieldPatternFreshSchema checks that a field pattern expands to the
// fields ECS knows, not only to those some other query registered first:
// file.hash.*:* on a fresh schema must find file.hash.sha256.
func TestFieldPatternFreshSchema(t *testing.T) {
	for _, tc := range []struct {
		query, doc string
		want       bool
	}{
		{`file.hash.*:*`, `{"file":{"hash":{"sha256":"aa"}}}`, true},
		{`file.hash.*:*`, `{"file.hash.md5":"aa"}`, true},
		{`file.hash.*:*`, `{"file":{"name":"a"}}`, false},
		{`process.Ext.token.*:*`, `{"process":{"Ext":{"token":{"integrity_level_name":"high"}}}}`, true},
	} {
		s := event.NewSchema()
		var warns []string
		p, err := CompileQuery(tc.query, s, Options{Warn: func(e *srcpos.Error) { warns = append(warns, e.Msg) }})
		if err != nil {
			t.Fatalf("%s: %v", tc.query, err)
		}
		if len(warns) > 0 {
			t.Errorf("%s: warnings %v", tc.query, warns)
		}
		ev := &event.Event{}
		if err := s.Decode([]byte(tc.doc), ev); err != nil {
			t.Fatal(err)
		}
		if got := p.Match(ev); got != tc.want {
			t.Errorf("%s on %s: %v, want %v", tc.query, tc.doc, got, tc.want)
		}
	}
}
