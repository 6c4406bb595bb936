package evtx

import "encoding/binary"

// BinXml tokens ([MS-EVEN6] 3.1.4.7.1). The 0x40 bit marks "more data
// follows" on some of them.
const (
	tokEOF           = 0x00
	tokOpenStart     = 0x01
	tokCloseStart    = 0x02
	tokCloseEmpty    = 0x03
	tokEndElement    = 0x04
	tokValue         = 0x05
	tokAttribute     = 0x06
	tokCDATA         = 0x07
	tokCharRef       = 0x08
	tokEntityRef     = 0x09
	tokPITarget      = 0x0a
	tokPIData        = 0x0b
	tokTemplate      = 0x0c
	tokNormalSubst   = 0x0d
	tokOptionalSubst = 0x0e
	tokFragment      = 0x0f
	tokMoreFlag      = 0x40
)

// parser decodes BinXml from a chunk buffer into chunkState nodes.
type parser struct {
	cs    *chunkState
	b     []byte // the chunk buffer
	depth int
}

func (p *parser) u8(off int) (byte, error) {
	if off < 0 || off >= len(p.b) {
		return 0, errAt(off, "unexpected end of data")
	}
	return p.b[off], nil
}

func (p *parser) u16(off int) (uint16, error) {
	if off < 0 || off+2 > len(p.b) {
		return 0, errAt(off, "unexpected end of data")
	}
	return binary.LittleEndian.Uint16(p.b[off:]), nil
}

func (p *parser) u32(off int) (uint32, error) {
	if off < 0 || off+4 > len(p.b) {
		return 0, errAt(off, "unexpected end of data")
	}
	return binary.LittleEndian.Uint32(p.b[off:]), nil
}

func (p *parser) spend(off int) error {
	p.cs.budget--
	if p.cs.budget < 0 {
		return errAt(off, "record too complex (work budget exceeded)")
	}
	if len(p.cs.nodes) >= maxChunkNodes {
		return errAt(off, "chunk too complex (node limit exceeded)")
	}
	return nil
}

func (p *parser) newNode(n node) int32 {
	p.cs.nodes = append(p.cs.nodes, n)
	return int32(len(p.cs.nodes) - 1)
}

// parseFragment parses BinXml at off..end: an optional fragment header, then
// content up to an EOF token or end. inTemplate tells whether elements carry
// the 2-byte dependency identifier (they do inside template definitions). It
// returns the first node of the content list and the offset after it.
func (p *parser) parseFragment(off, end int, inTemplate bool) (int32, int, error) {
	if end > len(p.b) {
		end = len(p.b)
	}
	first, off, err := p.parseContent(off, end, inTemplate, false)
	return first, off, err
}

// parseContent parses a sequence of content tokens until an end element token
// (inElement) or EOF / end of data (top level). Fragment headers may appear
// anywhere at the top level and are skipped.
func (p *parser) parseContent(off, end int, inTemplate, inElement bool) (int32, int, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > maxDepth {
		return -1, off, errAt(off, "nesting too deep")
	}
	first, last := int32(-1), int32(-1)
	link := func(n int32) {
		if last < 0 {
			first = n
		} else {
			p.cs.nodes[last].next = n
		}
		last = n
	}
	for {
		if off >= end {
			if inElement {
				return first, off, errAt(off, "unexpected end of data in element content")
			}
			return first, off, nil
		}
		if err := p.spend(off); err != nil {
			return first, off, err
		}
		tok := p.b[off]
		switch tok &^ tokMoreFlag {
		case tokEOF:
			if inElement {
				return first, off, errAt(off, "end of fragment inside element")
			}
			return first, off + 1, nil
		case tokEndElement:
			if !inElement {
				return first, off, errAt(off, "end element token outside element")
			}
			return first, off + 1, nil
		case tokFragment:
			off += 4
		case tokOpenStart:
			n, next, err := p.parseElement(off, end, inTemplate)
			if err != nil {
				return first, next, err
			}
			link(n)
			off = next
		case tokValue, tokCDATA, tokCharRef, tokEntityRef, tokNormalSubst, tokOptionalSubst:
			n, next, err := p.parseValueToken(off, end)
			if err != nil {
				return first, next, err
			}
			link(n)
			off = next
		case tokPITarget:
			name, next, err := p.parseNameRef(off+1, end)
			if err != nil {
				return first, next, err
			}
			off = next
			n := p.newNode(node{kind: kPI, name: name, first: -1, attr: -1, next: -1})
			if off < end && p.b[off] == tokPIData {
				s, next, err := p.parseString(off+1, end)
				if err != nil {
					return first, next, err
				}
				p.cs.nodes[n].text = s
				off = next
			}
			link(n)
		case tokPIData:
			s, next, err := p.parseString(off+1, end)
			if err != nil {
				return first, next, err
			}
			link(p.newNode(node{kind: kPI, name: -1, text: s, first: -1, attr: -1, next: -1}))
			off = next
		case tokTemplate:
			n, next, err := p.parseTemplateInstance(off, end)
			if err != nil {
				return first, next, err
			}
			link(n)
			off = next
		default:
			return first, off, errAt(off, "unexpected token %#02x", tok)
		}
	}
}

