package engine

import (
	"testing"
)

func TestDiagIndexed(t *testing.T) {
	rules := windowsRules(t)
	evs := benchEvents(20000)
	_, _, took := huntOnce(t, rules, evs, false)
	t.Logf("indexed: %v, %.0f events/s", took, 20000/took.Seconds())
}
