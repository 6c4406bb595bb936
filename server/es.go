package server

import (
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
	"github.com/vigilsec/vigil/store"
)

// The Elasticsearch side: what Beats, Elastic Agent and the official
// clients call. Paths are matched here rather than by http.ServeMux,
// whose patterns cannot hold both /{index}/_bulk and /_template/{name}.

// serveES routes an Elasticsearch API request.
func (s *Server) serveES(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if parts[0] == "" {
		parts = nil
	}
	switch {
	case len(parts) == 0 && (r.Method == http.MethodGet || r.Method == http.MethodHead):
		s.root(w, r)
	case len(parts) == 1 && parts[0] == "_license":
		s.license(w, r)
	case len(parts) == 1 && parts[0] == "_bulk" && isWrite(r):
		s.bulk(w, r, "")
	case len(parts) == 2 && parts[1] == "_bulk" && isWrite(r) && !strings.HasPrefix(parts[0], "_"):
		s.bulk(w, r, parts[0])
	case (len(parts) == 2 || len(parts) == 3) && (parts[1] == "_doc" || parts[1] == "_create") && isWrite(r) && !strings.HasPrefix(parts[0], "_"):
		id := ""
		if len(parts) == 3 {
			id = parts[2]
		}
		s.single(w, r, parts[0], parts[1], id)
	case parts[len(parts)-1] == "_refresh" && len(parts) <= 2:
		s.refresh(w, r)
	case setupCall(parts):
		s.setup(w, r, parts)
	default:
		writeESError(w, http.StatusNotFound, "resource_not_found_exception",
			fmt.Sprintf("vigil does not serve %s %s", r.Method, r.URL.Path))
	}
}

func isWrite(r *http.Request) bool { return r.Method == http.MethodPost || r.Method == http.MethodPut }

// setupEndpoints are the calls shippers make to set a cluster up before
// they send data; vigil accepts them and keeps nothing.
var setupEndpoints = map[string]bool{
	"_index_template": true, "_template": true, "_ingest": true, "_ilm": true, "_data_stream": true,
	"_nodes": true, "_cluster": true, "_xpack": true, "_component_template": true, "_alias": true, "_aliases": true,
}

func setupCall(parts []string) bool {
	if len(parts) == 0 {
		return false
	}
	if setupEndpoints[parts[0]] {
		return true
	}
	// PUT /<index> (create an index), GET /<index>/_mapping and the like.
	return !strings.HasPrefix(parts[0], "_") && (len(parts) == 1 || parts[1] == "_mapping" || parts[1] == "_settings" || parts[1] == "_alias")
}

// setup answers setup calls: writes succeed, reads find what a writer
// would have made (an empty, existing resource).
func (s *Server) setup(w http.ResponseWriter, r *http.Request, parts []string) {
	switch r.Method {
	case http.MethodHead:
		w.WriteHeader(http.StatusOK)
		return
	case http.MethodPut, http.MethodPost, http.MethodDelete:
		io.Copy(io.Discard, http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength))
		writeJSON(w, http.StatusOK, map[string]any{"acknowledged": true})
		return
	}
	switch {
	case parts[0] == "_cluster":
		writeJSON(w, http.StatusOK, map[string]any{"cluster_name": "vigil", "status": "green", "number_of_nodes": 1,
			"number_of_data_nodes": 1, "active_shards_percent_as_number": 100.0, "timed_out": false})
	case parts[0] == "_nodes":
		writeJSON(w, http.StatusOK, map[string]any{"_nodes": map[string]int{"total": 1, "successful": 1, "failed": 0},
			"cluster_name": "vigil", "nodes": map[string]any{"vigil": map[string]any{"name": "vigil",
				"version": s.cfg.Version, "roles": []string{"master", "data", "ingest"}}}})
	case parts[0] == "_xpack":
		writeJSON(w, http.StatusOK, map[string]any{"build": map[string]any{}, "license": licenseDoc(),
			"features": map[string]any{"ilm": map[string]bool{"available": true, "enabled": true}}})
	case parts[0] == "_index_template":
		writeJSON(w, http.StatusOK, map[string]any{"index_templates": []any{}})
	case parts[0] == "_data_stream":
		writeJSON(w, http.StatusOK, map[string]any{"data_streams": []any{}})
	default:
		writeJSON(w, http.StatusOK, map[string]any{})
	}
}

