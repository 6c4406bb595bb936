package testevent

// Flatten turns a JSON document into dotted keys. Arrays of objects become
// one array per sub-key, as Elasticsearch indexes them.
func Flatten(prefix string, v any, out map[string]any) {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			key := k
			if prefix != "" {
				key = prefix + "." + k
			}
			Flatten(key, e, out)
		}
	case []any:
		objs := false
		for _, e := range x {
			if _, ok := e.(map[string]any); ok {
				objs = true
			}
		}
		if !objs {
			out[prefix] = x
			return
		}
		sub := map[string][]any{}
		for _, e := range x {
			m := map[string]any{}
			Flatten("", e, m)
			for k, v := range m {
				sub[k] = append(sub[k], v)
			}
		}
		for k, vs := range sub {
			out[prefix+"."+k] = vs
		}
	default:
		out[prefix] = x
	}
}