// parseValueToken parses one token that can make up text content or an
// attribute value.
func (p *parser) parseValueToken(off, end int) (int32, int, error) {
	tok := p.b[off] &^ tokMoreFlag
	switch tok {
	case tokValue:
		t, err := p.u8(off + 1)
		if err != nil {
			return -1, off, err
		}
		var s string
		var next int
		switch t {
		case 0x01: // StringType: count + UTF-16
			s, next, err = p.parseString(off+2, end)
		case 0x02: // AnsiStringType
			var n uint16
			n, err = p.u16(off + 2)
			if err == nil {
				next = off + 4 + int(n)
				if next > end {
					return -1, off, errAt(off, "value text exceeds data")
				}
				start := len(p.cs.arena)
				p.cs.arena = appendAnsi(p.cs.arena, p.b[off+4:next])
				s = p.cs.str(start)
			}
		default:
			return -1, off, errAt(off, "value text of unsupported type %#02x", t)
		}
		if err != nil {
			return -1, next, err
		}
		return p.newNode(node{kind: kText, text: s, first: -1, attr: -1, next: -1}), next, nil
	case tokCDATA:
		s, next, err := p.parseString(off+1, end)
		if err != nil {
			return -1, next, err
		}
		return p.newNode(node{kind: kCDATA, text: s, first: -1, attr: -1, next: -1}), next, nil
	case tokCharRef:
		v, err := p.u16(off + 1)
		if err != nil {
			return -1, off, err
		}
		return p.newNode(node{kind: kCharRef, n: int32(v), first: -1, attr: -1, next: -1}), off + 3, nil
	case tokEntityRef:
		name, next, err := p.parseNameRef(off+1, end)
		if err != nil {
			return -1, next, err
		}
		return p.newNode(node{kind: kEntity, name: name, first: -1, attr: -1, next: -1}), next, nil
	case tokNormalSubst, tokOptionalSubst:
		if off+4 > end {
			return -1, off, errAt(off, "truncated substitution")
		}
		id := binary.LittleEndian.Uint16(p.b[off+1:])
		return p.newNode(node{kind: kSubst, sub: id, vtype: p.b[off+3], opt: tok == tokOptionalSubst,
			first: -1, attr: -1, next: -1}), off + 4, nil
	}
	return -1, off, errAt(off, "unexpected token %#02x", p.b[off])
}

// parseString reads a length-prefixed UTF-16 string into the arena.
func (p *parser) parseString(off, end int) (string, int, error) {
	n, err := p.u16(off)
	if err != nil {
		return "", off, err
	}
	next := off + 2 + 2*int(n)
	if next > end {
		return "", off, errAt(off, "string exceeds data")
	}
	start := len(p.cs.arena)
	p.cs.arena = appendUTF16All(p.cs.arena, p.b[off+2:next])
	return p.cs.str(start), next, nil
}

