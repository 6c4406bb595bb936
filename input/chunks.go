package input

import (
	"bufio"
	"bytes"
	"io"

	"github.com/vigilsec/vigil/event"
)

// chunks is the pool the line readers of every input read into. The
// records of a chunk are lent to their events (Event.Borrow) while the
// chunks not yet given back hold at most chunkLimit bytes; beyond that
// (events held long, many inputs at once) records are copied as before,
// so that what chunks pin stays bounded. It keeps up to chunkSpare
// spare chunks.
var chunks = event.NewChunkPool(chunkSize, chunkSpare, chunkLimit)

// A chunk is four times the largest read buffer (readBufSize):
// bufio.Reader reads straight into the caller's slice only when it is at
// least as large as its buffer, and copies through the buffer otherwise.
//
// chunkSpare is how many chunks given back the pool keeps for the next
// ones. A 1-core hunt over the ECS dump has about 16 MiB of chunks out
// (the merge's pool and reorder window hold their events), and as many
// come back at once when a batch of events is recycled: with 8 spares
// most of those were dropped and made again (119 chunks made, 60 MiB of
// fresh memory zeroed and faulted in), with 32 the pool made 31 of them
// in all, and peak RSS fell (145 and 139 MiB to 129 and 113 MiB).
const (
	chunkSize  = 512 << 10
	chunkLimit = 64 << 20
	chunkSpare = 32
)

// chunkLines yields the lines of a stream, as lineSplitter does, read
// straight into chunks (see chunks) whose lines the reader's events may
// borrow instead of copying: a line is valid until the next call, and
// for as long as an event that borrowed it holds it.
type chunkLines struct {
	br    *bufio.Reader
	max   int
	line  int64 // number of the line last returned
	size  int   // the size of the chunks to read into (less for a small file)
	least int   // the least room a read is given: br's buffer size
	spare int   // the bytes at the end of a chunk kept for strings (see room)

	c        *event.Chunk // the chunk being read; the reader's reference
	buf      []byte       // c's bytes
	pos, end int          // buf[pos:end] is read and not yet returned
	str      int          // buf[str:] is free for strings; see room
	eof      bool
	err      error // a read error, returned once the lines before it are
	skip     bool  // the line being read is too long: it is dropped

	plain *lineSplitter // a small input's lines, read without chunks
}

func newChunkLines(br *bufio.Reader, max int) *chunkLines {
	if br.Size() < smallInput {
		return &chunkLines{plain: &lineSplitter{br: br, max: max}}
	}
	return chunked(br, max)
}

// chunked returns a chunkLines that reads into the pool's chunks whatever
// br's size.
func chunked(br *bufio.Reader, max int) *chunkLines {
	size := chunks.Size()
	return &chunkLines{br: br, max: max, size: size, least: br.Size(), spare: size / 5}
}

// smallInput is the read buffer size (readBufSize) below which an input
// is read with a lineSplitter, its lines copied: a small file is all in
// br's buffer once sniffed, and a chunk of its own for each of thousands
// of small files cost more to allocate than copying saves (10,000 files
// of 48 KB: 1.4x the CPU and 30 MiB more peak RSS). It is the largest
// read buffer: a file at least that large is read into the pool's chunks.
const smallInput = chunkSize / 4

// next returns the next line, with its newline. A read error of the
// stream is returned as it is, and the caller ends the input.
func (s *chunkLines) next() ([]byte, error) {
	if s.plain != nil {
		line, err := s.plain.next()
		s.line = s.plain.line
		return line, err
	}
	for {
		if i := bytes.IndexByte(s.buf[s.pos:s.end], '\n'); i >= 0 {
			line := s.buf[s.pos : s.pos+i+1]
			s.pos += i + 1
			return s.give(line)
		}
		if s.err != nil {
			return nil, s.err
		}
		if s.eof {
			if s.pos == s.end && !s.skip {
				return nil, io.EOF
			}
			line := s.buf[s.pos:s.end]
			s.pos = s.end
			return s.give(line)
		}
		if s.end-s.pos > s.max {
			// Too long already: drop what was read of it.
			s.skip, s.pos = true, s.end
		}
		s.fill()
	}
}

// give returns a whole line, or errTooLong for one that was too long.
func (s *chunkLines) give(line []byte) ([]byte, error) {
	s.line++
	if s.skip || len(line) > s.max {
		s.skip = false
		return nil, errTooLong{s.max}
	}
	return line, nil
}

// fill reads more of the stream after buf[pos:end], up to the spare
// bytes at the end of the chunk. When the current chunk has less room
// than br's buffer, that start of a line is moved to a new chunk (a lent
// chunk's bytes are never written again, only its free end), so that br
// reads straight into the chunk.
func (s *chunkLines) fill() {
	if s.c == nil || len(s.buf)-s.spare-s.end < s.least {
		part := s.buf[s.pos:s.end]
		size := max(s.size, len(part)+s.least+s.spare)
		if 2*len(part) > s.size {
			// A long line: room for it twice over, up to the cap.
			size = max(size, min(2*len(part), s.max+1)+s.spare)
		}
		c := chunks.Get(size)
		buf := c.Bytes()
		n := copy(buf, part)
		s.release()
		s.c, s.buf, s.pos, s.end, s.str = c, buf, 0, n, len(buf)-s.spare
	}
	n, err := s.br.Read(s.buf[s.end : len(s.buf)-s.spare])
	s.end += n
	switch {
	case err == io.EOF:
		s.eof = true
	case err != nil:
		s.err = err
	}
}

// room returns the free bytes for strings of the current chunk: an
// event that borrowed a line of it decodes its strings there (see
// Event.UseRoom), next to the bytes just read; kept then tells how many
// it keeps (Event.TakeRoom).
func (s *chunkLines) room() []byte {
	if s.c == nil {
		return nil
	}
	return s.buf[s.str:s.str:len(s.buf)]
}

// kept moves the strings' start past n bytes (-1: all of them).
func (s *chunkLines) kept(n int) {
	if n < 0 || s.str+n > len(s.buf) {
		s.str = len(s.buf)
		return
	}
	s.str += n
}

// chunkOf returns the chunk rec lies in, if it is the current one.
func (s *chunkLines) chunkOf(rec []byte) *event.Chunk {
	if s == nil || s.c == nil || len(rec) == 0 {
		return nil
	}
	// A slice of buf ends where buf does: its capacity says where it
	// would start in buf.
	full := s.buf[:cap(s.buf)]
	k := len(full) - cap(rec)
	if k < 0 || k+len(rec) > s.end || &full[k] != &rec[0] {
		return nil
	}
	return s.c
}

// release lets go of the reader's reference to its chunk.
func (s *chunkLines) release() {
	if s != nil && s.c != nil {
		s.c.Release()
		s.c, s.buf, s.pos, s.end, s.str = nil, nil, 0, 0, 0
	}
}
