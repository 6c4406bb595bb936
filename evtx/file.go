package evtx

import (
	"encoding/binary"
	"errors"
	"io"
	"os"
	"runtime"
	"sync"
)

// File reads the records of one EVTX file in file order.
type File struct {
	r      io.ReaderAt
	size   int64
	name   string
	closer io.Closer
	hdr    Header

	workers int
	slots   int // number of 64 KiB chunk slots after the header

	// sequential reading (workers == 1)
	next int // next slot to decode
	seq  *chunkState

	// parallel reading
	started bool
	order   chan *job
	done    chan struct{}
	wg      sync.WaitGroup
	free    chan *chunkState

	cur    *chunkState
	pos    int // next record of cur
	tailed int // cur's errors delivered: 1 the chunk error, 2 the tail error too
	closed bool
}

type job struct {
	slot int
	res  chan *chunkState
}

// Open opens an EVTX file for streaming reading.
func Open(path string) (*File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	st, err := fh.Stat()
	if err != nil {
		fh.Close()
		return nil, err
	}
	f, err := NewFile(fh, st.Size(), path)
	if err != nil {
		fh.Close()
		return nil, err
	}
	f.closer = fh
	return f, nil
}

// NewFile reads an EVTX file of the given size from r. name is used in
// error messages. Close does not close r.
func NewFile(r io.ReaderAt, size int64, name string) (*File, error) {
	var b [128]byte
	if size < int64(len(b)) {
		return nil, errors.New(name + ": evtx: file too short for a file header")
	}
	if _, err := r.ReadAt(b[:], 0); err != nil {
		return nil, errors.New(name + ": evtx: reading file header: " + err.Error())
	}
	h, err := parseHeader(b[:])
	if err != nil {
		return nil, errors.New(name + ": " + err.Error())
	}
	f := &File{r: r, size: size, name: name, hdr: h, workers: runtime.GOMAXPROCS(0)}
	if size > fileHeaderSize {
		f.slots = int((size - fileHeaderSize + chunkSize - 1) / chunkSize)
	}
	return f, nil
}

// Header returns the file header as read.
func (f *File) Header() Header { return f.hdr }

// Name returns the name given to Open or NewFile.
func (f *File) Name() string { return f.name }

// SetWorkers sets the number of chunks decoded in parallel: 1 decodes
// sequentially in the caller's goroutine, n <= 0 restores the default,
// GOMAXPROCS. It must be called before the first call to Next.
func (f *File) SetWorkers(n int) {
	if n <= 0 {
		n = runtime.GOMAXPROCS(0)
	}
	if !f.started && f.seq == nil {
		f.workers = n
	}
}

// Next returns the next record in file order, or io.EOF after the last one.
// A *ChunkError or *RecordError is not fatal: report it and call Next again.
// With a *RecordError the record may be non-nil and hold what could be read.
// The record and its strings are valid until the next call to Next or Close.
func (f *File) Next() (*Record, error) {
	if f.closed {
		return nil, errors.New(f.name + ": evtx: file closed")
	}
	for {
		if cs := f.cur; cs != nil {
			if f.pos < len(cs.recs) {
				i := f.pos
				f.pos++
				return &cs.recs[i], cs.errs[i]
			}
			if cs.err != nil && f.tailed == 0 {
				f.tailed = 1
				return nil, cs.err
			}
			if cs.tailErr != nil && f.tailed < 2 {
				f.tailed = 2
				return nil, cs.tailErr
			}
		}
		cs, err := f.fetch()
		if err != nil {
			return nil, err
		}
		f.cur, f.pos, f.tailed = cs, 0, 0
	}
}

// fetch returns the next decoded chunk, releasing the current one.
func (f *File) fetch() (*chunkState, error) {
	if f.workers <= 1 {
		if f.seq == nil {
			f.seq = getChunkState()
		}
		for f.next < f.slots {
			slot := f.next
			f.next++
			if f.load(f.seq, slot) {
				return f.seq, nil
			}
		}
		f.cur = nil
		return nil, io.EOF
	}
	if !f.started {
		f.start()
	}
	if f.cur != nil {
		f.release(f.cur)
		f.cur = nil
	}
	for {
		j, ok := <-f.order
		if !ok {
			return nil, io.EOF
		}
		cs := <-j.res
		if cs != nil {
			return cs, nil
		}
	}
}

