package winlog

import (
	"strings"

	"github.com/vigilsec/vigil/match"
)

// Index names the data stream of a channel as Elastic Agent does, with the
// "default" namespace: see the package documentation.
func Index(channel string) string {
	return kindIndex[channelKind(&Record{Channel: channel})]
}

// WinlogbeatIndex is the index name under which every normalised record is
// also visible, so that rules whose index patterns list "winlogbeat-*"
// (and not the Agent data streams) see the same events.
const WinlogbeatIndex = "winlogbeat-8"

var aliases = []string{WinlogbeatIndex}

// Aliases returns the extra index names a record of index should match
// when rules are routed by index pattern: every Windows record is also a
// Winlogbeat record. The slice must not be modified.
func Aliases(index string) []string {
	for _, idx := range kindIndex {
		if idx == index {
			return aliases
		}
	}
	return nil
}

// Indices returns every index name a normalised record can have: the
// data streams of Index, in the "default" namespace, and WinlogbeatIndex.
func Indices() []string {
	out := append([]string(nil), kindIndex[:]...)
	return append(out, WinlogbeatIndex)
}

// Selected reports whether one of a rule's index patterns (exclusions,
// "-pattern", aside) matches an index normalised Windows records have:
// whether the rule sees Windows records at all.
func Selected(patterns []string) bool {
	for _, p := range patterns {
		if strings.HasPrefix(p, "-") {
			continue
		}
		g := match.CompileGlob(p, match.GlobStar, false)
		for _, idx := range Indices() {
			if g.Match(idx) {
				return true
			}
		}
	}
	return false
}
