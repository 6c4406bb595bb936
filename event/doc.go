// Package event is vigil's event model: a document decoded once into the
// fields that loaded rules reference, and the values those fields hold.
//
// A Schema maps field paths ("process.name") to slots. Rules register the
// fields they need while they are compiled; the decoder then fills one Value
// per slot from an ECS JSON document, accepting nested ({"process":{"name":..}})
// and dotted ({"process.name":..}) keys alike, keeping arrays, and skipping
// everything no rule asked for. Strings that need no unescaping point into the
// document's bytes, so decoding a typical event does not allocate.
//
// A Doc is the other way in: an ordered set of dotted keys and values that a
// normaliser (EVTX or raw winlog records to ECS) builds; Schema.LoadDoc fills
// an Event from it and Doc.AppendJSON writes it out as a nested JSON object.
package event
