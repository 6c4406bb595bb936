package dsl

import (
	"fmt"
	"slices"
	"testing"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/match"
)

func TestGlobNeeds(t *testing.T) {
	score := func(n match.Need) int {
		if n.Op == match.NeedExists {
			return 1000
		}
		return 100 - len(n.Lit)
	}
	tests := []struct {
		query string // a query_string wildcard (? literal) or a wildcard query (Lucene syntax)
		kql   bool
		want  string
	}{
		{`*\AppData\Start?Menu\*`, true, `contains "\\appdata\\start?menu\\"`},
		{`Start?Menu*`, true, `prefix "start?menu"`},
		{`*\Start?Menu`, true, `suffix "\\start?menu"`},
		{`a?b`, true, `== "a?b"`},
		{`\*x*1.5`, false, `suffix "1.5"`},
		{`\**1.5`, false, `suffix "1.5"`},
		{`ab\*c*`, false, `prefix "ab*c"`},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			s := event.NewSchema()
			c := New(s, Options{})
			var p match.Pred
			var err error
			if tc.kql {
				p, err = c.QueryStringWildcard("file.path", splitStars(tc.query))
			} else {
				p, err = c.Wildcard("file.path", tc.query, false)
			}
			if err != nil {
				t.Fatal(err)
			}
			cnf := match.Needs(p, score)
			if len(cnf) != 1 || len(cnf[0]) != 1 {
				t.Fatalf("needs %v", cnf)
			}
			if got := fmt.Sprintf("%s %q", cnf[0][0].Op, cnf[0][0].Lit); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}

func splitStars(s string) []string {
	var parts []string
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == '*' {
			parts = append(parts, s[start:i])
			start = i + 1
		}
	}
	return append(parts, s[start:])
}

// TestTextNeeds: a match query on a text field needs the field to hold a
// value, which files a rule under it rather than under a broad field.
func TestTextNeeds(t *testing.T) {
	score := func(n match.Need) int {
		if n.Op == match.NeedExists {
			return 50
		}
		return 90
	}
	tests := []struct {
		name string
		pred func(c *Compiler) (match.Pred, error)
	}{
		{"match", func(c *Compiler) (match.Pred, error) {
			return c.Match("powershell.file.script_block_text", "Invoke-ShareFinder", false)
		}},
		{"match and", func(c *Compiler) (match.Pred, error) {
			return c.Match("powershell.file.script_block_text", "NetShareEnum NetApiBufferFree", true)
		}},
		{"phrase", func(c *Compiler) (match.Pred, error) {
			return c.MatchPhrase("powershell.file.script_block_text", "shi1_netname shi1_remark")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := event.NewSchema()
			c := New(s, Options{})
			p, err := tc.pred(c)
			if err != nil {
				t.Fatal(err)
			}
			slot := s.Slot("powershell.file.script_block_text")
			want := match.Need{Slot: slot, Op: match.NeedExists}
			best, ok := match.BestNeed(match.Needs(p, score), score)
			if !ok || len(best) != 1 || best[0] != want {
				t.Fatalf("needs %v, want %v", best, want)
			}
		})
	}
}

// TestTextLiteralNeeds: a match query on a text field files its rule
// under a literal of each term or phrase, when that is more selective
// than the field's presence: the longest run of the token without an 'i'
// (a dotted capital I lowercases to 'i' but folds to itself), of at least
// five bytes; else the presence.
func TestTextLiteralNeeds(t *testing.T) {
	score := func(n match.Need) int {
		if n.Op == match.NeedExists {
			return 50_000
		}
		return 10
	}
	tests := []struct {
		name string
		pred func(c *Compiler) (match.Pred, error)
		want []string // the literals; nil: presence
	}{
		{"terms", func(c *Compiler) (match.Pred, error) {
			return c.Match("powershell.file.script_block_text", "Invoke-ShareFinder", false)
		}, []string{"nvoke", "sharef"}},
		{"phrase", func(c *Compiler) (match.Pred, error) {
			return c.MatchPhrase("powershell.file.script_block_text", "shi1_netname shi1_remark")
		}, []string{"1_netname"}},
		{"i", func(c *Compiler) (match.Pred, error) {
			return c.MatchPhrase("powershell.file.script_block_text", "Get-DomainPolicy")
		}, []string{"domainpolicy", string(match.AppendFolded(nil, "\u0130"))}},
		{"short", func(c *Compiler) (match.Pred, error) {
			return c.Match("powershell.file.script_block_text", "iex DownloadString", false)
		}, nil},
		{"non-ASCII", func(c *Compiler) (match.Pred, error) {
			return c.Match("powershell.file.script_block_text", "Größenänderung", false)
		}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := event.NewSchema()
			c := New(s, Options{})
			p, err := tc.pred(c)
			if err != nil {
				t.Fatal(err)
			}
			slot := s.Slot("powershell.file.script_block_text")
			want := []match.Need{{Slot: slot, Op: match.NeedExists}}
			if tc.want != nil {
				want = nil
				for _, l := range tc.want {
					want = append(want, match.Need{Slot: slot, Op: match.NeedContains, Lit: l})
				}
			}
			best, ok := match.BestNeed(match.Needs(p, score), score)
			if !ok || !slices.Equal(best, want) {
				t.Fatalf("needs %v, want %v", best, want)
			}
		})
	}
}

// TestTextLiteralNeedsHold: whenever a text predicate matches, its value
// folded holds one of its literal needs, whatever the case of the text,
// with the characters that lowercase to ASCII letters.
func TestTextLiteralNeedsHold(t *testing.T) {
	tests := []struct{ query, text string }{
		{"Invoke-ShareFinder", "x Invoke-ShareFinder y"},
		{"Invoke-ShareFinder", "\u0130nvoke-ShareF\u0130nder"},
		{"DomainPolicy", "$x = Get-DomainPolicy"},
		{"DomainPolicy", "get-doma\u0130npol\u0130cy"},
		{"DomainPolicy", "GET-DOMA\u0130NPOLICY"},
		{"minPwdLength", "$x = MINPWDLENGTH"},
		{"DownloadString", "x DOWNLOADSTRING('u')"},
		{"wmiobject", "get-WM\u0130OBJECT"},
		{"keylogger", "\u212aEYLOGGER"},
		{"kerberoast", "Invoke-\u212aERBEROAST"},
	}
	s := event.NewSchema()
	c := New(s, Options{})
	for _, tc := range tests {
		p, err := c.Match("powershell.file.script_block_text", tc.query, false)
		if err != nil {
			t.Fatal(err)
		}
		tp, ok := p.(*textPred)
		if !ok {
			t.Fatalf("%s: %T, want a text predicate", tc.query, p)
		}
		needs, ok := tp.tokenNeeds()
		if !ok {
			t.Fatalf("%s: no literal needs", tc.query)
		}
		if !tp.matchText(tc.text) {
			t.Fatalf("%q does not match %q", tc.text, tc.query)
		}
		folded := string(match.AppendFolded(nil, tc.text))
		if !slices.ContainsFunc(needs, func(n match.Need) bool { return n.Holds(folded) }) {
			t.Errorf("%q matches %q, but its fold %q holds none of %v", tc.text, tc.query, folded, needs)
		}
	}
}