var clientVersion = regexp.MustCompile(`(?:^|[ ,(])(?:es=|elasticsearch-py/|go-elasticsearch/|elastic-transport-python/|Beats/|Winlogbeat/|Filebeat/|elastic-agent/|Elastic-[A-Za-z]+/)(\d+)\.(\d+)`)

// root answers GET / as an Elasticsearch node would, with a version no
// older than the client's: clients and Beats refuse an older server.
func (s *Server) root(w http.ResponseWriter, r *http.Request) {
	version := s.cfg.Version
	for _, h := range []string{r.Header.Get("X-Elastic-Client-Meta"), r.Header.Get("User-Agent")} {
		if m := clientVersion.FindStringSubmatch(h); m != nil && (m[1] == "8" || m[1] == "9") {
			version = m[1] + "." + m[2] + ".0"
			break
		}
	}
	if r.Method == http.MethodHead {
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"name": "vigil", "cluster_name": "vigil", "cluster_uuid": "dmlnaWwtc2VydmljZS0", "tagline": "You Know, for Search",
		"version": map[string]any{"number": version, "build_flavor": "default", "build_type": "vigil",
			"lucene_version": "9.12.0", "minimum_wire_compatibility_version": "7.17.0",
			"minimum_index_compatibility_version": "7.0.0"},
	})
}

func licenseDoc() map[string]any {
	return map[string]any{"status": "active", "uid": "vigil", "type": "basic", "mode": "basic",
		"issue_date_in_millis": 0, "max_nodes": 1000, "issued_to": "vigil", "issuer": "vigil"}
}

func (s *Server) license(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"license": licenseDoc()})
}

// readBody reads a request body within MaxContentLength, gunzipping it
// when Content-Encoding says so, into a buffer the caller releases.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) (*bodyBuffer, int, error) {
	body := io.Reader(http.MaxBytesReader(w, r.Body, s.cfg.MaxContentLength))
	if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		zr, err := gzip.NewReader(body)
		if err != nil {
			return nil, http.StatusBadRequest, fmt.Errorf("gzip body: %v", err)
		}
		// The decompressed body is bounded too: a small bomb must not
		// exhaust memory.
		body = io.LimitReader(zr, s.cfg.MaxContentLength+1)
	}
	// Read into one buffer of the announced size: io.ReadAll grows from
	// 512 bytes, allocating and clearing the body about twice over (a
	// quarter of the service's CPU under load). A gzip body is guessed
	// at four times its size; no more than maxPresize is reserved for a
	// size a client only announces. Buffers are reused (bodyBuffer).
	buf := newBody()
	if n := r.ContentLength; n > 0 {
		if strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
			n *= 4
		}
		buf.Grow(int(min(n, s.cfg.MaxContentLength, maxPresize)) + bytes.MinRead)
	}
	_, err := buf.ReadFrom(body)
	b := buf.Bytes()
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe) || int64(len(b)) > s.cfg.MaxContentLength:
		buf.release()
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("request body larger than %d bytes (http.max_content_length)", s.cfg.MaxContentLength)
	case err != nil:
		buf.release()
		return nil, http.StatusBadRequest, fmt.Errorf("reading the body: %v", err)
	}
	return buf, 0, nil
}

// maxPresize bounds the buffer reserved for a body before it is read.
const maxPresize = 16 << 20

