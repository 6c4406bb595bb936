package event

// Original returns the bytes the event was decoded from, when it keeps
// them: Raw (a JSON document decoded as it is), or the record a lazily
// mapped document is read from (Schema.LoadDocLazy: a raw Windows record
// as shipped). It returns nil for an event built from a normalised Doc;
// AppendJSON then writes that document. The bytes belong to the event.
func (e *Event) Original() []byte {
	if e.Raw != nil {
		return e.Raw
	}
	if d := e.Doc; d != nil && d.mapper != nil {
		return d.src
	}
	return nil
}