// elementLayout reports whether an element start at off, with or without
// the dependency identifier, has a plausible name offset.
func (p *parser) elementLayout(off int, withDep bool) bool {
	field, after := off+5, off+9
	if withDep {
		field, after = off+7, off+11
	}
	nameOff, err := p.u32(field)
	if err != nil {
		return false
	}
	if int(nameOff) == after {
		return true
	}
	return nameOff >= chunkHeaderSize && int(nameOff) < off && p.cs.validName(nameOff)
}

// parseElement parses an element starting with an open start element token.
func (p *parser) parseElement(off, end int, inTemplate bool) (int32, int, error) {
	tok := p.b[off]
	// Inside template definitions the start tag carries a dependency
	// identifier; elsewhere (BinXml values, records without templates) it
	// does not. Trust that, but fall back to the other layout when the name
	// offset is implausible.
	withDep := inTemplate
	if !p.elementLayout(off, withDep) && p.elementLayout(off, !withDep) {
		withDep = !withDep
	}
	pos := off + 5
	if withDep {
		pos = off + 7
	}
	name, pos, err := p.parseNameRef(pos, end)
	if err != nil {
		return -1, pos, err
	}
	el := p.newNode(node{kind: kElem, name: name, tag: p.cs.names[name].tag, first: -1, attr: -1, next: -1})
	if tok&tokMoreFlag != 0 {
		// attribute list: size, then attributes
		if pos+4 > end {
			return -1, pos, errAt(pos, "truncated attribute list")
		}
		pos += 4
		lastAttr := int32(-1)
		for pos < end && p.b[pos]&^tokMoreFlag == tokAttribute {
			if err := p.spend(pos); err != nil {
				return -1, pos, err
			}
			aname, next, err := p.parseNameRef(pos+1, end)
			if err != nil {
				return -1, next, err
			}
			pos = next
			a := p.newNode(node{kind: kAttr, name: aname, tag: p.cs.names[aname].tag, first: -1, attr: -1, next: -1})
			if lastAttr < 0 {
				p.cs.nodes[el].attr = a
			} else {
				p.cs.nodes[lastAttr].next = a
			}
			lastAttr = a
			lastVal := int32(-1)
		values:
			for pos < end {
				switch p.b[pos] &^ tokMoreFlag {
				case tokValue, tokCharRef, tokEntityRef, tokNormalSubst, tokOptionalSubst, tokCDATA:
				default:
					break values
				}
				if err := p.spend(pos); err != nil {
					return -1, pos, err
				}
				v, next, err := p.parseValueToken(pos, end)
				if err != nil {
					return -1, next, err
				}
				pos = next
				if lastVal < 0 {
					p.cs.nodes[a].first = v
				} else {
					p.cs.nodes[lastVal].next = v
				}
				lastVal = v
			}
		}
	}
	if pos >= end {
		return -1, pos, errAt(pos, "truncated element start")
	}
	switch p.b[pos] {
	case tokCloseEmpty:
		return el, pos + 1, nil
	case tokCloseStart:
		first, next, err := p.parseContent(pos+1, end, inTemplate, true)
		p.cs.nodes[el].first = first
		return el, next, err
	}
	return -1, pos, errAt(pos, "expected close of start element, found %#02x", p.b[pos])
}

// parseNameRef reads a 4-byte chunk offset of a name at off. A name stored
// right there (offset == off+4) is parsed and skipped; otherwise it was
// stored earlier in the chunk.
func (p *parser) parseNameRef(off, end int) (int32, int, error) {
	nameOff, err := p.u32(off)
	if err != nil {
		return -1, off, err
	}
	off += 4
	idx, size, err := p.cs.name(nameOff)
	if err != nil {
		return -1, off, err
	}
	if int(nameOff) == off {
		off += size
		if off > end {
			return -1, off, errAt(off, "name exceeds data")
		}
	} else if int(nameOff) > off {
		return -1, off, errAt(off, "name offset %#x points forward", nameOff)
	}
	return idx, off, nil
}

// validName reports whether a plausible name structure is stored at off.
func (cs *chunkState) validName(off uint32) bool {
	if _, ok := cs.nameCache[off]; ok {
		return true
	}
	o := int(off)
	if o+8 > len(cs.buf) {
		return false
	}
	n := int(binary.LittleEndian.Uint16(cs.buf[o+6:]))
	end := o + 8 + 2*n + 2
	return end <= len(cs.buf) && cs.buf[end-2] == 0 && cs.buf[end-1] == 0
}

