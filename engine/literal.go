package engine

import (
	"cmp"
	"slices"
	"strings"

	"github.com/vigilsec/vigil/match"
)

// A requirement says that a rule (or a sequence stage) can only match an
// event when one of a few needs holds (match.Needs): some value of a field
// equals, begins with, ends with or contains a literal, compared without
// case, equals a number, or the field has a value at all. The rule index
// files rules under their requirements, so that an event is offered only
// to the rules its values can satisfy. Requirements are derived from the
// compiled predicates, so they are necessary by construction: the index
// never loses a match, whatever the language (EQL, KQL, query DSL
// filters).
type requirement []match.Need

// broadFields hold the same few values in most events; requirements on them
// select little and are used only when nothing better exists.
var broadFields = map[string]int{
	"host.os.type": 100, "host.os.family": 100, "host.os.platform": 100, "event.type": 90,
	"event.category": 90, "event.kind": 90, "event.outcome": 80, "agent.type": 90,
	"network.direction": 60, "network.transport": 60,
	// One value per integration: all of one source's events hold it, but
	// a rule for another source selects none of them.
	"event.dataset": 40, "event.module": 40, "data_stream.dataset": 40, "event.provider": 40,
	"winlog.channel": 40,
	// One value per kind of Windows record (Sigma logsources select by
	// it; event.code carries it in ECS): a rule's own literals select
	// better (a process access event.code 10 is a fifth of the winlog
	// corpus; its rules' target images a few hundred events).
	"winlog.event_id": 30, "event.code": 30,
	// A handful of values, each common among logons.
	"winlog.logon.type": 35,
}

// broadValues are values of otherwise selective fields that most events of
// a kind hold (event.action "start" for every process start).
var broadValues = map[string]map[string]bool{
	"event.action": setOf("start", "end", "exec", "fork", "creation", "deletion", "modification", "rename",
		"open", "load", "change", "connection_attempted", "connection_accepted", "disconnect_received",
		"lookup_requested", "lookup_result", "overwrite", "process_started", "executed", "exec_event"),
}

func setOf(vals ...string) map[string]bool {
	m := make(map[string]bool, len(vals))
	for _, v := range vals {
		m[v] = true
	}
	return m
}

// commonFragments occur in a large share of Windows paths and command
// lines: a literal inside one of them selects little.
var commonFragments = []string{
	`c:\windows\system32\`, `c:\windows\syswow64\`, `c:\program files (x86)\`, `c:\program files\`,
	`c:\programdata\`, `c:\users\`, `\appdata\local\temp\`, `\appdata\roaming\`, `\device\harddiskvolume`,
	`\windows\temp\`, `.exe`, `.dll`, `.exe"`, `hklm\software\microsoft\windows\currentversion\`,
	`hkey_local_machine\software\microsoft\windows\currentversion\`,
	`\registry\machine\software\microsoft\windows\currentversion\`,
	`hkey_users\`, `\registry\user\`, `\software\microsoft\windows\currentversion\`,
	`\windowspowershell\v1.0\powershell.exe`,
	// security identifiers: every domain or local account's begins so
	`s-1-5-21-`, `s-1-12-1-`,
}

// needScore estimates how many events a need lets through: lower is more
// selective. Broad fields score highest, then bare presence of a field,
// then short or common literals.
func (rs *RuleSet) needScore(n match.Need) int {
	if n.Unless != 0 {
		// A fallback's need (Sigma's ECS fields): only events without
		// the field read first meet it, and they then have no value
		// there for the first field's needs.
		g := n
		g.Unless = 0
		return rs.needScore(g)/fallbackShare + 1
	}
	name := rs.schema.Name(n.Slot)
	if n.Op == match.NeedEqual && broadValues[name][n.Lit] {
		return 60_000
	}
	if b, ok := broadFields[name]; ok {
		if n.Op == match.NeedEqual {
			return b * 1000
		}
		return b*1000 + 500
	}
	switch n.Op {
	case match.NeedEqual:
		if n.Lit == "true" || n.Lit == "false" {
			return 20_000 // a boolean: one of two values
		}
		return 1
	case match.NeedNumber:
		return 1
	case match.NeedExists:
		return 50_000
	}
	return literalScore(n.Op, n.Lit)
}

// fallbackShare is how much less often a fallback's need (match.Need.Unless)
// is met than the same need would be: raw records hold the fields read
// first, normalised input holds only the fallbacks.
const fallbackShare = 16

// literalScore rates a prefix, suffix or substring literal by its length
// and by whether common path fragments contain it.
func literalScore(op match.NeedOp, lit string) int {
	s := 0
	switch n := len(lit); {
	case n >= 8:
		s = 4
	case n >= 5:
		s = 12
	case n >= 3:
		s = 300
	default:
		s = 30_000
	}
	if op == match.NeedContains {
		s += 2 // anchored literals are a little more selective
	}
	for _, f := range commonFragments {
		if strings.Contains(f, lit) {
			return s + 20_000
		}
	}
	return s
}

// score is the estimate of a whole requirement: the sum of its needs'.
func (rs *RuleSet) score(r requirement) int {
	s := 0
	for _, n := range r {
		s += rs.needScore(n)
	}
	return s
}

// requirementOf returns the most selective requirement of a predicate, if
// it has one.
func (rs *RuleSet) requirementOf(p match.Pred) (requirement, bool) {
	return rs.bestRequirement(match.Needs(p, rs.needScore))
}

// bestRequirement is requirementOf for a predicate's needs, all.
func (rs *RuleSet) bestRequirement(all [][]match.Need) (requirement, bool) {
	best, ok := match.BestNeed(all, rs.needScore)
	if !ok || rs.score(best) >= noFiling {
		return nil, false
	}
	return best, true
}

// noFiling is the score from which filing a rule costs more than offering
// it every event: a requirement on so many values or such common literals
// that nearly every event meets it.
const noFiling = 2_000_000

// secondRequirements returns other requirements than first of a
// predicate whose needs are all (each a conjunct on other needs), the
// most selective first, at most maxSeconds: needs on values (equal,
// prefix, suffix, contains, number; presence only as a fallback's,
// match.Need.Unless). A route files a rule under the first of them it can
// check cheaply too (see routeShape), and offers it only the events that
// meet both; none when the predicate has no requirement selective enough
// to pay for the values it adds.
func (rs *RuleSet) secondRequirements(all [][]match.Need, first requirement) []requirement {
	if first == nil {
		return nil
	}
	type scored struct {
		r requirement
		s int
	}
	var out []scored
next:
	for _, d := range all {
		if len(d) == 0 || slices.Equal(d, first) {
			continue
		}
		for _, n := range d {
			if n.Unless == 0 && n.Op == match.NeedExists {
				continue next
			}
		}
		if s := rs.score(d); s < maxSecondScore {
			out = append(out, scored{d, s})
		}
	}
	slices.SortStableFunc(out, func(a, b scored) int { return cmp.Compare(a.s, b.s) })
	var reqs []requirement
	for _, x := range out[:min(len(out), maxSeconds)] {
		reqs = append(reqs, x.r)
	}
	return reqs
}

// maxSeconds is the most second requirements a rule offers routes.
const maxSeconds = 4

// maxSecondScore is the score (see needScore) from which a second
// requirement lets through too many events to be worth checking.
const maxSecondScore = 20_000
