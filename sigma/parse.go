package sigma

import (
	"fmt"
	"strings"

	"gopkg.in/yaml.v3"

	"github.com/vigilsec/vigil/internal/srcpos"
)

// parser turns one YAML document into a Rule, collecting errors.
type parser struct {
	path, src string
	errs      srcpos.ErrorList
}

func (p *parser) errorf(n *yaml.Node, format string, args ...any) {
	p.errs = append(p.errs, nodeError(p.path, p.src, n, "sigma: "+fmt.Sprintf(format, args...)))
}

func (p *parser) pos(n *yaml.Node) srcpos.Pos { return nodePos(p.path, n) }

// rule reads a rule document.
func (p *parser) rule(root *yaml.Node) *Rule {
	r := &Rule{Path: p.path, Pos: p.pos(root), src: p.src}
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "title":
			r.Title = p.str(v)
		case "id":
			r.ID = p.str(v)
		case "name":
			r.Name = p.str(v)
		case "status":
			r.Status = p.str(v)
		case "description":
			r.Description = p.str(v)
		case "author":
			r.Author = p.str(v)
		case "date":
			r.Date = p.str(v)
		case "modified":
			r.Modified = p.str(v)
		case "level":
			r.Level = p.str(v)
		case "references":
			r.References = p.strs(v)
		case "tags":
			r.Tags = p.strs(v)
		case "falsepositives":
			r.FalsePositives = p.strs(v)
		case "fields":
			r.Fields = p.strs(v)
		case "logsource":
			r.Logsource = p.logsource(v)
		case "detection":
			r.Detection = p.detection(v)
		case "correlation":
			r.Correlation = p.correlation(v)
		case "filter":
			r.Filter = p.filter(v)
		}
	}
	switch {
	case r.Detection == nil && r.Correlation == nil && r.Filter == nil:
		p.errorf(root, "rule has no detection, correlation or filter")
	case r.Title == "":
		p.errorf(root, "rule has no title")
	}
	return r
}

// str reads a scalar (a list of scalars joins with ", ").
func (p *parser) str(n *yaml.Node) string {
	switch n.Kind {
	case yaml.ScalarNode:
		return n.Value
	case yaml.SequenceNode:
		return strings.Join(p.strs(n), ", ")
	}
	p.errorf(n, "expected a string")
	return ""
}

// strs reads a scalar or a list of scalars.
func (p *parser) strs(n *yaml.Node) []string {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return nil
		}
		return []string{n.Value}
	case yaml.SequenceNode:
		out := make([]string, 0, len(n.Content))
		for _, e := range n.Content {
			if e.Kind != yaml.ScalarNode {
				p.errorf(e, "expected a string")
				continue
			}
			out = append(out, e.Value)
		}
		return out
	}
	p.errorf(n, "expected a string or a list of strings")
	return nil
}

func (p *parser) logsource(n *yaml.Node) Logsource {
	ls := Logsource{Pos: p.pos(n)}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "logsource must be a mapping")
		return ls
	}
	ls.Product = strings.ToLower(scalarOf(lookup(n, "product")))
	ls.Category = strings.ToLower(scalarOf(lookup(n, "category")))
	ls.Service = strings.ToLower(scalarOf(lookup(n, "service")))
	ls.Definition = scalarOf(lookup(n, "definition"))
	return ls
}

// detection reads a detection (or a filter's selection).
func (p *parser) detection(n *yaml.Node) *Detection {
	d := &Detection{Searches: map[string]*Search{}, Pos: p.pos(n)}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "detection must be a mapping")
		return d
	}
	var cond *yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "condition":
			cond = v
		case "timeframe":
			d.Timeframe = p.str(v)
		default:
			if _, dup := d.Searches[k.Value]; dup {
				p.errorf(k, "search %q is defined twice", k.Value)
				continue
			}
			d.Searches[k.Value] = p.search(k.Value, k, v)
			d.Names = append(d.Names, k.Value)
		}
	}
	if cond == nil {
		p.errorf(n, "detection has no condition")
		return d
	}
	var conds []*yaml.Node
	if cond.Kind == yaml.SequenceNode {
		conds = cond.Content
	} else {
		conds = []*yaml.Node{cond}
	}
	for _, c := range conds {
		if c.Kind != yaml.ScalarNode {
			p.errorf(c, "a condition is a string")
			continue
		}
		e, err := parseCondition(c.Value)
		if err != nil {
			p.condError(c, err)
			continue
		}
		d.Conditions = append(d.Conditions, e)
		d.CondText = append(d.CondText, c.Value)
	}
	return d
}

