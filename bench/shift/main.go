// Command shift copies NDJSON events from standard input to standard
// output with each document's @timestamp moved by -days: bench/hunt.sh
// makes copies of a corpus over disjoint time ranges with it.
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	days := flag.Int("days", 0, "days to add to every @timestamp")
	flag.Parse()
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriterSize(os.Stdout, 1<<20)
	key := []byte(`"@timestamp":"`)
	line := 0
	for in.Scan() {
		line++
		b := in.Bytes()
		if i := bytes.Index(b, key); i >= 0 {
			start := i + len(key)
			end := bytes.IndexByte(b[start:], '"')
			if end < 0 {
				fail(fmt.Errorf("line %d: unterminated @timestamp", line))
			}
			t, err := time.Parse(time.RFC3339Nano, string(b[start:start+end]))
			if err != nil {
				fail(fmt.Errorf("line %d: %v", line, err))
			}
			t = t.AddDate(0, 0, *days)
			out.Write(b[:start])
			out.WriteString(t.UTC().Format(time.RFC3339Nano))
			b = b[start+end:]
		}
		out.Write(b)
		out.WriteByte('\n')
	}
	if err := in.Err(); err != nil {
		fail(err)
	}
	if err := out.Flush(); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "shift:", err)
	os.Exit(1)
}
