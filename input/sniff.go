package input

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/bits"

	"github.com/klauspost/compress/gzip"
)

// A format is one kind of input, recognised by its first bytes.
type format struct {
	name string
	// is reports whether head (up to 8 bytes; fewer at the end of a
	// short input) starts an input of this format.
	is func(head []byte) bool
	// open returns a reader of the stream br (whose head has only been
	// peeked). src is the stream's random access and size when it is a
	// file, else nil; closer closes the underlying input.
	open func(o *Opener, name string, br *bufio.Reader, src *randomAccess, closer io.Closer) (Reader, error)
}

// randomAccess is a file's random access, for formats that need it.
type randomAccess struct {
	r    io.ReaderAt
	size int64
}

// formats are tried in order; JSON comes last as the most lenient. (It is
// set in init because gzip's reader recognises what it holds through it.)
var formats []format

func init() {
	formats = []format{
		{name: "evtx", is: isEVTX, open: openEVTX},
		{name: "gzip", is: isGzip, open: openGzip},
		{name: "json", is: isJSON, open: openJSON},
	}
}

func isEVTX(h []byte) bool { return bytes.HasPrefix(h, []byte("ElfFile\x00")) }
func isGzip(h []byte) bool { return len(h) >= 2 && h[0] == 0x1f && h[1] == 0x8b }

// isJSON accepts an object or an array (after an optional byte-order mark
// and white space) and an empty or all-blank input.
func isJSON(h []byte) bool {
	h = bytes.TrimPrefix(h, utf8BOM)
	h = bytes.TrimLeft(h, " \t\r\n")
	return len(h) == 0 || h[0] == '{' || h[0] == '['
}

func openEVTX(o *Opener, name string, br *bufio.Reader, src *randomAccess, closer io.Closer) (Reader, error) {
	if src == nil {
		// A stream: EVTX needs random access, so it is held in memory.
		data, err := io.ReadAll(io.LimitReader(br, o.opt.MaxStreamEVTX+1))
		if err != nil {
			return nil, err
		}
		if int64(len(data)) > o.opt.MaxStreamEVTX {
			return nil, fmt.Errorf("EVTX stream larger than %d MiB", o.opt.MaxStreamEVTX>>20)
		}
		return o.newEVTXReader(name, bytes.NewReader(data), int64(len(data)), 0, closer)
	}
	// The bytes peeked so far have been counted already.
	return o.newEVTXReader(name, src.r, src.size, src.size-int64(br.Buffered()), closer)
}

func openGzip(o *Opener, name string, br *bufio.Reader, src *randomAccess, closer io.Closer) (Reader, error) {
	// klauspost's inflater takes about 0.8x the CPU of compress/gzip over
	// the winlog corpus, with the same format, checks and error texts.
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, err
	}
	// What is inside is recognised again (JSON, or EVTX held in memory).
	// Compressed logs are some ten times smaller.
	size := int64(-1)
	if src != nil {
		size = 10 * src.size
	}
	return o.sniff(name, newReader(gzipErrors{zr}, readBufSize(size)), nil, closer, 1)
}

// readBufSize is the size of the read buffer for an input of size bytes
// (-1: unknown): 128 KiB, or less for a smaller file, so that a folder of
// thousands of small files does not allocate a large buffer for each.
// Lines longer than the buffer are still read whole. A larger input's
// lines are read straight into chunks (chunkLines), past the buffer,
// which holds little more than what sniffing read: every input open at
// once (a hunt's merge opens them all) fills one when sniffed, and its
// bytes are copied again into the input's first chunk. 256 KiB cost a
// 1-core hunt over the ECS dump's 34 files ~2,000 more page faults
// (medians of 5: 24,600 to 22,600) and 5-7 MiB more peak RSS (raw
// corpus: 146 MiB to 139, 32,400 faults to 30,800).
//
// A buffer of up to half the largest is rounded up to a power of two, a
// size whose buffers are kept for reuse (newReader); a larger one stays
// the file's size and below smallInput, as a file that size is read
// without chunks.
func readBufSize(size int64) int {
	const most, least = maxReadBuf, minReadBuf // see chunkSize and smallInput
	switch {
	case size < 0 || size >= most:
		return most
	case size < most/2:
		return max(least, 1<<bits.Len(uint(size)))
	}
	return int(size) + 1
}

// gzipErrors says that a read error comes from damaged gzip data.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("damaged gzip data: %w", err)
	}
	return n, err
}

func openJSON(o *Opener, name string, br *bufio.Reader, _ *randomAccess, closer io.Closer) (Reader, error) {
	return o.newJSONReader(name, br, closer)
}

