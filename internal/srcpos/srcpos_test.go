package srcpos

import (
	"errors"
	"fmt"
	"testing"
)

func TestError(t *testing.T) {
	src := "process where true and\n\tstartswth(a, \"é\") and x"
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{"query", NewError(src, Position(src, 24), "eql: unknown function"),
			"2:2: eql: unknown function\n   | \tstartswth(a, \"é\") and x\n   | \t^"},
		{"after a wide rune", NewError(src, Position(src, 44), "eql: here"),
			"2:22: eql: here\n   | \tstartswth(a, \"é\") and x\n   | \t                   ^"},
		{"end of text", NewError(src, Position(src, len(src)), "eql: expected an expression"),
			"2:26: eql: expected an expression\n   | \tstartswth(a, \"é\") and x\n   | \t                       ^"},
		{"mapped into a file", NewError(src, Position(src, 0), "kql: x").At(Pos{File: "rules/x.toml", Line: 14, Col: 9}),
			"rules/x.toml:14:9: kql: x\n   | process where true and\n   | ^"},
		{"file only", &Error{Pos: Pos{File: "rules/x.toml"}, Msg: "filter 2: bad"}, "rules/x.toml: filter 2: bad"},
		{"file and line", &Error{Pos: Pos{File: "x.toml", Line: 3}, Msg: "rule: missing"}, "x.toml:3: rule: missing"},
		{"no position", &Error{Msg: "m"}, "m"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.err.Render(); got != tt.want {
				t.Errorf("got:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}

func TestErrorList(t *testing.T) {
	src := "a b c"
	var l ErrorList
	if l.Err() != nil {
		t.Fatal("an empty list is an error")
	}
	l.Add(src, Position(src, 4), "third")
	l.Add(src, Position(src, 0), "first")
	l.Add(src, Position(src, 4), "cascade")
	l.Add(src, Position(src, 2), "second")
	err := l.Err()
	want := "1:1: first\n1:3: second\n1:5: third"
	if err == nil || err.Error() != want {
		t.Fatalf("got:\n%v\nwant:\n%s", err, want)
	}
	wrapped := fmt.Errorf("loading: %w", err)
	var got ErrorList
	if !errors.As(wrapped, &got) || len(got) != 3 {
		t.Fatalf("errors.As: %v", got)
	}
	var one *Error
	if !errors.As(wrapped, &one) || one.Msg != "first" {
		t.Errorf("errors.As *Error: %v", one)
	}
	if r := Render(wrapped); r != got.Render() {
		t.Errorf("Render = %q", r)
	}
}
