package input

import (
	"bufio"
	"io"
	"math/bits"
)

// Read buffers (bufio.Reader) are kept when an input is closed, for the
// inputs opened after it: a hunt opens each file twice (Peek reads the
// start of every input, then the merge reads them), and a folder of
// thousands of small files opens one after another. Making a new
// 128 KiB buffer for each cost a 1-core hunt over the ECS dump 8 MB of
// its ~60 MB allocated during the hunt (GC cycles run by the bytes
// allocated). Buffers come in sizes that are powers of two (see
// readBufSize); each size keeps at most readerSpare spare ones, so what
// the spares pin stays bounded (at most 2*readerSpare*128 KiB).
const readerSpare = 16

// readerFree holds the spare buffers of each size class, from
// minReadBuf up to maxReadBuf.
var readerFree [readClasses]chan *bufio.Reader

const (
	minReadBuf  = 4 << 10
	maxReadBuf  = 128 << 10
	readClasses = 6 // 4, 8, 16, 32, 64 and 128 KiB
)

func init() {
	for i := range readerFree {
		readerFree[i] = make(chan *bufio.Reader, readerSpare)
	}
}

// readClass returns the class of a buffer of size bytes, or -1 when it
// is not one of the pooled sizes.
func readClass(size int) int {
	if size < minReadBuf || size > maxReadBuf || size&(size-1) != 0 {
		return -1
	}
	return bits.Len(uint(size)) - bits.Len(uint(minReadBuf))
}

// newReader returns a reader of r with a buffer of size bytes, a spare
// one when there is one of that size.
func newReader(r io.Reader, size int) *bufio.Reader {
	if k := readClass(size); k >= 0 {
		select {
		case br := <-readerFree[k]:
			br.Reset(r)
			return br
		default:
		}
	}
	return bufio.NewReaderSize(r, size)
}

// putReader keeps br's buffer for newReader. Nothing may use br, or hold
// bytes of its buffer, afterwards.
func putReader(br *bufio.Reader) {
	k := readClass(br.Size())
	if k < 0 {
		return
	}
	br.Reset(nil) // lets go of the input
	select {
	case readerFree[k] <- br:
	default:
	}
}
