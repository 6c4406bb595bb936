package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/evtx"
	"github.com/vigilsec/vigil/winlog"
)

const dumpUsage = `
usage: vigil dump [--format ndjson] [--cpuprofile file] [--memprofile file] PATH...

Prints one ECS document per Windows event record, as Elastic Agent and
Elastic's ingest pipelines would index it: .evtx files are read natively,
and raw winlog NDJSON (.json, .jsonl, .ndjson, optionally .gz) is the form
Winlogbeat and Elastic Agent ship. Folders are read recursively. A record
that cannot be read is reported on stderr with its file and record or line
number, and the rest goes on.
`

type dumpCmd struct{}

func (*dumpCmd) Name() string { return "dump" }
func (*dumpCmd) Synopsis() string {
	return "print Windows event records (EVTX, winlog NDJSON) as ECS documents"
}

func (c *dumpCmd) Run(ctx context.Context, args []string) error {
	fs := newFlagSet("dump", dumpUsage)
	format := fs.String("format", "ndjson", "output format (ndjson)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile to `file` (for performance work)")
	memprofile := fs.String("memprofile", "", "write an allocation profile to `file` at the end (for performance work)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *format != "ndjson" {
		return usageError("dump: unknown format %q (want ndjson)", *format)
	}
	if fs.NArg() == 0 {
		return usageError("dump: no PATH given (run 'vigil dump -h')")
	}
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			return usageError("dump: %v", err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return usageError("dump: %v", err)
		}
		defer pprof.StopCPUProfile()
	}
	d := &dumper{
		ctx:  ctx,
		out:  bufio.NewWriterSize(stdout, 1<<16),
		norm: winlog.NewNormalizer(),
	}
	for _, root := range fs.Args() {
		if err := d.walk(root); err != nil {
			d.out.Flush()
			return err
		}
	}
	if err := d.out.Flush(); err != nil {
		return err
	}
	if *memprofile != "" {
		if err := writeAllocProfile(*memprofile); err != nil {
			return err
		}
	}
	if d.bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("dump: %d records or files could not be read", d.bad)}
	}
	return nil
}

type dumper struct {
	ctx  context.Context
	out  *bufio.Writer
	norm *winlog.Normalizer
	rec  winlog.Record
	doc  event.Doc
	buf  []byte
	bad  int
}

func (d *dumper) warn(format string, args ...any) {
	d.bad++
	fmt.Fprintf(stderr, format+"\n", args...)
}

func (d *dumper) walk(root string) error {
	return filepath.WalkDir(root, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			d.warn("%s: %v", path, err)
			return nil
		}
		if cerr := d.ctx.Err(); cerr != nil {
			return cerr
		}
		if e.IsDir() {
			return nil
		}
		kind := dumpKind(path)
		if kind == "" {
			if path == root {
				d.warn("%s: not an .evtx, .json, .jsonl or .ndjson file", path)
			}
			return nil
		}
		if kind == "evtx" {
			return d.evtxFile(path)
		}
		return d.jsonFile(path)
	})
}

// dumpKind tells how to read a file from its name: "evtx", "json" or "".
func dumpKind(path string) string {
	name := strings.ToLower(filepath.Base(path))
	name = strings.TrimSuffix(name, ".gz")
	switch filepath.Ext(name) {
	case ".evtx":
		if !strings.HasSuffix(strings.ToLower(path), ".gz") {
			return "evtx"
		}
	case ".json", ".jsonl", ".ndjson":
		return "json"
	}
	return ""
}

// emit normalises d.rec and writes it; pos is the line number of a JSON
// record or the record id of an EVTX record.
func (d *dumper) emit(source string, pos uint64, isRecord bool) error {
	if _, err := d.norm.Normalize(&d.rec, &d.doc); err != nil {
		if isRecord {
			d.warn("%s: record %d: %v", source, pos, err)
		} else {
			d.warn("%s:%d: %v", source, pos, err)
		}
		return nil
	}
	d.buf = d.doc.AppendJSON(d.buf[:0])
	d.buf = append(d.buf, '\n')
	_, err := d.out.Write(d.buf)
	return err
}

func (d *dumper) evtxFile(path string) error {
	f, err := evtx.Open(path)
	if err != nil {
		d.warn("%s: %v", path, err)
		return nil
	}
	defer f.Close()
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		r, err := f.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			var re *evtx.RecordError
			var ce *evtx.ChunkError
			switch {
			case errors.As(err, &re):
				d.warn("%s: record %d: %v", path, re.RecordID, err)
				continue
			case errors.As(err, &ce):
				d.warn("%v", err)
				continue
			}
			d.warn("%s: %v", path, err)
			return nil
		}
		winlog.FromEVTX(r, &d.rec)
		if err := d.emit(path, r.ID, true); err != nil {
			return err
		}
	}
}

func (d *dumper) jsonFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		d.warn("%s: %v", path, err)
		return nil
	}
	defer f.Close()
	var r io.Reader = f
	if strings.HasSuffix(strings.ToLower(path), ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			d.warn("%s: %v", path, err)
			return nil
		}
		defer gz.Close()
		r = gz
	}
	br := bufio.NewReaderSize(r, 1<<20)
	var long []byte
	for n := 1; ; n++ {
		if n%1024 == 0 {
			if err := d.ctx.Err(); err != nil {
				return err
			}
		}
		line, err := br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			long = append(long[:0], line...)
			for err == bufio.ErrBufferFull {
				line, err = br.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if t := bytes.TrimSpace(line); len(t) > 0 {
			if derr := winlog.DecodeJSON(t, &d.rec); derr != nil {
				d.warn("%s:%d: %v", path, n, derr)
			} else if werr := d.emit(path, uint64(n), false); werr != nil {
				return werr
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			d.warn("%s:%d: %v", path, n, err)
			return nil
		}
	}
}

// writeAllocProfile writes the allocations made so far (pprof's allocs
// profile) for performance work.
func writeAllocProfile(path string) error {
	pf, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(pf, 0); err != nil {
		pf.Close()
		return err
	}
	return pf.Close()
}