// bulk is POST /_bulk and /{index}/_bulk.
func (s *Server) bulk(w http.ResponseWriter, r *http.Request, defIndex string) {
	start := time.Now()
	body, status, err := s.readBody(w, r)
	if err != nil {
		writeESError(w, status, "parse_exception", err.Error())
		return
	}
	// When the engine is already behind, the documents are refused
	// without being checked: a client sends them again, and a shipper
	// retrying a backlog must not cost the service what it is short of.
	full := s.behind()
	items, err := parseBulk(body.Bytes(), defIndex, !full)
	if err != nil {
		body.release()
		writeESError(w, http.StatusBadRequest, "illegal_argument_exception", err.Error())
		return
	}
	s.accept(w, items, full, body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusOK)
	// The response is about 190 bytes an item: written into a pooled
	// buffer of that size rather than grown from nothing per request.
	resp := records.Get().(*[]byte)
	*resp = appendBulkResponse(slices.Grow((*resp)[:0], 64+200*len(items)), items, time.Since(start))
	w.Write(*resp)
	if cap(*resp) <= maxPooled {
		records.Put(resp)
	}
}

// appendBulkResponse writes a _bulk response: per item, in request order,
// what Elasticsearch answers (written by hand: encoding a map per item
// cost more than parsing the request).
func appendBulkResponse(b []byte, items []item, took time.Duration) []byte {
	failed := false
	for _, it := range items {
		failed = failed || it.err != nil
	}
	b = fmt.Appendf(b, `{"took":%d,"errors":%t,"items":[`, took.Milliseconds(), failed)
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '{')
		b = event.AppendJSONString(b, it.action)
		b = append(b, `:{"_index":`...)
		b = event.AppendJSONString(b, it.index)
		b = append(b, `,"_id":`...)
		b = event.AppendJSONString(b, it.id)
		if it.err != nil {
			b = fmt.Appendf(b, `,"status":%d,"error":{"type":`, it.err.status)
			b = event.AppendJSONString(b, it.err.typ)
			b = append(b, `,"reason":`...)
			b = event.AppendJSONString(b, it.err.reason)
			b = append(b, "}}}"...)
			continue
		}
		b = append(b, `,"status":201,"result":"created","_version":1,"_seq_no":0,"_primary_term":1,"_shards":{"total":1,"successful":1,"failed":0}}}`...)
	}
	return append(b, "]}\n"...)
}

// single is PUT|POST /{index}/_doc[/{id}] and /{index}/_create/{id}.
func (s *Server) single(w http.ResponseWriter, r *http.Request, index, op, id string) {
	body, status, err := s.readBody(w, r)
	if err != nil {
		writeESError(w, status, "parse_exception", err.Error())
		return
	}
	action := "index"
	if op == "_create" || r.URL.Query().Get("op_type") == "create" {
		action = "create"
	}
	src := bytes.TrimSpace(body.Bytes())
	it := item{action: action, index: index, id: id, source: src, line: 1}
	if len(src) == 0 || src[0] != '{' {
		body.release()
		writeESError(w, http.StatusBadRequest, "document_parsing_exception", "the document is not a JSON object")
		return
	}
	items := []item{it}
	s.accept(w, items, false, body)
	if e := items[0].err; e != nil {
		writeESError(w, e.status, e.typ, e.reason)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"_index": index, "_id": items[0].id, "_version": 1, "result": "created",
		"_shards": map[string]int{"total": 1, "successful": 1, "failed": 0}, "_seq_no": 0, "_primary_term": 1})
}

