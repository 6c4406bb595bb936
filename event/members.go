package event

// Members calls fn for each member of the JSON object data, in document
// order, with the key (unescaped) and the raw bytes of its value. It stops
// at the first error fn returns. Output code uses it to splice a source
// document's members into an alert document without decoding them.
func Members(data []byte, fn func(key string, raw []byte) error) error {
	var ev Event
	d := decoder{data: data, ev: &ev}
	d.ws()
	if d.pos >= len(d.data) || d.data[d.pos] != '{' {
		return d.err("expected a JSON object")
	}
	d.pos++
	d.ws()
	if d.pos < len(d.data) && d.data[d.pos] == '}' {
		return nil
	}
	for {
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != '"' {
			return d.err("expected a string key")
		}
		key, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.data) || d.data[d.pos] != ':' {
			return d.err("expected ':' after key")
		}
		d.pos++
		d.ws()
		start := d.pos
		if err := d.skip(1); err != nil {
			return err
		}
		if err := fn(key, d.data[start:d.pos]); err != nil {
			return err
		}
		d.ws()
		if d.pos >= len(d.data) {
			return d.err("unterminated object")
		}
		switch d.data[d.pos] {
		case ',':
			d.pos++
		case '}':
			return nil
		default:
			return d.err("expected ',' or '}' in object")
		}
	}
}
