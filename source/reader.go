package source

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync/atomic"

	"github.com/vigilsec/vigil/event"
)

// RecordError is a record that could not be read; reading goes on.
type RecordError struct {
	Path string
	Pos  int64  // line or record number, 1-based; 0 for the whole file
	Unit string // "line", "record" or "element"
	Err  error
}

func (e *RecordError) Error() string {
	if e.Pos == 0 {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s:%s %d: %v", e.Path, e.Unit, e.Pos, e.Err)
}

func (e *RecordError) Unwrap() error { return e.Err }

// DocReader yields normalised documents from an input that is not JSON,
// such as an EVTX file.
type DocReader interface {
	// Next fills doc with the next record and returns the index it belongs
	// to and its record number. It returns io.EOF at the end; a
	// *RecordError is not fatal.
	Next(doc *event.Doc) (index string, pos int64, err error)
	Close() error
}

// reader yields the events of one input in file order.
type reader interface {
	next(ev *event.Event) error
	close() error
}

// maxLine bounds one NDJSON line; longer lines are reported and skipped.
const maxLine = 64 << 20

type ndjsonReader struct {
	c      *config
	path   string
	f      io.Closer
	br     *bufio.Reader
	line   int64
	long   []byte
	array  *json.Decoder // set when the file is a JSON array
	arrN   int64
	names  indexNames
	winlog WinlogFunc
}

// countingReader adds what it reads to a progress counter.
type countingReader struct {
	r io.Reader
	n *atomic.Int64
}

func (c countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func openNDJSON(c *config, in Input, bytesRead *atomic.Int64) (reader, error) {
	var rc io.ReadCloser
	if in.Path == "-" {
		rc = io.NopCloser(c.opt.Stdin)
	} else {
		f, err := os.Open(in.Path)
		if err != nil {
			return nil, err
		}
		rc = f
	}
	br := bufio.NewReaderSize(countingReader{rc, bytesRead}, 256<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			rc.Close()
			return nil, fmt.Errorf("%s: %w", in.Path, err)
		}
		br = bufio.NewReaderSize(zr, 256<<10)
	}
	r := &ndjsonReader{c: c, path: in.Path, f: rc, br: br}
	// A file whose first character is '[' is a JSON array of documents.
	for {
		b, err := br.Peek(1)
		if err != nil || len(b) == 0 {
			break
		}
		if b[0] == ' ' || b[0] == '\t' || b[0] == '\r' || b[0] == '\n' {
			br.ReadByte()
			continue
		}
		if b[0] == '[' {
			r.array = json.NewDecoder(br)
			if _, err := r.array.Token(); err != nil {
				rc.Close()
				return nil, fmt.Errorf("%s: %w", in.Path, err)
			}
		}
		break
	}
	return r, nil
}

func (r *ndjsonReader) close() error { return r.f.Close() }

// next decodes the next document into ev.
func (r *ndjsonReader) next(ev *event.Event) error {
	if r.array != nil {
		return r.nextElement(ev)
	}
	for {
		line, err := r.readLine()
		if err != nil {
			return err
		}
		line = bytes.TrimSpace(line)
		if len(line) == 0 {
			continue
		}
		return r.c.decodeJSON(ev.Own(line), ev, r.path, r.line, "line", &r.names, &r.winlog)
	}
}

func (r *ndjsonReader) nextElement(ev *event.Event) error {
	if !r.array.More() {
		return io.EOF
	}
	r.arrN++
	var raw json.RawMessage
	if err := r.array.Decode(&raw); err != nil {
		// The array is broken: nothing after this point can be trusted.
		r.array = json.NewDecoder(bytes.NewReader(nil))
		return &RecordError{Path: r.path, Pos: r.arrN, Unit: "element", Err: fmt.Errorf("%w (rest of the file skipped)", err)}
	}
	return r.c.decodeJSON(ev.Own(raw), ev, r.path, r.arrN, "element", &r.names, &r.winlog)
}

// readLine returns the next line without its newline; a line longer than
// maxLine is reported and skipped.
func (r *ndjsonReader) readLine() ([]byte, error) {
	r.long = r.long[:0]
	tooLong := false
	for {
		chunk, err := r.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(r.long)+len(chunk) > maxLine {
					tooLong = true
					r.long = r.long[:0]
				} else {
					r.long = append(r.long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, &RecordError{Path: r.path, Pos: r.line + 1, Unit: "line", Err: err}
		}
		if err == io.EOF && len(chunk) == 0 && len(r.long) == 0 && !tooLong {
			return nil, io.EOF
		}
		r.line++
		if tooLong {
			return nil, &RecordError{Path: r.path, Pos: r.line, Unit: "line", Err: fmt.Errorf("line longer than %d MiB skipped", maxLine>>20)}
		}
		if len(r.long) > 0 {
			r.long = append(r.long, chunk...)
			return r.long, nil
		}
		return chunk, nil
	}
}

type docReader struct {
	c     *config
	path  string
	dr    DocReader
	names indexNames
}

func (r *docReader) close() error { return r.dr.Close() }

func (r *docReader) next(ev *event.Event) error {
	d := ev.NewDoc()
	index, pos, err := r.dr.Next(d)
	if err != nil {
		var re *RecordError
		if err != io.EOF && !errors.As(err, &re) {
			err = &RecordError{Path: r.path, Pos: pos, Unit: "record", Err: err}
		}
		ev.Doc = d
		return err
	}
	ev.OwnDoc(d)
	r.c.opt.Schema.LoadDoc(d, ev)
	ev.Source, ev.Pos, ev.Index = r.path, pos, index
	r.c.finish(ev, &r.names)
	return nil
}
