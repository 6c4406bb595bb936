package alert

// Sink receives the alerts an engine raises, in the order it raises them.
// A sink is called from the goroutine that drives the engine; a sink
// shared by several engines must be safe for concurrent use. A sink that
// keeps an alert past the call owns it: engines do not reuse alerts.
type Sink interface {
	Alert(a *Alert)
}

// SinkFunc adapts a function to a Sink.
type SinkFunc func(a *Alert)

// Alert calls f(a).
func (f SinkFunc) Alert(a *Alert) { f(a) }

// Discard is a sink that drops every alert (to compile or measure rules).
var Discard Sink = SinkFunc(func(*Alert) {})
