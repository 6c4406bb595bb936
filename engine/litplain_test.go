package engine

import (
	"fmt"
	"maps"
	"slices"
	"testing"
	"time"

	"github.com/vigilsec/vigil/alert"
	"github.com/vigilsec/vigil/match"
	"github.com/vigilsec/vigil/rule"
)

func TestAnchorRank(t *testing.T) {
	for _, c := range []struct {
		lit  string
		want int
	}{
		{"drive.google.com", 5},
		{".id_rsa", 3},
		{"unknown", 0},
		{"a\\b|c", 3},
	} {
		var b litBuilder
		b.add(match.NeedContains, c.lit, entry{})
		x := b.build()
		if got := x.plain.anchor[0]; got != c.want {
			t.Errorf("%q: anchor at %d, want %d", c.lit, got, c.want)
		}
	}
}

// TestIndexFoldsNonASCII runs rules filed under literals of a field with
// few contained literals (plainLits) over values that meet them only once
// folded, through bytes from 0x80 (the Kelvin sign K folds to k, the long
// s to s) or upper case, and over values that do not: the index must
// offer exactly what offering every rule every event raises.
func TestIndexFoldsNonASCII(t *testing.T) {
	mk := func(id, q string) *rule.Rule {
		return &rule.Rule{ID: id, Name: id, Type: "eql", Language: "eql", Severity: "low", RiskScore: 21,
			Query: q, Interval: "5m", From: "now-6m", To: "now", MaxSignals: 100, Index: []string{"logs-test-*"}}
	}
	rules := []*rule.Rule{
		mk("contains", `process where process.command_line : "*kill -s*"`),
		mk("prefix", `process where process.command_line : "skill*"`),
		mk("suffix", `process where process.command_line : "*.ks"`),
		mk("exact", `process where process.command_line : "ks"`),
	}
	values := []string{
		"kill -s 9", "KILL -S 9", "x \u212Aill -\u017F 9", "\u017F\u212Aill now", "run.\u212A\u017F", "\u212A\u017F",
		"kill -x", "kil -s", "skil", "run.k", "ks ", "\u212A", "k\u00e9ill -s", "K\u0130LL -S",
	}
	var lines []string
	for i, v := range values {
		lines = append(lines, doc(i, fmt.Sprintf(`"event":{"category":"process"},"process":{"command_line":%q}`, v)))
	}
	run := func(noIndex bool) map[string]int {
		out := map[string]int{}
		eng, st := New(rules, Options{NoIndex: noIndex, Now: func() time.Time { return time.Unix(0, 0) }}, func(a *alert.Alert) {
			out[a.Rule.ID+" "+string(a.Events[0].Raw)]++
		})
		for _, s := range st {
			if s.State != OK {
				t.Fatalf("rule %s: %s %s %v", s.Rule.ID, s.State, s.Reason, s.Err)
			}
		}
		evs := make([]benchEvent, len(lines))
		for i, l := range lines {
			evs[i] = benchEvent{[]byte(l), "logs-test-default"}
		}
		feed(t, eng, evs)
		n := 0
		for _, c := range out {
			n += c
		}
		out["total"] = n
		return out
	}
	with, without := run(false), run(true)
	if without["total"] < 6 {
		t.Fatalf("only %d alerts without the index: the test proves little", without["total"])
	}
	if !maps.Equal(with, without) {
		t.Errorf("with the index %v, without %v", with, without)
	}
}

// BenchmarkPlainLits matches values, unfolded, against literals of the
// shapes Elastic's Windows rules file fields under: a registry path
// against a few dozen prefixes and suffixes and a few contained
// literals, and a process name against a dozen prefixes.
func BenchmarkPlainLits(b *testing.B) {
	cases := []struct {
		name, value                 string
		prefixes, suffixes, contain []string
	}{
		{"registry", `HKLM\System\CurrentControlSet\Services\bam\State\UserSettings\S-1-5-21-3940915590-64593676-1414006259-500\Device\HarddiskVolume2\Windows\System32\svchost.exe`,
			[]string{`hklm\software\microsoft\windows\currentversion\run`, `hkey_users\`, `\registry\machine\system\`,
				`hklm\system\currentcontrolset\services\`, `hkcu\software\classes\`, `hklm\software\policies\microsoft\windows defender\`,
				`\registry\user\`, `hklm\software\microsoft\windows nt\currentversion\image file execution options\`,
				`hklm\system\controlset001\control\lsa\`, `hklm\software\wow6432node\`, `hkcu\environment\`, `hklm\sam\`,
				`\registry\machine\software\`, `hklm\software\microsoft\windows\`, `hkcu\software\microsoft\`, `\registry\user\s-1-5-`},
			[]string{`\debugger`, `\imagepath`, `\servicedll`, `\start`, `\shell\open\command\(default)`, `\userinit`,
				`\appinit_dlls`, `\scriptpath`, `\notify`, `\runasppl`, `\disableantispyware`, `\enablelua`, `\dllname`, `\shell`},
			[]string{`\timeproviders\`, `\appcertdlls\`, `\portproxy\`}},
		{"process-name", `svchost.exe`,
			[]string{`psexe`, `paexe`, `remcom`, `winrs`, `wmic`, `rundll`, `regsvr`, `mshta`, `cscript`, `wscript`, `certutil`, `bitsadmin`},
			nil, []string{`.tmp`, `mimi`}},
	}
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			var lb litBuilder
			for i, s := range c.prefixes {
				lb.add(match.NeedPrefix, s, entry{r: i})
			}
			for i, s := range c.suffixes {
				lb.add(match.NeedSuffix, s, entry{r: 100 + i})
			}
			for i, s := range c.contain {
				lb.add(match.NeedContains, s, entry{r: 200 + i})
			}
			x := lb.build()
			if x.plain == nil {
				b.Fatal("no plain matcher")
			}
			var hits []match.LiteralHit
			b.SetBytes(int64(len(c.value)))
			b.ReportAllocs()
			for b.Loop() {
				hits = x.plain.match(x, c.value, hits[:0])
			}
		})
	}
}

// TestPlainLitsSkipsNonASCII checks that contained literals no ASCII value
// can hold do not count against maxPlainContains nor get searched for,
// and that the ASCII values' literals are still all found.
func TestPlainLitsSkipsNonASCII(t *testing.T) {
	var b litBuilder
	lits := []string{"\u202e", "\\temp\\", "\\users\\", ".exe", "cmd", "x:", "\\public\\", "caf\u00e9"}
	for i, l := range lits {
		b.add(match.NeedContains, l, entry{r: i})
	}
	b.add(match.NeedPrefix, "c:\\", entry{r: len(lits)})
	x := b.build()
	if x.plain == nil {
		t.Fatalf("no plainLits for %d ASCII contained literals", maxPlainContains)
	}
	if len(x.plain.contains) != maxPlainContains {
		t.Errorf("plainLits searches %d contained literals, want %d", len(x.plain.contains), maxPlainContains)
	}
	for _, v := range []string{`C:\Users\Public\Temp\CMD.EXE`, `d:\x:\y`, ``, `cafe`, `C:\`} {
		var want, got []int32
		for _, h := range x.match(match.FoldKeyword(v), nil) {
			want = append(want, h.Lit)
		}
		for _, h := range x.plain.match(x, v, nil) {
			got = append(got, h.Lit)
		}
		slices.Sort(want)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%q: got %v, want %v", v, got, want)
		}
	}
}
