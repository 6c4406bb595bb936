package evtx

import (
	"strings"
	"time"
)

// extract fills r from the record's content list.
func (w *walker) extract(r *Record, root ref) error {
	found := false
	err := w.forEach(root.node, root.sc, func(n int32, sc scope) error {
		nd := &w.cs.nodes[n]
		if nd.kind != kElem || nd.tag != tagEvent || found {
			return nil
		}
		found = true
		return w.forEach(nd.first, sc, func(n int32, sc scope) error {
			nd := &w.cs.nodes[n]
			if nd.kind != kElem {
				return nil
			}
			switch nd.tag {
			case tagSystem:
				return w.system(&r.System, n, sc)
			case tagEventData:
				return w.eventData(r, n, sc)
			case tagUserData:
				return w.userData(r, n, sc)
			}
			return nil
		})
	})
	if err == nil && !found {
		err = errAt(0, "record holds no <Event> element")
	}
	return err
}

func (w *walker) system(s *System, el int32, sc scope) error {
	return w.forEach(w.cs.nodes[el].first, sc, func(n int32, sc scope) error {
		nd := &w.cs.nodes[n]
		if nd.kind != kElem {
			return nil
		}
		var err error
		switch nd.tag {
		case tagProvider:
			if s.Provider, err = w.attrText(n, tagName, sc); err != nil {
				return err
			}
			if s.ProviderGUID, err = w.attrText(n, tagGuid, sc); err != nil {
				return err
			}
			s.EventSourceName, err = w.attrText(n, tagEventSourceName, sc)
		case tagEventID:
			var v uint64
			v, _, err = w.number(nd.first, sc)
			s.EventID = uint16(v)
			if a := w.attr(n, tagQualifiers); a >= 0 && err == nil {
				var ok bool
				v, ok, err = w.number(w.cs.nodes[a].first, sc)
				s.Qualifiers, s.HasQualifiers = uint16(v), ok
			}
		case tagVersion:
			var v uint64
			v, _, err = w.number(nd.first, sc)
			s.Version = uint8(v)
		case tagLevel:
			var v uint64
			v, _, err = w.number(nd.first, sc)
			s.Level = uint8(v)
		case tagTask:
			var v uint64
			v, _, err = w.number(nd.first, sc)
			s.Task = uint16(v)
		case tagOpcode:
			var v uint64
			v, _, err = w.number(nd.first, sc)
			s.Opcode = uint8(v)
		case tagKeywords:
			s.Keywords, _, err = w.number(nd.first, sc)
		case tagTimeCreated:
			if a := w.attr(n, tagSystemTime); a >= 0 {
				s.TimeCreated, err = w.time(w.cs.nodes[a].first, sc)
			}
		case tagEventRecordID:
			s.RecordID, _, err = w.number(nd.first, sc)
		case tagCorrelation:
			if s.ActivityID, err = w.attrText(n, tagActivityID, sc); err != nil {
				return err
			}
			s.RelatedActivityID, err = w.attrText(n, tagRelatedActivityID, sc)
		case tagExecution:
			var v uint64
			if a := w.attr(n, tagProcessID); a >= 0 {
				if v, _, err = w.number(w.cs.nodes[a].first, sc); err != nil {
					return err
				}
				s.ProcessID = uint32(v)
			}
			if a := w.attr(n, tagThreadID); a >= 0 {
				v, _, err = w.number(w.cs.nodes[a].first, sc)
				s.ThreadID = uint32(v)
			}
		case tagChannel:
			s.Channel, err = w.text(nd.first, sc)
		case tagComputer:
			s.Computer, err = w.text(nd.first, sc)
		case tagSecurity:
			s.UserID, err = w.attrText(n, tagUserID, sc)
		}
		return err
	})
}

func (w *walker) attrText(el int32, tag uint8, sc scope) (string, error) {
	a := w.attr(el, tag)
	if a < 0 {
		return "", nil
	}
	return w.text(w.cs.nodes[a].first, sc)
}

// time interprets a content list as a timestamp: a FILETIME or SYSTEMTIME
// substitution, or RFC 3339 text.
func (w *walker) time(first int32, sc scope) (time.Time, error) {
	if first < 0 {
		return time.Time{}, nil
	}
	nd := &w.cs.nodes[first]
	if nd.next < 0 && nd.kind == kSubst {
		v := w.val(sc, nd.sub)
		switch b := w.data(v); v.typ {
		case vtFileTime:
			if len(b) == 8 {
				return fileTime(leUint(b)), nil
			}
		case vtSysTime:
			if t, ok := sysTime(b); ok {
				return t, nil
			}
		case vtNull:
			return time.Time{}, nil
		}
	}
	var err error
	buf := w.cs.scratch[:0]
	buf, err = w.appendText(buf, first, sc)
	w.cs.scratch = buf[:0]
	t, _ := parseTime(buf)
	return t, err
}

