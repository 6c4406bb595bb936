// This file holds strings kept escaped: free text that is long, full of
// escapes and read by few rules is not unescaped when a document is
// decoded, only when a reader asks for it.

package event

import "github.com/vigilsec/vigil/internal/jsonscan"

// lazyFields are the fields whose strings Decode keeps as the document
// escapes them. An event's message is 58% of the bytes the decoder would
// unescape over the ECS dump of the winlog corpus (line breaks and tabs
// between short runs, Windows paths), and of the Windows rules only a few
// ES|QL queries read it; alerts write the document itself.
var lazyFields = map[string]bool{"message": true}

// escapedString is a string value whose s is still JSON-escaped text (the
// inside of the quotes, escapes checked by the decoder): its n, which no
// other string uses, is 1. Str unescapes it into new memory on every call,
// so that readers on any goroutine share nothing they write; the value
// itself is never changed, and copies (Clone, sequence copies) carry the
// text as it is.
const escapedString = 1

// Escaped returns a string value for text, the inside of a JSON string
// whose escapes were checked (jsonscan.Scanner.Escaped), unescaped only
// when read.
func Escaped(text string) Value {
	v := strValue(text)
	v.n = escapedString
	return v
}

// UnescapeAll makes Decode unescape lazyFields' strings as it does every
// other string: for rules that read every event's whole text (Sigma's
// keyword searches), an escaped string would be unescaped again, into new
// memory, at every read.
func (s *Schema) UnescapeAll() { s.unescapeAll.Store(true) }

// unescape returns the string an escaped string value stands for.
func (v Value) unescape() string { return jsonscan.Unescape(v.str()) }

// escapedString decodes the string at d.Pos for a slot of lazyFields:
// checked and left escaped when it holds escapes, as any string otherwise.
func (d *decoder) escapedString(slot int) error {
	text, escaped, err := d.Escaped()
	if err != nil {
		return err
	}
	v := strValue(text)
	if escaped {
		v.n = escapedString
	}
	d.ev.add(slot, v)
	return nil
}