// name returns the index of the name stored at chunk offset off and the
// size of its structure (next offset, hash, count, UTF-16, NUL).
func (cs *chunkState) name(off uint32) (int32, int, error) {
	o := int(off)
	if o < 0 || o+8 > len(cs.buf) {
		return -1, 0, errAt(o, "name offset %#x out of range", off)
	}
	n := int(binary.LittleEndian.Uint16(cs.buf[o+6:]))
	size := 8 + 2*n + 2
	if o+size > len(cs.buf) {
		return -1, 0, errAt(o, "name exceeds chunk")
	}
	if idx, ok := cs.nameCache[off]; ok {
		return idx, size, nil
	}
	start := len(cs.arena)
	cs.arena = appendUTF16All(cs.arena, cs.buf[o+8:o+8+2*n])
	s := cs.str(start)
	cs.names = append(cs.names, nameEntry{s: s, tag: tagOf(s)})
	idx := int32(len(cs.names) - 1)
	cs.nameCache[off] = idx
	return idx, size, nil
}

// parseTemplateInstance parses a template instance at off: a reference to
// a (possibly inline) template definition, then the values.
func (p *parser) parseTemplateInstance(off, end int) (int32, int, error) {
	if off+10 > end {
		return -1, off, errAt(off, "truncated template instance")
	}
	defOff := int(binary.LittleEndian.Uint32(p.b[off+6:]))
	pos := off + 10
	if defOff == pos {
		// the definition is stored here: next offset, GUID, size, data
		size, err := p.u32(pos + 20)
		if err != nil {
			return -1, pos, err
		}
		pos += 24 + int(size)
		if pos > end || pos < 0 {
			return -1, off, errAt(off, "template definition exceeds data")
		}
	} else if defOff > pos {
		return -1, off, errAt(off, "template definition offset %#x points forward", defOff)
	}
	content, err := p.template(defOff)
	if err != nil {
		return -1, pos, err
	}
	// values: count, descriptors, data
	count, err := p.u32(pos)
	if err != nil {
		return -1, pos, err
	}
	if count > maxValueCount || pos+4+int(count)*4 > end {
		return -1, pos, errAt(pos, "template value count %d exceeds data", count)
	}
	desc := pos + 4
	data := desc + int(count)*4
	vs := len(p.cs.vals)
	for i := 0; i < int(count); i++ {
		size := int(binary.LittleEndian.Uint16(p.b[desc+4*i:]))
		typ := p.b[desc+4*i+2]
		if data+size > end {
			p.cs.vals = p.cs.vals[:vs]
			return -1, data, errAt(data, "template value %d exceeds data", i)
		}
		p.cs.vals = append(p.cs.vals, value{typ: typ, off: int32(data), size: int32(size)})
		data += size
	}
	n := p.newNode(node{kind: kTmpl, first: content, attr: int32(vs), n: int32(count), next: -1})
	return n, data, nil
}

// template returns the first content node of the template definition at
// chunk offset defOff, parsing it on first use.
func (p *parser) template(defOff int) (int32, error) {
	if first, ok := p.cs.templates[uint32(defOff)]; ok {
		if first == -2 {
			return -1, errAt(defOff, "template definition refers to itself")
		}
		return first, nil
	}
	size, err := p.u32(defOff + 20)
	if err != nil || defOff < chunkHeaderSize {
		return -1, errAt(defOff, "template definition offset %#x out of range", defOff)
	}
	start, end := defOff+24, defOff+24+int(size)
	if end > len(p.b) || end < start {
		return -1, errAt(defOff, "template definition exceeds chunk")
	}
	p.cs.templates[uint32(defOff)] = -2
	first, _, err := p.parseContent(start, end, true, false)
	if err != nil {
		delete(p.cs.templates, uint32(defOff))
		return -1, err
	}
	p.cs.templates[uint32(defOff)] = first
	return first, nil
}
