package exception

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/pelletier/go-toml/v2"
)

// LoadFile loads an exception list file into the store: a Kibana export
// (.ndjson, .json: the exception lists API's _export) or a detection-rules
// exceptions file (.toml).
func (s *Store) LoadFile(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if strings.EqualFold(filepath.Ext(path), ".toml") {
		return s.LoadTOML(path, data)
	}
	return s.LoadNDJSON(path, data)
}

// jsonEntry is an entry as Kibana's API writes it.
type jsonEntry struct {
	Field    string          `json:"field" toml:"field"`
	Type     string          `json:"type" toml:"type"`
	Operator string          `json:"operator" toml:"operator"`
	Value    json.RawMessage `json:"value"`
	List     *ListRef        `json:"list"`
	Entries  []jsonEntry     `json:"entries"`
}

// jsonObject is one line of an export: a list container, an item, or the
// export summary.
type jsonObject struct {
	ListID        string      `json:"list_id"`
	ItemID        *string     `json:"item_id"`
	NamespaceType string      `json:"namespace_type"`
	Type          string      `json:"type"`
	Name          string      `json:"name"`
	Entries       []jsonEntry `json:"entries"`
	Exported      *int        `json:"exported_exception_list_count"`
}

// LoadNDJSON loads a Kibana exception list export: one JSON object per
// line, list containers (list_id, type, namespace_type) and items
// (item_id, list_id, entries), and a closing summary line, which is
// skipped.
func (s *Store) LoadNDJSON(path string, data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	line := 0
	for sc.Scan() {
		line++
		b := bytes.TrimSpace(sc.Bytes())
		if len(b) == 0 {
			continue
		}
		src := fmt.Sprintf("%s:%d", path, line)
		var o jsonObject
		if err := json.Unmarshal(b, &o); err != nil {
			return fmt.Errorf("%s: %v", src, err)
		}
		switch {
		case o.Exported != nil:
			continue
		case o.ListID == "":
			return fmt.Errorf("%s: neither an exception list nor an item (no list_id)", src)
		case o.ItemID != nil || o.Entries != nil:
			entries, err := fromJSON(o.Entries)
			if err != nil {
				return fmt.Errorf("%s: %v", src, err)
			}
			id := ""
			if o.ItemID != nil {
				id = *o.ItemID
			}
			if err := s.addItem(Item{ItemID: id, ListID: o.ListID, NamespaceType: o.NamespaceType, Name: o.Name, Entries: entries, Source: src}); err != nil {
				return err
			}
		default:
			if err := s.addList(List{ListID: o.ListID, NamespaceType: o.NamespaceType, Type: o.Type, Name: o.Name, Source: src}); err != nil {
				return err
			}
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	return nil
}

func fromJSON(js []jsonEntry) ([]Entry, error) {
	var out []Entry
	for _, j := range js {
		e := Entry{Field: j.Field, Type: j.Type, Operator: j.Operator}
		if j.List != nil {
			e.List = *j.List
		}
		if len(j.Value) > 0 && string(j.Value) != "null" {
			if j.Value[0] == '[' {
				if err := json.Unmarshal(j.Value, &e.Values); err != nil {
					return nil, fmt.Errorf("entry %q: value: %v", j.Field, err)
				}
			} else if err := json.Unmarshal(j.Value, &e.Value); err != nil {
				return nil, fmt.Errorf("entry %q: value: %v", j.Field, err)
			}
		}
		if len(j.Entries) > 0 {
			sub, err := fromJSON(j.Entries)
			if err != nil {
				return nil, err
			}
			e.Entries = sub
		}
		out = append(out, e)
	}
	return out, nil
}

// tomlFile is a detection-rules exceptions file: [metadata], then
// [[exceptions]] each with a [exceptions.container] and
// [[exceptions.items]] holding [[exceptions.items.entries]].
type tomlFile struct {
	Exceptions []struct {
		Container struct {
			ListID        string `toml:"list_id"`
			Name          string `toml:"name"`
			NamespaceType string `toml:"namespace_type"`
			Type          string `toml:"type"`
		} `toml:"container"`
		Items []struct {
			ItemID        string      `toml:"item_id"`
			ListID        string      `toml:"list_id"`
			Name          string      `toml:"name"`
			NamespaceType string      `toml:"namespace_type"`
			Entries       []tomlEntry `toml:"entries"`
		} `toml:"items"`
	} `toml:"exceptions"`
}

type tomlEntry struct {
	Field    string      `toml:"field"`
	Type     string      `toml:"type"`
	Operator string      `toml:"operator"`
	Value    any         `toml:"value"`
	List     *ListRef    `toml:"list"`
	ListVals *ListRef    `toml:"list_vals"`
	Entries  []tomlEntry `toml:"entries"`
}

// LoadTOML loads a detection-rules exceptions file.
func (s *Store) LoadTOML(path string, data []byte) error {
	var f tomlFile
	if err := toml.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	for i, ex := range f.Exceptions {
		src := fmt.Sprintf("%s: exceptions[%d]", path, i)
		c := ex.Container
		if c.ListID == "" {
			return fmt.Errorf("%s: container has no list_id", src)
		}
		if err := s.addList(List{ListID: c.ListID, NamespaceType: c.NamespaceType, Type: c.Type, Name: c.Name, Source: src}); err != nil {
			return err
		}
		for j, it := range ex.Items {
			entries, err := fromTOML(it.Entries)
			isrc := fmt.Sprintf("%s.items[%d]", src, j)
			if err != nil {
				return fmt.Errorf("%s: %v", isrc, err)
			}
			listID := it.ListID
			if listID == "" {
				listID = c.ListID
			}
			ns := it.NamespaceType
			if ns == "" {
				ns = c.NamespaceType
			}
			if err := s.addItem(Item{ItemID: it.ItemID, ListID: listID, NamespaceType: ns, Name: it.Name, Entries: entries, Source: isrc}); err != nil {
				return err
			}
		}
	}
	return nil
}

func fromTOML(ts []tomlEntry) ([]Entry, error) {
	var out []Entry
	for _, t := range ts {
		e := Entry{Field: t.Field, Type: t.Type, Operator: t.Operator}
		switch v := t.Value.(type) {
		case nil:
		case string:
			e.Value = v
		case []any:
			for _, x := range v {
				s, ok := x.(string)
				if !ok {
					return nil, fmt.Errorf("entry %q: value list holds a %T", t.Field, x)
				}
				e.Values = append(e.Values, s)
			}
		default:
			return nil, fmt.Errorf("entry %q: value is a %T", t.Field, v)
		}
		if t.List != nil {
			e.List = *t.List
		} else if t.ListVals != nil {
			e.List = *t.ListVals
		}
		if len(t.Entries) > 0 {
			sub, err := fromTOML(t.Entries)
			if err != nil {
				return nil, err
			}
			e.Entries = sub
		}
		out = append(out, e)
	}
	return out, nil
}
