package exception

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/rule"
)

// FuzzLoad feeds arbitrary bytes to both loaders and compiles what loads:
// errors are fine, panics are not.
func FuzzLoad(f *testing.F) {
	for _, name := range []string{"export.ndjson", "lateral_exceptions.toml"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, load := range []func(*Store) error{
			func(s *Store) error { return s.LoadNDJSON("f.ndjson", data) },
			func(s *Store) error { return s.LoadTOML("f.toml", data) },
		} {
			s := NewStore()
			if load(s) != nil {
				continue
			}
			var refs []rule.ExceptionList
			for _, l := range s.Lists() {
				refs = append(refs, rule.ExceptionList{ListID: l.ListID, NamespaceType: l.NamespaceType})
			}
			s.Compile(refs, event.NewSchema())
		}
	})
}
