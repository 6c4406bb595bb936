package match

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

func TestPredicateConstructors(t *testing.T) {
	s := event.NewSchema()
	name, args, n, ip, ts, v, missing := s.Slot("name"), s.Slot("args"), s.Slot("n"), s.Slot("ip"), s.Slot("ts"), s.Slot("v"), s.Slot("missing")
	var ev event.Event
	doc := `{"name":"Cmd.exe","args":["a","/c","whoami"],"n":[3,42],"ip":"192.168.1.20","ts":"2024-01-01T00:00:00Z","v":"1.10.0"}`
	if err := s.Decode([]byte(doc), &ev); err != nil {
		t.Fatal(err)
	}
	must := func(p Pred, err error) Pred {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	tests := []struct {
		name string
		p    Pred
		want bool
	}{
		{"True", True(), true},
		{"False", False(), false},
		{"StringEquals", StringEquals(name, "Cmd.exe", false), true},
		{"StringEquals case", StringEquals(name, "cmd.exe", false), false},
		{"StringEquals fold", StringEquals(name, "CMD.EXE", true), true},
		{"StringEquals array", StringEquals(args, "/c", false), true},
		{"StringEquals missing", StringEquals(missing, "", false), false},
		{"Not missing", Not(StringEquals(missing, "x", false)), true},
		{"Wildcard prefix", Wildcard(name, "cmd*", true), true},
		{"Wildcard suffix", Wildcard(name, "*.EXE", true), true},
		{"Wildcard contains", Wildcard(name, "*d.e*", false), true},
		{"Wildcard general", Wildcard(name, "C?d*e", false), true},
		{"Wildcard no match", Wildcard(name, "x*", true), false},
		{"Prefix", Prefix(name, "Cm", false), true},
		{"Suffix fold", Suffix(name, "EXE", true), true},
		{"Contains", Contains(args, "hoa", false), true},
		{"Prefix literal star", Prefix(name, "C*", false), false},
		{"Contains literal question mark", Contains(args, "?", true), false},
		{"Suffix fold non-ASCII", Suffix(name, "D.EXE", true), true},
		{"StringIn", StringIn(args, []string{"x", "whoami"}, false), true},
		{"StringIn fold", StringIn(name, []string{"x", "CMD.EXE"}, true), true},
		{"StringIn none", StringIn(name, []string{"x", "y"}, true), false},
		{"WildcardIn", WildcardIn(args, []string{"x", "who*"}, false, true), true},
		{"Regex", must(Regex(name, "[A-Z]md\\.exe", false)), true},
		{"Regex fold", must(Regex(name, "cmd\\.EXE", true)), true},
		{"Compare int", must(Compare(n, OpGt, event.Int(40), TInt)), true},
		{"Compare int none", must(Compare(n, OpGt, event.Int(50), TInt)), false},
		{"Compare neq", must(Compare(n, OpNeq, event.Int(3), TInt)), false},
		{"Range one element", must(Range(n, event.Int(4), event.Int(41), true, true, TInt)), false},
		{"Range", must(Range(n, event.Int(40), event.Value{}, true, false, TInt)), true},
		{"Compare ip", must(Compare(ip, OpEq, event.Str("::ffff:192.168.1.20"), TIP)), true},
		{"Compare date", must(Compare(ts, OpGte, event.Int(1704067200000), TDate)), true},
		{"Compare version", must(Compare(v, OpGt, event.Str("1.9.9"), TVersion)), true},
		{"CIDR", must(CIDR(ip, []string{"10.0.0.0/8", "192.168.0.0/16"})), true},
		{"CIDR none", must(CIDR(ip, []string{"10.0.0.0/8"})), false},
		{"Exists", Exists(name), true},
		{"Exists missing", Exists(missing), false},
		{"And", And(Exists(name), StringEquals(name, "Cmd.exe", false), True()), true},
		{"Or", Or(False(), Exists(missing), Exists(name)), true},
		{"Not", Not(Exists(name)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.Match(&ev); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
			if a := testing.AllocsPerRun(20, func() { tt.p.Match(&ev) }); a != 0 {
				t.Errorf("Match allocates %v times", a)
			}
		})
	}
	for _, bad := range []func() error{
		func() error { _, err := CIDR(ip, []string{"10.0.0.0/33"}); return err },
		func() error { _, err := Regex(name, "a<1-2>", false); return err },
		func() error { _, err := Compare(ip, OpEq, event.Str("x"), TIP); return err },
		func() error { _, err := Compare(ts, OpEq, event.Str("x"), TDate); return err },
	} {
		if bad() == nil {
			t.Error("invalid argument accepted")
		}
	}
}

// TestSetPrefilter compares a list of wildcard patterns tried through its
// literal prefilter with trying each pattern in turn, on random patterns
// and values (case variants and Unicode folding included).
func TestSetPrefilter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	alphabet := []string{"a", "B", "\\", ".", "x", "K", "\u212a", "ſ", "s", "?", "*", "é", "É", "\xff", "\ufffd"}
	word := func(n int, wild bool) string {
		var b strings.Builder
		for range 1 + rng.IntN(n) {
			c := alphabet[rng.IntN(len(alphabet))]
			if !wild && (c == "?" || c == "*") {
				c = "a"
			}
			b.WriteString(c)
		}
		return b.String()
	}
	prefiltered := 0
	for round := range 400 {
		fold := round%2 == 0
		var pats []string
		for range preMin + rng.IntN(8) {
			pats = append(pats, word(6, true))
		}
		t1 := patternTest(pats, fold, true)
		st, ok := t1.(*setTest)
		if !ok || st.preLits == nil {
			continue
		}
		prefiltered++
		for range 60 {
			v := word(10, false)
			checkSet(t, st, pats, fold, v)
		}
	}
	if prefiltered < 100 {
		t.Errorf("only %d pattern lists were prefiltered", prefiltered)
	}
}

