package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// item is one document of an ingest request.
type item struct {
	action string // index or create
	index  string
	id     string
	source []byte // the document (a JSON object)
	err    *itemError
}

// itemError is a per-item failure, as Elasticsearch reports it in a bulk
// response.
type itemError struct {
	status int
	typ    string // e.g. mapper_parsing_exception
	reason string
}

// bulkAction is the metadata line of a bulk action.
type bulkAction struct {
	Index    string `json:"_index"`
	ID       string `json:"_id"`
	Pipeline string `json:"pipeline"`
}

// parseBulk splits a _bulk body into items. Action lines name index,
// create, update or delete; index and create are followed by a document.
// A malformed line fails its item (and, for a bad action line, the
// document after it) and parsing goes on; only a body that cannot be read
// as lines at all is an error. defIndex is the index of the request path.
// Without validate, documents are not checked (the request is refused
// whole).
func parseBulk(body []byte, defIndex string, validate bool) ([]item, error) {
	var items []item
	lines := splitLines(body)
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 {
			continue
		}
		var act map[string]bulkAction
		if err := json.Unmarshal(line, &act); err != nil || len(act) != 1 {
			if err == nil {
				err = errors.New("an action line holds one action")
			}
			// Elasticsearch rejects the whole request on a malformed
			// action line: the lines after it cannot be paired.
			return nil, fmt.Errorf("line %d: malformed action/metadata line: %v", i+1, err)
		}
		for name, meta := range act {
			it := item{action: name, index: meta.Index, id: meta.ID}
			if it.index == "" {
				it.index = defIndex
			}
			switch name {
			case "index", "create":
				if i+1 >= len(lines) {
					return nil, fmt.Errorf("line %d: %s action without a document", i+1, name)
				}
				i++
				it.source = bytes.TrimSpace(lines[i])
				if validate && (len(it.source) == 0 || it.source[0] != '{' || !json.Valid(it.source)) {
					it.err = &itemError{400, "document_parsing_exception", fmt.Sprintf("line %d: the document is not a JSON object", i+1)}
				}
			case "update":
				i++ // its partial document
				it.err = &itemError{400, "action_request_validation_exception", "update is not supported: vigil keeps events, not documents"}
			case "delete":
				it.err = &itemError{400, "action_request_validation_exception", "delete is not supported: vigil keeps events, not documents"}
			default:
				return nil, fmt.Errorf("line %d: unknown action %q", i+1, name)
			}
			if it.err == nil && it.index == "" {
				it.err = &itemError{400, "action_request_validation_exception", "index is missing"}
			}
			items = append(items, it)
		}
	}
	return items, nil
}

// splitLines splits on \n, keeping a last line without one.
func splitLines(b []byte) [][]byte {
	var out [][]byte
	for len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			out = append(out, b)
			break
		}
		out = append(out, b[:i])
		b = b[i+1:]
	}
	return out
}