// load reads and decodes chunk slot into cs. It reports false for a slot
// that holds no chunk (no magic), which is skipped silently.
func (f *File) load(cs *chunkState, slot int) bool {
	cs.reset()
	cs.index = slot
	cs.offset = fileHeaderSize + int64(slot)*chunkSize
	cs.file = f.name
	n := int64(chunkSize)
	if rest := f.size - cs.offset; rest < n {
		n = rest
	}
	buf := cs.buf[:chunkSize]
	// Read the header first: empty slots and the unused tail of a chunk
	// (past its free space offset) are not read at all.
	h := min(n, chunkHeaderSize)
	got, err := f.r.ReadAt(buf[:h], cs.offset)
	if got < 8 || string(buf[:8]) != string(chunkMagic) {
		return false
	}
	if int64(got) == h {
		want := n
		if got == chunkHeaderSize {
			if free := int64(binary.LittleEndian.Uint32(buf[48:])); free >= chunkHeaderSize && free < n {
				want = free
			}
		}
		if want > h {
			var m int
			m, err = f.r.ReadAt(buf[h:want], cs.offset+h)
			got += m
		}
	}
	cs.buf = buf[:got]
	if err != nil && err != io.EOF {
		cs.err = &ChunkError{File: f.name, Chunk: slot, Offset: cs.offset, Msg: "read: " + err.Error()}
		return true
	}
	cs.decodeChunk()
	return true
}

func (f *File) start() {
	f.started = true
	n := f.workers
	f.order = make(chan *job, 2*n)
	f.done = make(chan struct{})
	f.free = make(chan *chunkState, 3*n+2)
	jobs := make(chan *job, n)
	f.wg.Add(1)
	go func() { // dispatcher: hands out slots in order
		defer f.wg.Done()
		defer close(jobs)
		defer close(f.order)
		for slot := 0; slot < f.slots; slot++ {
			j := &job{slot: slot, res: make(chan *chunkState, 1)}
			select {
			case f.order <- j:
			case <-f.done:
				return
			}
			select {
			case jobs <- j:
			case <-f.done:
				return
			}
		}
	}()
	for i := 0; i < n; i++ {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			for j := range jobs {
				select {
				case <-f.done:
					j.res <- nil
					continue
				default:
				}
				cs := f.get()
				if !f.load(cs, j.slot) {
					f.release(cs)
					cs = nil
				}
				j.res <- cs
			}
		}()
	}
}

func (f *File) get() *chunkState {
	select {
	case cs := <-f.free:
		return cs
	default:
		return getChunkState()
	}
}

func (f *File) release(cs *chunkState) {
	select {
	case f.free <- cs:
	default:
		putChunkState(cs)
	}
}

// statePool keeps chunk states across Files, so reading many small files
// does not allocate a 64 KiB buffer and arenas per file.
var statePool sync.Pool

func getChunkState() *chunkState {
	if cs, ok := statePool.Get().(*chunkState); ok {
		return cs
	}
	return newChunkState()
}

func putChunkState(cs *chunkState) {
	cs.reset()
	if cap(cs.arena) > 1<<20 || cap(cs.nodes) > 1<<16 {
		return // grown by an unusual chunk: let it go
	}
	statePool.Put(cs)
}

// Close stops the decoders and closes the file if it was opened by Open.
// Records returned before are no longer valid.
func (f *File) Close() error {
	if f.closed {
		return nil
	}
	f.closed = true
	if f.started {
		close(f.done)
		f.wg.Wait()
		if f.cur != nil {
			putChunkState(f.cur)
		}
		for len(f.free) > 0 {
			putChunkState(<-f.free)
		}
	}
	if f.seq != nil {
		putChunkState(f.seq)
	}
	f.cur, f.seq = nil, nil
	if f.closer != nil {
		return f.closer.Close()
	}
	return nil
}
