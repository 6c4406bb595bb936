package evtx

import (
	"errors"
	"unicode/utf8"
)

// walker visits a parsed record, expanding template instances and BinXml
// substitution values in place, so callers see the event as one tree.
type walker struct {
	cs    *chunkState
	p     parser
	depth int
	limit int // length past which rendering stops with errTooLarge
}

var errStop = errors.New("stop")

func newWalker(cs *chunkState) walker {
	return walker{cs: cs, p: parser{cs: cs, b: cs.buf[:cs.dataEnd()]}, limit: maxRender}
}

// val returns the value a substitution refers to; out-of-range ids read as
// null.
func (w *walker) val(sc scope, id uint16) value {
	if int32(id) >= sc.nv {
		return value{}
	}
	return w.cs.vals[sc.vs+int32(id)]
}

func (w *walker) data(v value) []byte { return w.cs.buf[v.off : v.off+v.size] }

func (w *walker) spend() error {
	w.cs.budget--
	if w.cs.budget < 0 {
		return errAt(0, "record too complex (work budget exceeded)")
	}
	if len(w.cs.arena) > maxArena {
		return errAt(0, "chunk renders too much text")
	}
	return nil
}

var errTooLarge = errAt(0, "rendered value too large")

// expandBinXml parses a BinXml value (once per chunk) and returns its
// content list.
func (w *walker) expandBinXml(v value) (int32, error) {
	key := uint32(v.off)<<16 | uint32(v.size)&0xffff
	if first, ok := w.cs.binxml[key]; ok {
		return first, nil
	}
	first, _, err := w.p.parseFragment(int(v.off), int(v.off+v.size), false)
	if err == nil {
		w.cs.binxml[key] = first
	}
	return first, err
}

// forEach calls fn for each node of the list starting at first, replacing
// template instances by their content and BinXml substitutions by the
// parsed value.
func (w *walker) forEach(first int32, sc scope, fn func(n int32, sc scope) error) error {
	w.depth++
	defer func() { w.depth-- }()
	if w.depth > maxDepth {
		return errAt(0, "nesting too deep")
	}
	for n := first; n >= 0; n = w.cs.nodes[n].next {
		if err := w.spend(); err != nil {
			return err
		}
		nd := &w.cs.nodes[n]
		switch nd.kind {
		case kTmpl:
			if err := w.forEach(nd.first, scope{vs: nd.attr, nv: nd.n}, fn); err != nil {
				return err
			}
			continue
		case kSubst:
			if v := w.val(sc, nd.sub); v.typ == vtBinXml || v.typ == vtEvtXml {
				inner, err := w.expandBinXml(v)
				if err != nil {
					return err
				}
				if err := w.forEach(inner, scope{}, fn); err != nil {
					return err
				}
				continue
			}
		}
		if err := fn(n, sc); err != nil {
			return err
		}
	}
	return nil
}

// hasElement reports whether the list holds an element after expansion.
func (w *walker) hasElement(first int32, sc scope) (bool, error) {
	found := false
	err := w.forEach(first, sc, func(n int32, _ scope) error {
		if w.cs.nodes[n].kind == kElem {
			found = true
			return errStop
		}
		return nil
	})
	if err == errStop {
		err = nil
	}
	return found, err
}

// attr returns the first attribute of element el with the given tag.
func (w *walker) attr(el int32, tag uint8) int32 {
	for a := w.cs.nodes[el].attr; a >= 0; a = w.cs.nodes[a].next {
		if w.cs.nodes[a].tag == tag {
			return a
		}
	}
	return -1
}

// text renders a content list as a string in the chunk arena.
func (w *walker) text(first int32, sc scope) (string, error) {
	if first < 0 {
		return "", nil
	}
	nd := &w.cs.nodes[first]
	if nd.next < 0 {
		switch nd.kind {
		case kText, kCDATA:
			return nd.text, nil
		case kSubst:
			v := w.val(sc, nd.sub)
			if v.typ != vtBinXml && v.typ != vtEvtXml {
				start := len(w.cs.arena)
				w.cs.arena = w.appendValue(w.cs.arena, v, ',')
				return w.cs.str(start), nil
			}
		}
	}
	// general case: render into scratch first, since parsing BinXml values
	// appends names to the arena
	var err error
	buf := w.cs.scratch[:0]
	buf, err = w.appendText(buf, first, sc)
	w.cs.scratch = buf[:0]
	return w.cs.strBytes(buf), err
}

// appendValue renders a value; array elements are separated by sep.
func (w *walker) appendValue(dst []byte, v value, sep byte) []byte {
	b := w.data(v)
	if v.typ&vtArray == 0 {
		return appendScalar(dst, v.typ, b)
	}
	it := arrayIter{typ: v.typ &^ vtArray, b: b}
	for i := 0; ; i++ {
		e, ok := it.next()
		if !ok {
			return dst
		}
		if i > 0 {
			dst = append(dst, sep)
		}
		dst = appendScalar(dst, it.typ, e)
	}
}

// appendText renders content as text: values as they are, elements as XML.
func (w *walker) appendText(dst []byte, first int32, sc scope) ([]byte, error) {
	err := w.forEach(first, sc, func(n int32, sc scope) error {
		if len(dst) > w.limit {
			return errTooLarge
		}
		nd := &w.cs.nodes[n]
		switch nd.kind {
		case kText, kCDATA:
			dst = append(dst, nd.text...)
		case kSubst:
			dst = w.appendValue(dst, w.val(sc, nd.sub), ',')
		case kCharRef:
			dst = utf8.AppendRune(dst, rune(nd.n))
		case kEntity:
			dst = appendEntity(dst, w.cs.names[nd.name].s)
		case kElem:
			var err error
			dst, err = w.appendElementXML(dst, n, sc)
			return err
		}
		return nil
	})
	return dst, err
}

func appendEntity(dst []byte, name string) []byte {
	switch name {
	case "lt":
		return append(dst, '<')
	case "gt":
		return append(dst, '>')
	case "amp":
		return append(dst, '&')
	case "quot":
		return append(dst, '"')
	case "apos":
		return append(dst, '\'')
	}
	dst = append(dst, '&')
	dst = append(dst, name...)
	return append(dst, ';')
}

// number interprets a content list as an unsigned integer: an integer
// substitution directly, anything else through its text.
func (w *walker) number(first int32, sc scope) (uint64, bool, error) {
	if first < 0 {
		return 0, false, nil
	}
	nd := &w.cs.nodes[first]
	if nd.next < 0 && nd.kind == kSubst {
		v := w.val(sc, nd.sub)
		if u, ok := valueUint(v.typ, w.data(v)); ok {
			return u, true, nil
		}
		if v.typ == vtNull {
			return 0, false, nil
		}
	}
	var err error
	buf := w.cs.scratch[:0]
	buf, err = w.appendText(buf, first, sc)
	w.cs.scratch = buf[:0]
	u, ok := parseUint(buf)
	return u, ok, err
}
