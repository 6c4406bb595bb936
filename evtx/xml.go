package evtx

import "unicode/utf8"

// AppendXML appends the event rendered as XML, in the shape of Windows'
// rendering (without indentation), to dst. It is meant for debugging and
// dumps; like the rest of the Record it must be called before the next
// call to File.Next unless r is a clone.
func (r *Record) AppendXML(dst []byte) []byte {
	if r.xml != nil {
		return append(dst, r.xml...)
	}
	if r.cs == nil {
		return dst
	}
	w := newWalker(r.cs)
	w.limit = len(dst) + maxRender
	r.cs.budget = recordBudget
	out, err := w.appendXML(dst, r.root.node, r.root.sc)
	if err != nil {
		out = append(out, "<!-- evtx: "...)
		out = appendEscaped(out, err.Error(), false)
		out = append(out, " -->"...)
	}
	return out
}

// appendXML renders a content list as XML.
func (w *walker) appendXML(dst []byte, first int32, sc scope) ([]byte, error) {
	err := w.forEach(first, sc, func(n int32, sc scope) error {
		if len(dst) > w.limit {
			return errTooLarge
		}
		nd := &w.cs.nodes[n]
		switch nd.kind {
		case kElem:
			var err error
			dst, err = w.appendElementXML(dst, n, sc)
			return err
		case kText:
			dst = appendEscaped(dst, nd.text, false)
		case kCDATA:
			dst = append(dst, "<![CDATA["...)
			dst = append(dst, nd.text...)
			dst = append(dst, "]]>"...)
		case kSubst:
			dst = w.appendValueXML(dst, w.val(sc, nd.sub), false)
		case kCharRef:
			dst = append(dst, "&#"...)
			dst = appendInt(dst, int(nd.n), 1)
			dst = append(dst, ';')
		case kEntity:
			dst = append(dst, '&')
			dst = append(dst, w.cs.names[nd.name].s...)
			dst = append(dst, ';')
		case kPI:
			dst = append(dst, "<?"...)
			if nd.name >= 0 {
				dst = append(dst, w.cs.names[nd.name].s...)
			}
			if nd.text != "" {
				dst = append(dst, ' ')
				dst = append(dst, nd.text...)
			}
			dst = append(dst, "?>"...)
		}
		return nil
	})
	return dst, err
}

func (w *walker) appendElementXML(dst []byte, el int32, sc scope) ([]byte, error) {
	if err := w.spend(); err != nil {
		return dst, err
	}
	// Windows renders an element whose content is an array substitution
	// once per array element.
	if first := w.cs.nodes[el].first; first >= 0 {
		if nd := &w.cs.nodes[first]; nd.next < 0 && nd.kind == kSubst {
			if v := w.val(sc, nd.sub); v.typ&vtArray != 0 {
				return w.appendArrayElementXML(dst, el, sc, v)
			}
		}
	}
	if w.omitted(w.cs.nodes[el].first, sc) {
		return dst, nil // an optional substitution of a null value: no element
	}
	return w.appendElementXMLWith(dst, el, sc, nil, false)
}

// appendArrayElementXML renders element el once per element of array v.
func (w *walker) appendArrayElementXML(dst []byte, el int32, sc scope, v value) ([]byte, error) {
	it := arrayIter{typ: v.typ &^ vtArray, b: w.data(v)}
	n := 0
	for {
		e, ok := it.next()
		if !ok {
			break
		}
		n++
		var err error
		if dst, err = w.appendElementXMLWith(dst, el, sc, e, true); err != nil {
			return dst, err
		}
		if len(dst) > w.limit {
			return dst, errTooLarge
		}
	}
	if n == 0 {
		return w.appendElementXMLWith(dst, el, sc, nil, true)
	}
	return dst, nil
}

