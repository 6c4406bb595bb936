package testenv

import (
	"bufio"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// WinlogFiles lists the raw winlog NDJSON files of the shared data
// (data/winlog), in walk order.
func WinlogFiles(tb testing.TB) []string {
	tb.Helper()
	root := Path(tb, "data", "winlog")
	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".ndjson.gz") {
			files = append(files, p)
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if len(files) == 0 {
		tb.Fatalf("no .ndjson.gz files under %s", root)
	}
	return files
}

// EachLine calls fn with every line of a gzip NDJSON file and its
// number; line is valid only during the call.
func EachLine(tb testing.TB, path string, fn func(line []byte, n int)) {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	r := bufio.NewReaderSize(gz, 1<<20)
	n := 0
	for {
		line, err := r.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			buf := append([]byte(nil), line...)
			for err == bufio.ErrBufferFull {
				line, err = r.ReadSlice('\n')
				buf = append(buf, line...)
			}
			line = buf
		}
		if len(line) > 0 {
			n++
			fn(trimNL(line), n)
		}
		if err == io.EOF {
			return
		}
		if err != nil {
			tb.Fatalf("%s: %v", path, err)
		}
	}
}

func trimNL(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// WinlogSample returns about n lines of the shared winlog corpus, copied:
// the first n/k lines of each of its k files, so that every dataset (and
// so every channel mix) is in the sample.
func WinlogSample(tb testing.TB, n int) [][]byte {
	tb.Helper()
	files := WinlogFiles(tb)
	per := (n + len(files) - 1) / len(files)
	var lines [][]byte
	for _, f := range files {
		EachLine(tb, f, func(line []byte, ln int) {
			if ln <= per {
				lines = append(lines, append([]byte(nil), line...))
			}
		})
	}
	return lines
}