func (w *walker) eventData(r *Record, el int32, sc scope) error {
	// The items of all records of a chunk share one array (cs.data), so a
	// record slot does not grow its own.
	cs := w.cs
	s0 := len(cs.data)
	err := w.forEach(w.cs.nodes[el].first, sc, func(n int32, sc scope) error {
		nd := &w.cs.nodes[n]
		if nd.kind != kElem {
			return nil
		}
		if w.omitted(nd.first, sc) {
			return nil // Windows renders no element for a null optional value
		}
		var d Data
		var err error
		switch nd.tag {
		case tagData:
			if d.Name, err = w.attrText(n, tagName, sc); err != nil {
				return err
			}
		default:
			d.Name = w.cs.names[nd.name].s
		}
		if err = w.value(&d, n, sc); err != nil {
			return err
		}
		cs.data = append(cs.data, d)
		return nil
	})
	if len(r.EventData) == 0 {
		r.EventData = cs.data[s0:len(cs.data):len(cs.data)]
	} else { // a second <EventData>
		r.EventData = append(r.EventData, cs.data[s0:]...)
		cs.data = cs.data[:s0]
	}
	return err
}

// value sets d.Value (and d.Values for an array) from element el's content.
func (w *walker) value(d *Data, el int32, sc scope) error {
	first := w.cs.nodes[el].first
	if first >= 0 {
		nd := &w.cs.nodes[first]
		if nd.next < 0 && nd.kind == kSubst {
			if v := w.val(sc, nd.sub); v.typ&vtArray != 0 {
				w.array(d, v)
				return nil
			}
		}
	}
	var err error
	d.Value, err = w.text(first, sc)
	return err
}

// array renders the elements of an array value into d.Values and their
// comma-joined form into d.Value.
func (w *walker) array(d *Data, v value) {
	cs := w.cs
	it := arrayIter{typ: v.typ &^ vtArray, b: w.data(v)}
	s0 := len(cs.strs)
	start := len(cs.arena)
	for {
		e, ok := it.next()
		if !ok {
			break
		}
		es := len(cs.arena)
		cs.arena = appendScalar(cs.arena, it.typ, e)
		cs.strs = append(cs.strs, cs.str(es))
		cs.arena = append(cs.arena, ',')
	}
	if len(cs.arena) > start {
		cs.arena = cs.arena[:len(cs.arena)-1] // drop the last comma
	}
	d.Value = cs.str(start)
	d.Values = cs.strs[s0:len(cs.strs):len(cs.strs)]
	if d.Values == nil {
		d.Values = []string{}
	}
}

func (w *walker) userData(r *Record, el int32, sc scope) error {
	first := true
	return w.forEach(w.cs.nodes[el].first, sc, func(n int32, sc scope) error {
		nd := &w.cs.nodes[n]
		if nd.kind != kElem {
			return nil
		}
		name := w.cs.names[nd.name].s
		prefix := ""
		if first {
			r.UserDataName = name
			first = false
		} else {
			prefix = name
		}
		return w.leaves(r, n, sc, prefix, true)
	})
}

// leaves appends the leaf elements below el to r.UserData, named by their
// path below the first child of UserData.
func (w *walker) leaves(r *Record, el int32, sc scope, prefix string, top bool) error {
	first := w.cs.nodes[el].first
	has, err := w.hasElement(first, sc)
	if err != nil {
		return err
	}
	if !has && w.omitted(first, sc) && w.cs.nodes[el].attr < 0 {
		return nil
	}
	if !has {
		if top && prefix == "" {
			prefix = w.cs.names[w.cs.nodes[el].name].s
		}
		attrs := 0
		for a := w.cs.nodes[el].attr; a >= 0; a = w.cs.nodes[a].next {
			an := w.cs.names[w.cs.nodes[a].name].s
			if an == "xmlns" || strings.HasPrefix(an, "xmlns:") {
				continue
			}
			attrs++
			start := len(w.cs.arena)
			w.cs.arena = append(w.cs.arena, prefix...)
			w.cs.arena = append(w.cs.arena, '.')
			w.cs.arena = append(w.cs.arena, an...)
			d := Data{Name: w.cs.str(start)}
			var err error
			if d.Value, err = w.text(w.cs.nodes[a].first, sc); err != nil {
				return err
			}
			r.UserData = append(r.UserData, d)
		}
		if attrs > 0 && first < 0 {
			return nil
		}
		d := Data{Name: prefix}
		if err := w.value(&d, el, sc); err != nil {
			return err
		}
		r.UserData = append(r.UserData, d)
		return nil
	}
	return w.forEach(first, sc, func(n int32, sc scope) error {
		nd := &w.cs.nodes[n]
		if nd.kind != kElem {
			return nil
		}
		name := w.cs.names[nd.name].s
		if prefix != "" {
			start := len(w.cs.arena)
			w.cs.arena = append(w.cs.arena, prefix...)
			w.cs.arena = append(w.cs.arena, '.')
			w.cs.arena = append(w.cs.arena, name...)
			name = w.cs.str(start)
		}
		return w.leaves(r, n, sc, name, false)
	})
}