// sniff picks the format of br by its first bytes.
func (o *Opener) sniff(name string, br *bufio.Reader, src *randomAccess, closer io.Closer, depth int) (Reader, error) {
	head, err := br.Peek(8)
	if err != nil && err != io.EOF {
		return nil, err
	}
	for _, f := range formats {
		if !f.is(head) || depth > 0 && f.name == "gzip" {
			continue
		}
		return f.open(o, name, br, src, closer)
	}
	return nil, fmt.Errorf("not EVTX, gzip or JSON (starts with %q)", head)
}

// NewReader reads a stream whose format is recognised by content, such as
// an HTTP request body or a Kafka record; name identifies it in messages.
// Close does not close r.
func (o *Opener) NewReader(name string, r io.Reader) (Reader, error) {
	br := newReader(countingReader{r, &o.counters.Bytes}, readBufSize(-1))
	rd, err := o.sniff(name, br, nil, nil, 0)
	if err != nil {
		return nil, wrapOpen(name, err)
	}
	return rd, nil
}

// Open opens a file ("-" is Options.Stdin) and recognises its format by
// content.
func (o *Opener) Open(path string) (Reader, error) {
	return o.OpenContext(context.Background(), path)
}

// OpenContext is Open for an input whose reading must end when ctx is
// done even if it blocks, as standard input or a named pipe can: Next then
// returns an error.
func (o *Opener) OpenContext(ctx context.Context, path string) (Reader, error) {
	if path == "-" {
		if o.opt.Stdin == nil {
			return nil, &RecordError{Path: path, Err: errors.New("no standard input")}
		}
		return o.NewReader(path, newCtxReader(ctx, o.opt.Stdin))
	}
	f, err := openFile(path)
	if err != nil {
		return nil, err
	}
	var src *randomAccess
	var r io.Reader = f
	if st, err := f.Stat(); err == nil && st.Mode().IsRegular() {
		src = &randomAccess{r: f, size: st.Size()}
	} else if ctx.Done() != nil {
		// A pipe or device may block: closing it ends a read.
		stop := context.AfterFunc(ctx, func() { f.Close() })
		r = f
		defer func() {
			if err != nil {
				stop()
			}
		}()
	}
	size := int64(-1)
	if src != nil {
		size = src.size
		// An EVTX file is read at offsets: it needs no read buffer,
		// nor the buffer's worth of bytes read to sniff it (most of the
		// EVTX corpus's files are 68 KiB, a buffer not kept for reuse).
		var head [8]byte
		if n, _ := f.ReadAt(head[:], 0); isEVTX(head[:n]) {
			o.counters.Bytes.Add(int64(n))
			rd, err := o.newEVTXReader(path, f, src.size, src.size-int64(n), f)
			if err != nil {
				f.Close()
				return nil, wrapOpen(path, err)
			}
			return rd, nil
		}
	}
	br := newReader(countingReader{r, &o.counters.Bytes}, readBufSize(size))
	rd, err := o.sniff(path, br, src, f, 0)
	if err != nil {
		f.Close()
		return nil, wrapOpen(path, err)
	}
	return rd, nil
}

// ctxReader reads from r on its own goroutine so that a Read can end when
// ctx is done even if r blocks (standard input). The goroutine is left
// blocked in r; it ends with the process or when r yields.
type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	req  chan []byte
	resp chan ctxRead
	buf  []byte // the goroutine's buffer, when no read was abandoned
}

type ctxRead struct {
	n   int
	err error
}

func newCtxReader(ctx context.Context, r io.Reader) io.Reader {
	if ctx.Done() == nil {
		return r
	}
	c := &ctxReader{ctx: ctx, r: r, req: make(chan []byte), resp: make(chan ctxRead, 1)}
	go func() {
		for p := range c.req {
			n, err := c.r.Read(p)
			c.resp <- ctxRead{n, err}
		}
	}()
	return c
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	// The goroutine reads into its own buffer, as p may be reused
	// after an abandoned Read.
	if len(c.buf) < len(p) {
		c.buf = make([]byte, len(p))
	}
	buf := c.buf[:len(p)]
	select {
	case c.req <- buf:
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
	select {
	case res := <-c.resp:
		return copy(p, buf[:res.n]), res.err
	case <-c.ctx.Done():
		c.buf = nil // the goroutine may still write to it
		return 0, c.ctx.Err()
	}
}

// FormatOf returns the name of the format of a file as its first bytes
// say ("evtx", "gzip", "json"), or "" when it cannot be read or is none.
func FormatOf(path string) string {
	f, err := openFile(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 8)
	n, _ := io.ReadFull(f, head)
	for _, fm := range formats {
		if fm.is(head[:n]) {
			return fm.name
		}
	}
	return ""
}

func wrapOpen(name string, err error) error {
	if _, ok := err.(*RecordError); ok {
		return err
	}
	return &RecordError{Path: name, Err: err}
}