// TestRegexChecks checks that a regexp's length and literal checks never
// reject a value the regexp matches.
func TestRegexChecks(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	patterns := []string{
		`[a-z0-9]\.exe`, `(foo|barbaz)[0-9]{2,3}`, `.*mimi[kK]atz.*`, `a{0,3}b+`, `(ab)*c?`,
		`[^x]{5}`, `k.ſ`, `(é|E){2}x`, `.{1,2}`, `(a|bc|)d`, `x{2,}[0-9]+`, `a|b*`, `(a|b)\\.(c|d)`, `.*[ʰ-˿ᴬ-ᶻ]+.*`, `a(é|ſ)`, `[é-ê]{0,2}x`,
	}
	alphabet := []string{"a", "b", "c", "d", "x", "K", "\u212a", "ſ", "s", "é", "É", "0", "5", ".", "exe", "barbaz", "mimikatz", "ʰ", "ᴬ"}
	matched := 0
	for _, p := range patterns {
		for _, fold := range []bool{false, true} {
			re, err := compileLucene(p, fold)
			if err != nil {
				t.Fatalf("%s: %v", p, err)
			}
			rt := newRegexTest(re)
			for range 3000 {
				var b strings.Builder
				for range rng.IntN(7) {
					b.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				v := b.String()
				want := re.MatchString(v)
				if got := rt.test(v); got != want {
					t.Fatalf("%s (fold %v) on %q: got %v, want %v (runes %d..%d, literals %q)", p, fold, v, got, want, rt.minRunes, rt.maxRunes, rt.lits)
				}
				if want {
					matched++
				}
			}
		}
	}
	if matched < 500 {
		t.Errorf("only %d matches", matched)
	}
}

// TestSetSkipScan: long values are first searched by a skip scan for the
// patterns' literals; it must never turn a match away. Random patterns of
// long literals over a small alphabet, long values with some of them
// planted (in other case too) or nearly.
func TestSetSkipScan(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	const alphabet = "abBx.\\K-"
	word := func(lo, n int) string { return randWord(rng, alphabet, lo, n) }
	skipped := 0
	for round := range 300 {
		fold := round%2 == 0
		var pats, lits []string
		for range preMin + rng.IntN(6) {
			l := word(5, 5)
			lits = append(lits, l)
			switch rng.IntN(3) {
			case 0:
				pats = append(pats, "*"+l+"*")
			case 1:
				pats = append(pats, "*"+l+"?"+word(1, 3)+"*")
			default:
				pats = append(pats, word(1, 2)+"*"+l+"*")
			}
		}
		st, ok := patternTest(pats, fold, true).(*setTest)
		if ok {
			st.build()
		}
		if !ok || st.skip == nil {
			continue
		}
		skipped++
		for range 40 {
			v := word(skipText, 200)
			if rng.IntN(2) == 0 {
				l := lits[rng.IntN(len(lits))]
				if rng.IntN(2) == 0 {
					l = strings.ToUpper(l)
				}
				if rng.IntN(3) == 0 {
					l = l[:len(l)-1] // nearly
				}
				at := rng.IntN(len(v))
				v = v[:at] + l + v[at:]
			}
			checkSet(t, st, pats, fold, v)
		}
	}
	if skipped < 100 {
		t.Errorf("only %d pattern lists had a skip scan", skipped)
	}
}

// TestSetAnchored: patterns that begin or end with literal text are
// tried in turn on long values instead of through the prefilter; the
// answers must be those of trying each pattern, on values short and long,
// with a planted pattern's text or without.
func TestSetAnchored(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	const alphabet = "abBx.:\\K-\u017f"
	word := func(lo, n int) string { return randWord(rng, alphabet, lo, n) }
	calltrace := []string{`?:\WINDOWS\SYSTEM32\ntdll.dll*`, `?:\WINDOWS\SysWOW64\ntdll.dll*`, `?:\Windows\System32\sysfer.dll*`,
		`?:\Windows\System32\wow64cpu.dll*`, `?:\ProgramData\Symantec\Symantec Endpoint Protection\*\sysfer.dll*`}
	if st, ok := patternTest(calltrace, true, true).(*setTest); !ok || !st.anchored {
		t.Fatalf("call trace patterns: not an anchored set test")
	}
	anchored := 0
	for round := range 300 {
		fold := round%2 == 0
		var pats []string
		for range preMin + rng.IntN(6) {
			switch rng.IntN(4) {
			case 0:
				pats = append(pats, word(3, 4)+"*")
			case 1:
				pats = append(pats, "*"+word(3, 4))
			case 2:
				pats = append(pats, "?"+word(3, 4)+"*"+word(1, 3)+"*")
			default:
				pats = append(pats, word(1, 3)+"*"+word(1, 2)+"?"+word(3, 3))
			}
		}
		st, ok := patternTest(pats, fold, true).(*setTest)
		if !ok || !st.anchored {
			continue
		}
		anchored++
		for range 40 {
			v := word(1, directLen*len(pats)*2)
			if rng.IntN(2) == 0 {
				p := strings.NewReplacer("*", "", "?", "x").Replace(pats[rng.IntN(len(pats))])
				if rng.IntN(2) == 0 {
					p = strings.ToUpper(p)
				}
				if rng.IntN(2) == 0 {
					v = p + v
				} else {
					v += p
				}
			}
			checkSet(t, st, pats, fold, v)
		}
	}
	if anchored < 100 {
		t.Errorf("only %d pattern lists were anchored", anchored)
	}
}

// checkSet compares a set test on v, folded and not, with trying each
// pattern in turn.
func checkSet(t *testing.T, st *setTest, pats []string, fold bool, v string) {
	t.Helper()
	want := false
	for _, p := range pats {
		if CompileGlob(p, GlobStarQuestion, fold).Match(v) {
			want = true
		}
	}
	if got := st.test(v); got != want {
		t.Fatalf("patterns %q (fold %v) on %q: got %v, want %v", pats, fold, v, got, want)
	}
	if got := st.testFolded(v, foldString(v)); got != want {
		t.Fatalf("patterns %q (fold %v) on %q folded: got %v, want %v", pats, fold, v, got, want)
	}
}