// accept decodes the sound items of a request, logs those that decode
// and hands them to the engine; it fails them all with 429 when the log
// is full or, with full, the engine was found behind before the request
// was parsed. A document that does not decode fails alone (400): it could
// not be evaluated. accept owns body, which holds the items' sources.
func (s *Server) accept(w http.ResponseWriter, items []item, full bool, body *bodyBuffer) {
	var docs []doc
	var lines, which []int // per doc: its line, its item
	for i := range items {
		it := &items[i]
		s.pipe.st.received.Add(1)
		// An id the client gives names the event (as the document's _id
		// in Elasticsearch); one made up here only answers the request:
		// the event is then named by its content (alert.Fields.EventID),
		// as a hunt over the same document names it.
		given := it.id
		if it.id == "" {
			it.id = newID()
		}
		if it.err != nil {
			s.pipe.st.rejected.Add(1)
			continue
		}
		docs = append(docs, doc{index: it.index, id: given, source: it.source})
		lines, which = append(lines, it.line), append(which, i)
	}
	if len(docs) == 0 || full {
		body.release()
		if len(docs) > 0 {
			s.refuse(w, items, errBacklog)
		}
		return
	}
	s.pipe.decs.acquire()
	decoding := true
	done := func() {
		if decoding {
			decoding = false
			s.pipe.decs.release()
		}
	}
	defer done()
	evs, held, errs := make([]*event.Event, len(docs)), make([]bool, len(docs)), make([]error, len(docs))
	gen := s.pipe.decs.decode(docs, lines, s.pipe.newEvent, s.pipe.reuse, evs, held, errs)
	size := int64(body.Cap())
	k := 0
	for i := range docs {
		if errs[i] != nil {
			err := errs[i]
			if re, ok := errors.AsType[*input.RecordError](err); ok {
				err = re.Err
			}
			items[which[i]].err = &itemError{400, "document_parsing_exception", fmt.Sprintf("line %d: %v", lines[i], err)}
			s.pipe.st.rejected.Add(1)
			continue
		}
		size += eventSize(evs[i], held[i])
		docs[k], evs[k], held[k] = docs[i], evs[i], held[i]
		k++
	}
	docs, evs, held = docs[:k], evs[:k], held[:k]
	if k == 0 {
		body.release()
		return
	}
	err := s.ingest(job{docs: docs, evs: evs, held: held, gen: gen, body: body, size: size}, done)
	if err == nil {
		s.pipe.st.accepted.Add(int64(len(docs)))
		return
	}
	s.refuse(w, items, err)
}

// refuse fails the items not failed yet with err (429 with Retry-After
// when the log is full or the engine behind, else 503).
func (s *Server) refuse(w http.ResponseWriter, items []item, err error) {
	st, typ := http.StatusServiceUnavailable, "unavailable_shards_exception"
	if errors.Is(err, store.ErrFull) || errors.Is(err, errBacklog) {
		st, typ = http.StatusTooManyRequests, "es_rejected_execution_exception"
		w.Header().Set("Retry-After", "1")
	} else {
		s.log.Error("ingest", "err", err)
	}
	for i := range items {
		if items[i].err == nil {
			items[i].err = &itemError{st, typ, "not accepted: " + err.Error()}
			s.pipe.st.rejected.Add(1)
		}
	}
}

// refresh is POST /_refresh: it returns once everything acknowledged so
// far (and every Kafka record taken) is evaluated as if no later event
// could come before it, and the alerts are stored.
func (s *Server) refresh(w http.ResponseWriter, r *http.Request) {
	done := make(chan struct{})
	s.pipe.queue.push(job{refresh: done})
	select {
	case <-done:
		if s.kafka != nil && !s.kafka.refresh(r.Context()) {
			return
		}
		writeJSON(w, http.StatusOK, map[string]any{"_shards": map[string]int{"total": 1, "successful": 1, "failed": 0}})
	case <-r.Context().Done():
	}
}

func newID() string {
	var b [15]byte
	rand.Read(b[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// writeESError writes an error as Elasticsearch does.
func writeESError(w http.ResponseWriter, status int, typ, reason string) {
	cause := map[string]any{"type": typ, "reason": reason}
	writeJSON(w, status, map[string]any{"error": map[string]any{"root_cause": []any{cause}, "type": typ, "reason": reason}, "status": status})
}
