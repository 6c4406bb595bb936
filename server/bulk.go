package server

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/vigilsec/vigil/internal/jsonscan"
)

// item is one document of an ingest request.
type item struct {
	action string // index or create
	index  string
	id     string
	source []byte // the document (a JSON object)
	line   int    // of the document in the request
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
	name  string // index, create, update, delete
	index string
	id    string
}

// parseAction reads an action line: an object of one member, the action,
// whose value is an object of metadata. Only _index and _id are kept
// (copied: the line is in a buffer that is reused); other metadata
// (pipeline, routing, ...) is skipped. Reading it with the scanner rather
// than encoding/json made parsing a request several times cheaper.
func parseAction(line []byte) (bulkAction, error) {
	var act bulkAction
	s := jsonscan.Scanner{Data: line}
	if err := s.Begin(); err != nil {
		return act, err
	}
	n := 0
	err := s.Object(0, func(name string) error {
		if n++; n > 1 {
			return errors.New("an action line holds one action")
		}
		act.name = strings.Clone(name)
		if s.Data[s.Pos] != '{' {
			return s.Fail("the action's metadata is not an object")
		}
		return s.Object(1, func(key string) error {
			var dst *string
			switch key {
			case "_index":
				dst = &act.index
			case "_id":
				dst = &act.id
			default:
				return s.Skip(2)
			}
			k, v, err := s.Scalar()
			switch {
			case err != nil:
				return err
			case k == jsonscan.String:
				*dst = strings.Clone(v)
			case k != jsonscan.Null:
				return s.Fail(key + " is not a string")
			}
			return nil
		})
	})
	if err == nil {
		err = s.End()
	}
	if err == nil && n != 1 {
		err = errors.New("an action line holds one action")
	}
	return act, err
}

// parseBulk splits a _bulk body into items. Action lines name index,
// create, update or delete; index and create are followed by a document.
// A malformed line fails its item (and, for a bad action line, the
// document after it) and parsing goes on; only a body that cannot be read
// as lines at all is an error. defIndex is the index of the request path.
// With validate, a document that does not start as an object fails its
// item; the rest of the check is decoding it. Without validate,
// documents are not checked (the request is refused whole).
func parseBulk(body []byte, defIndex string, validate bool) ([]item, error) {
	lines := splitLines(body)
	items := make([]item, 0, (len(lines)+1)/2)
	for i := 0; i < len(lines); i++ {
		line := bytes.TrimSpace(lines[i])
		if len(line) == 0 {
			continue
		}
		act, err := parseAction(line)
		if err != nil {
			// Elasticsearch rejects the whole request on a malformed
			// action line: the lines after it cannot be paired.
			return nil, fmt.Errorf("line %d: malformed action/metadata line: %v", i+1, err)
		}
		name := act.name
		it := item{action: name, index: act.index, id: act.id}
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
			it.line = i + 1
			// The rest of the check is decoding the document
			// (Server.accept), before it is acknowledged.
			if validate && (len(it.source) == 0 || it.source[0] != '{') {
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
	return items, nil
}

// splitLines splits on \n, keeping a last line without one.
func splitLines(b []byte) [][]byte {
	out := make([][]byte, 0, bytes.Count(b, []byte{'\n'})+1)
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
