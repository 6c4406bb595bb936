package store

import (
	"fmt"
	"runtime"
	"sync"

	"github.com/klauspost/compress/s2"
	"github.com/klauspost/compress/zstd"
)

// Compression says how a WAL compresses the records it appends. Records
// are compressed one by one, each on its own, by the goroutine that
// appends it (never under the log's lock), so that request handlers
// compress in parallel and any record can be read without the ones before
// it. A record that does not shrink is stored as it is.
type Compression uint8

// Compression settings. The default is S2: raw winlog _bulk records
// shrink about 21× for a few per cent of a document's CPU; Zstd shrinks
// them about 35× for several times S2's CPU (see docs/design.md).
const (
	CompressDefault Compression = iota // S2
	CompressNone
	CompressS2
	CompressZstd
)

// ParseCompression reads a compression name: none, s2 or zstd.
func ParseCompression(s string) (Compression, error) {
	switch s {
	case "none":
		return CompressNone, nil
	case "s2", "":
		return CompressS2, nil
	case "zstd":
		return CompressZstd, nil
	}
	return 0, fmt.Errorf("log compression %q (want none, s2 or zstd)", s)
}

func (c Compression) String() string {
	switch c {
	case CompressNone:
		return "none"
	case CompressZstd:
		return "zstd"
	}
	return "s2"
}

// codec is how one record's body is stored, as written in its header.
type codec uint8

const (
	codecRaw codec = iota
	codecS2
	codecZstd
)

func (c codec) String() string {
	switch c {
	case codecRaw:
		return "raw"
	case codecS2:
		return "s2"
	case codecZstd:
		return "zstd"
	}
	return fmt.Sprintf("codec %d", uint8(c))
}

// bodies pools the buffers records are compressed into.
var bodies sync.Pool

// maxPooledBody is the largest buffer put back into bodies: a rare huge
// record does not stay in the pool.
const maxPooledBody = 8 << 20

// compress returns the body to store for payload and its codec. When the
// body is not payload itself, buf holds it and must be given back with
// releaseBody once written.
func (c Compression) compress(payload []byte) (body []byte, cd codec, buf *[]byte) {
	if c == CompressNone || len(payload) < 64 {
		return payload, codecRaw, nil
	}
	buf, _ = bodies.Get().(*[]byte)
	if buf == nil {
		buf = new([]byte)
	}
	switch c {
	case CompressZstd:
		body = zstdEncoder().EncodeAll(payload, (*buf)[:0])
		cd = codecZstd
	default:
		n := s2.MaxEncodedLen(len(payload))
		if cap(*buf) < n {
			*buf = make([]byte, n)
		}
		body = s2.Encode((*buf)[:n], payload)
		cd = codecS2
	}
	*buf = body[:0]
	if len(body) >= len(payload) {
		releaseBody(buf)
		return payload, codecRaw, nil
	}
	return body, cd, buf
}

func releaseBody(buf *[]byte) {
	if buf != nil && cap(*buf) <= maxPooledBody {
		bodies.Put(buf)
	}
}

// The zstd encoder is shared by every log: EncodeAll is safe for as many
// concurrent callers as its concurrency (more wait), and it keeps one
// state per concurrent call. Frames carry no checksum of their own: the
// record's CRC covers the stored bytes.
var zstdEnc = sync.OnceValue(func() *zstd.Encoder {
	e, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithEncoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithEncoderCRC(false),
		zstd.WithWindowSize(1<<20))
	if err != nil {
		panic(err) // only for invalid options
	}
	return e
})

func zstdEncoder() *zstd.Encoder { return zstdEnc() }

var zstdDec = sync.OnceValue(func() *zstd.Decoder {
	d, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(runtime.GOMAXPROCS(0)),
		zstd.WithDecoderMaxMemory(maxRecord),
		zstd.IgnoreChecksum(true))
	if err != nil {
		panic(err) // only for invalid options
	}
	return d
})

// decompress returns the payload of a record's body stored with cd,
// which must be size bytes long: body itself when it is stored raw, else
// dst (grown as needed) holding it.
func decompress(dst, body []byte, cd codec, size int) (payload, buf []byte, err error) {
	switch cd {
	case codecRaw:
		if len(body) != size {
			return nil, dst, fmt.Errorf("raw body of %d bytes, header says %d", len(body), size)
		}
		return body, dst, nil
	case codecS2:
		n, err := s2.DecodedLen(body)
		if err == nil && n != size {
			return nil, dst, fmt.Errorf("s2 body of %d bytes, header says %d", n, size)
		}
		if err == nil {
			if cap(dst) < size {
				dst = make([]byte, size)
			}
			payload, err = s2.Decode(dst[:size], body)
		}
		if err != nil {
			return nil, dst, fmt.Errorf("s2: %w", err)
		}
		return payload, dst, nil
	case codecZstd:
		if cap(dst) < size {
			dst = make([]byte, 0, size)
		}
		payload, err = zstdDec().DecodeAll(body, dst[:0])
		if err != nil {
			return nil, dst, fmt.Errorf("zstd: %w", err)
		}
		if len(payload) != size {
			return nil, dst, fmt.Errorf("zstd body of %d bytes, header says %d", len(payload), size)
		}
		return payload, payload, nil
	}
	return nil, dst, fmt.Errorf("unknown %v", cd)
}
