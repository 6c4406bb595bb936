package order

import (
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
)

// SysmonNetworkDelay returns an Options.Delay that holds Sysmon network
// connection events (event 3) back by d in the order. Sysmon stamps some
// connections up to ~2 s before the start of the process that made them,
// so a sequence [process] -> [network] (Elastic's "Service Command Lateral
// Movement") misses them in strict time order, in Elasticsearch too; with
// the delay it sees them in the order they happened. Sysmon is recognised
// by its provider (event.provider or winlog.provider_name
// "Microsoft-Windows-Sysmon") or its channel (winlog.channel
// "Microsoft-Windows-Sysmon/Operational"), and the event by event.code or
// winlog.event_id 3.
func SysmonNetworkDelay(s *event.Schema, d time.Duration) func(*event.Event) time.Duration {
	provider, wlProvider, channel := s.Slot("event.provider"), s.Slot("winlog.provider_name"), s.Slot("winlog.channel")
	code, eventID := s.Slot("event.code"), s.Slot("winlog.event_id")
	return func(ev *event.Event) time.Duration {
		if !isCode3(ev.Get(code)) && !isCode3(ev.Get(eventID)) {
			return 0
		}
		if strings.EqualFold(ev.Get(provider).Str(), sysmonProvider) ||
			strings.EqualFold(ev.Get(wlProvider).Str(), sysmonProvider) ||
			strings.EqualFold(ev.Get(channel).Str(), sysmonChannel) {
			return d
		}
		return 0
	}
}

const (
	sysmonProvider = "Microsoft-Windows-Sysmon"
	sysmonChannel  = "Microsoft-Windows-Sysmon/Operational"
)

func isCode3(v event.Value) bool {
	switch v.Kind() {
	case event.KindString:
		return v.Str() == "3"
	case event.KindInt:
		return v.Int() == 3
	}
	return false
}
