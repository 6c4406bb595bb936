package exception

import (
	"bufio"
	"bytes"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
)

// maxValueListBytes bounds one value list file.
const maxValueListBytes = 256 << 20

// ValueList is a Kibana value list: values, one per line of its export,
// matched as the list type an exception entry gives.
type ValueList struct {
	ID     string
	Source string
	Values []string
}

// LoadValueList loads a value list as Kibana exports its items: one value
// per line (blank lines skipped). Its id is id, or, when id is empty, the
// file's name, as Kibana names a list imported from a file.
func (s *Store) LoadValueList(id, path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if len(data) > maxValueListBytes {
		return fmt.Errorf("%s: value list larger than %d MiB", path, maxValueListBytes>>20)
	}
	if id == "" {
		id = filepath.Base(path)
	}
	if old, ok := s.values[id]; ok {
		return fmt.Errorf("%s: value list %q is also loaded from %s", path, id, old.Source)
	}
	vl := &ValueList{ID: id, Source: path}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if v := strings.TrimSpace(sc.Text()); v != "" {
			vl.Values = append(vl.Values, v)
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	s.values[id] = vl
	return nil
}

// valueSet tests values against a value list read as one list type.
type valueSet struct {
	typ    string
	exact  map[string]struct{}     // keyword; text (lower case)
	addrs  map[netip.Addr]struct{} // ip, and single addresses of ip_range
	nets   []netip.Prefix          // ip_range
	ranges [][2]netip.Addr         // ip_range "a-b"
}

// newValueSet builds the set of vl's values as list type typ; values that
// are not of the type are an error naming the list and line.
func newValueSet(vl *ValueList, typ string) (*valueSet, error) {
	vs := &valueSet{typ: typ}
	switch typ {
	case "keyword", "text":
		vs.exact = make(map[string]struct{}, len(vl.Values))
		for _, v := range vl.Values {
			if typ == "text" {
				v = strings.ToLower(v)
			}
			vs.exact[v] = struct{}{}
		}
	case "ip", "ip_range":
		vs.addrs = map[netip.Addr]struct{}{}
		for _, v := range vl.Values {
			if err := vs.addIP(v, typ == "ip_range"); err != nil {
				return nil, fmt.Errorf("value list %q (%s): %q: %v", vl.ID, vl.Source, v, err)
			}
		}
	default:
		return nil, fmt.Errorf("value list type %q is not supported", typ)
	}
	return vs, nil
}

func (vs *valueSet) addIP(v string, ranges bool) error {
	if a, err := netip.ParseAddr(v); err == nil {
		vs.addrs[a.Unmap()] = struct{}{}
		return nil
	}
	if !ranges {
		return fmt.Errorf("not an IP address")
	}
	if p, err := netip.ParsePrefix(v); err == nil {
		vs.nets = append(vs.nets, p.Masked())
		return nil
	}
	if lo, hi, ok := strings.Cut(v, "-"); ok {
		a, err1 := netip.ParseAddr(strings.TrimSpace(lo))
		b, err2 := netip.ParseAddr(strings.TrimSpace(hi))
		if err1 == nil && err2 == nil && a.Unmap().Compare(b.Unmap()) <= 0 {
			vs.ranges = append(vs.ranges, [2]netip.Addr{a.Unmap(), b.Unmap()})
			return nil
		}
	}
	return fmt.Errorf("not an IP address, CIDR or a-b range")
}

// has reports whether s is in the set.
func (vs *valueSet) has(s string) bool {
	switch vs.typ {
	case "keyword":
		_, ok := vs.exact[s]
		return ok
	case "text":
		_, ok := vs.exact[strings.ToLower(s)]
		return ok
	}
	a, err := netip.ParseAddr(s)
	if err != nil {
		return false
	}
	a = a.Unmap()
	if _, ok := vs.addrs[a]; ok {
		return true
	}
	for _, p := range vs.nets {
		if p.Contains(a) {
			return true
		}
	}
	for _, r := range vs.ranges {
		if a.Compare(r[0]) >= 0 && a.Compare(r[1]) <= 0 {
			return true
		}
	}
	return false
}
