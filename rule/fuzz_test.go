package rule

import (
	"os"
	"testing"

	"github.com/pelletier/go-toml/v2"
)

// FuzzParse checks that Parse never panics, that the TOML layer accepts
// exactly the documents go-toml's own decoder accepts, and that QueryPos
// stays within reason.
func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/sample.toml"); err == nil {
		f.Add(data)
	}
	for _, s := range []string{
		minimal + "type = \"query\"\nquery = \"a:b\"\n",
		"[rule]\nquery = \"\"\"\na:\\\"b\\\" \\\n  and c\"\"\"\n",
		"a.b = 1\n[a.c]\n[[a.d]]\n[[a.d]]\nx = {y = [1, 2.5, true, 1979-05-27T07:32:00Z]}\n",
		"[a]\nb.c = 1\n[a.b.d]\n",
		"[a.b.c]\n[a]\nb.c.d = 1\n",
		"x = [[1], [\"a\"]]\n[x]\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, treeErr := parseTree(data)
		if b != nil {
			b.release()
		}
		var m map[string]any
		refErr := toml.Unmarshal(data, &m)
		if (treeErr == nil) != (refErr == nil) {
			t.Fatalf("tree error %v, go-toml error %v", treeErr, refErr)
		}
		r, _, _ := Parse("fuzz.toml", data)
		if r != nil && r.Query != "" {
			for _, p := range [][2]int{{1, 1}, {1, 5}, {2, 1}, {40, 3}} {
				l, c := r.QueryPos(p[0], p[1])
				if l < 1 || c < 1 {
					t.Fatalf("QueryPos(%d, %d) = %d:%d", p[0], p[1], l, c)
				}
			}
		}
	})
}