// condError positions a condition's error within its YAML scalar (exactly
// for plain and single-line scalars, at the scalar otherwise).
func (p *parser) condError(c *yaml.Node, err error) {
	ce, ok := err.(*condError)
	pos := p.pos(c)
	if ok && c.Style&(yaml.LiteralStyle|yaml.FoldedStyle) == 0 && !strings.Contains(c.Value, "\n") {
		off := ce.off
		if c.Style&(yaml.SingleQuotedStyle|yaml.DoubleQuotedStyle) != 0 {
			off++
		}
		pos.Col += off
	}
	p.errs = append(p.errs, srcpos.NewError(p.src, pos, "sigma: condition: "+err.Error()))
}

// search reads one search identifier's definition.
func (p *parser) search(name string, k, n *yaml.Node) *Search {
	s := &Search{Name: name, Pos: p.pos(k)}
	switch n.Kind {
	case yaml.MappingNode:
		s.Maps = append(s.Maps, p.fieldMap(n))
	case yaml.SequenceNode:
		for _, e := range n.Content {
			switch e.Kind {
			case yaml.MappingNode:
				s.Maps = append(s.Maps, p.fieldMap(e))
			case yaml.ScalarNode:
				s.Keywords = append(s.Keywords, p.value(e))
			default:
				p.errorf(e, "search %q: a list holds field maps or values", name)
			}
		}
	case yaml.ScalarNode:
		s.Keywords = append(s.Keywords, p.value(n))
	default:
		p.errorf(n, "search %q must be a mapping, a list or a value", name)
	}
	return s
}

func (p *parser) fieldMap(n *yaml.Node) *FieldMap {
	m := &FieldMap{Pos: p.pos(n)}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		parts := strings.Split(k.Value, "|")
		it := &Item{Field: parts[0], Pos: p.pos(k)}
		for _, m := range parts[1:] {
			it.Mods = append(it.Mods, strings.ToLower(m))
		}
		switch v.Kind {
		case yaml.ScalarNode:
			it.Values = []Value{p.value(v)}
		case yaml.SequenceNode:
			for _, e := range v.Content {
				if e.Kind != yaml.ScalarNode {
					p.errorf(e, "field %q: a value list holds scalars", k.Value)
					continue
				}
				it.Values = append(it.Values, p.value(e))
			}
			if len(v.Content) == 0 {
				p.errorf(v, "field %q: empty value list", k.Value)
			}
		default:
			p.errorf(v, "field %q: expected a value or a list of values", k.Value)
		}
		m.Items = append(m.Items, it)
	}
	return m
}

func (p *parser) value(n *yaml.Node) Value {
	v := Value{S: n.Value, Pos: p.pos(n)}
	switch n.Tag {
	case "!!int", "!!float":
		v.Kind = VNumber
	case "!!bool":
		v.Kind = VBool
	case "!!null":
		v.Kind = VNull
	}
	return v
}

func (p *parser) correlation(n *yaml.Node) *Correlation {
	c := &Correlation{Pos: p.pos(n), Generate: false}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "correlation must be a mapping")
		return c
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		switch k.Value {
		case "type":
			c.Type = p.str(v)
		case "rules":
			c.Rules = p.strs(v)
		case "group-by":
			c.GroupBy = p.strs(v)
		case "timespan", "timeframe":
			c.Timespan = p.str(v)
		case "field":
			c.Field = p.str(v)
		case "generate":
			c.Generate = v.Value == "true"
		case "condition":
			c.Condition = map[string]string{}
			if v.Kind != yaml.MappingNode {
				p.errorf(v, "correlation condition must be a mapping")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				c.Condition[v.Content[j].Value] = p.str(v.Content[j+1])
			}
		case "aliases":
			c.Aliases = map[string]map[string]string{}
			for j := 0; j+1 < len(v.Content); j += 2 {
				m := map[string]string{}
				a := v.Content[j+1]
				for l := 0; l+1 < len(a.Content); l += 2 {
					m[a.Content[l].Value] = p.str(a.Content[l+1])
				}
				c.Aliases[v.Content[j].Value] = m
			}
		}
	}
	if c.Type == "" {
		p.errorf(n, "correlation has no type")
	}
	if len(c.Rules) == 0 {
		p.errorf(n, "correlation names no rules")
	}
	return c
}

func (p *parser) filter(n *yaml.Node) *Filter {
	f := &Filter{Pos: p.pos(n)}
	if n.Kind != yaml.MappingNode {
		p.errorf(n, "filter must be a mapping")
		return f
	}
	f.Rules = p.strs(lookupOr(n, "rules"))
	f.Detection = p.detection(n)
	delete(f.Detection.Searches, "rules")
	names := f.Detection.Names[:0]
	for _, s := range f.Detection.Names {
		if s != "rules" {
			names = append(names, s)
		}
	}
	f.Detection.Names = names
	return f
}

func lookupOr(n *yaml.Node, key string) *yaml.Node {
	if v := lookup(n, key); v != nil {
		return v
	}
	return &yaml.Node{Kind: yaml.SequenceNode}
}
