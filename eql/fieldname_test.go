package eql

import "testing"

// TestFieldNames checks the names of fields written with quotes, spaces
// and keywords, which parseField cannot cut from the query.
func TestFieldNames(t *testing.T) {
	for _, c := range []struct{ src, want string }{
		{`process.name`, "process.name"},
		{`process . name`, "process.name"},
		{"`process`.name", "process.name"},
		{"process.`pe.original`", "process.pe.original"},
		{`process.any`, "process.any"},
		{`a.b.c.d.e.f`, "a.b.c.d.e.f"},
		{`x`, "x"},
	} {
		t.Run(c.src, func(t *testing.T) {
			e, err := ParseExpr(c.src + ` == "v"`)
			if err != nil {
				t.Fatal(err)
			}
			b, ok := e.(*Binary)
			if !ok {
				t.Fatalf("%s: %T, want *Binary", c.src, e)
			}
			f, ok := b.L.(*Field)
			if !ok {
				t.Fatalf("%s: left is %T, want *Field", c.src, b.L)
			}
			if f.Name != c.want {
				t.Errorf("%s: name %q, want %q", c.src, f.Name, c.want)
			}
		})
	}
}