// appendElementXMLWith renders element el; with elem set, its content is
// the array element of type typ in e instead of its children.
func (w *walker) appendElementXMLWith(dst []byte, el int32, sc scope, e []byte, elem bool) ([]byte, error) {
	name := w.cs.names[w.cs.nodes[el].name].s
	dst = append(dst, '<')
	dst = append(dst, name...)
	for a := w.cs.nodes[el].attr; a >= 0; a = w.cs.nodes[a].next {
		an := &w.cs.nodes[a]
		if w.omitted(an.first, sc) {
			continue
		}
		dst = append(dst, ' ')
		dst = append(dst, w.cs.names[an.name].s...)
		dst = append(dst, '=', '"')
		for v := an.first; v >= 0; v = w.cs.nodes[v].next {
			vn := &w.cs.nodes[v]
			switch vn.kind {
			case kText, kCDATA:
				dst = appendEscaped(dst, vn.text, true)
			case kSubst:
				dst = w.appendValueXML(dst, w.val(sc, vn.sub), true)
			case kCharRef:
				dst = append(dst, "&#"...)
				dst = appendInt(dst, int(vn.n), 1)
				dst = append(dst, ';')
			case kEntity:
				dst = append(dst, '&')
				dst = append(dst, w.cs.names[vn.name].s...)
				dst = append(dst, ';')
			}
		}
		dst = append(dst, '"')
	}
	first := w.cs.nodes[el].first
	if elem {
		if len(e) == 0 {
			return append(dst, "/>"...), nil
		}
		dst = append(dst, '>')
		typ := w.val(sc, w.cs.nodes[first].sub).typ &^ vtArray
		start := len(dst)
		dst = appendScalar(dst, typ, e)
		dst = w.escapeTail(dst, start, false)
	} else {
		if first < 0 {
			return append(dst, "/>"...), nil
		}
		dst = append(dst, '>')
		var err error
		if dst, err = w.appendXML(dst, first, sc); err != nil {
			return dst, err
		}
	}
	dst = append(dst, '<', '/')
	dst = append(dst, name...)
	return append(dst, '>'), nil
}

// omitted reports whether an attribute value or element content is a lone
// optional substitution of a null value: Windows leaves out such
// attributes and elements.
func (w *walker) omitted(first int32, sc scope) bool {
	if first < 0 {
		return false
	}
	nd := &w.cs.nodes[first]
	return nd.next < 0 && nd.kind == kSubst && nd.opt && w.val(sc, nd.sub).typ == vtNull
}

// appendValueXML renders a (non-BinXml) value with XML escaping.
func (w *walker) appendValueXML(dst []byte, v value, attr bool) []byte {
	start := len(dst)
	dst = w.appendValue(dst, v, ',')
	if t := v.typ &^ vtArray; t != vtString && t != vtAnsi {
		return dst // numbers, GUIDs, SIDs, times and hex need no escaping
	}
	return w.escapeTail(dst, start, attr)
}

// escapeTail XML-escapes dst[start:] in place.
func (w *walker) escapeTail(dst []byte, start int, attr bool) []byte {
	if !needsEscape(dst[start:], attr) {
		return dst
	}
	buf := append(w.cs.esc[:0], dst[start:]...)
	w.cs.esc = buf[:0]
	return appendEscaped(dst[:start], string(buf), attr)
}

func needsEscape(b []byte, attr bool) bool {
	for _, c := range b {
		if c == '<' || c == '>' || c == '&' || (attr && c == '"') {
			return true
		}
	}
	return false
}

func appendEscaped(dst []byte, s string, attr bool) []byte {
	// copy the run before the first character that needs escaping at once
	k := 0
	for k < len(s) && s[k] != '<' && s[k] != '>' && s[k] != '&' && (s[k] != '"' || !attr) {
		k++
	}
	dst = append(dst, s[:k]...)
	s = s[k:]
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == '<':
			dst = append(dst, "&lt;"...)
		case c == '>':
			dst = append(dst, "&gt;"...)
		case c == '&':
			dst = append(dst, "&amp;"...)
		case c == '"' && attr:
			dst = append(dst, "&quot;"...)
		case c < utf8.RuneSelf:
			dst = append(dst, c)
		default:
			_, n := utf8.DecodeRuneInString(s[i:])
			dst = append(dst, s[i:i+n]...)
			i += n
			continue
		}
		i++
	}
	return dst
}
