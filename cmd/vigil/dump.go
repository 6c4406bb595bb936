package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/vigilsec/vigil/event"
	"github.com/vigilsec/vigil/input"
)

const dumpUsage = `
usage: vigil dump [--format ndjson] [--cpuprofile file] [--memprofile file] PATH...

Prints one ECS document per Windows event record, as Elastic Agent and
Elastic's ingest pipelines would index it: EVTX files are read natively,
and raw winlog JSON (one record per line or a JSON array, optionally gzip)
is the form Winlogbeat and Elastic Agent ship. Formats are recognised by
content; folders are read recursively. Lines and array elements are capped
at 64 MiB. A record
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
	stop, err := startCPUProfile("dump", *cpuprofile)
	if err != nil {
		return err
	}
	defer stop()
	out := bufio.NewWriterSize(stdout, 1<<16)
	raw := true
	bad := 0
	warn := func(err error) {
		bad++
		fmt.Fprintln(stderr, "vigil dump:", err)
	}
	// Every JSON record is a raw Windows record to map; the schema needs no
	// fields, as the documents are printed whole (built whole at once).
	op := input.NewOpener(input.Options{RawWinlog: &raw, WholeDocs: true, Stdin: stdin, Warn: warn})
	files, errs := input.Expand(fs.Args())
	for _, err := range errs {
		warn(err)
	}
	var ev event.Event
	var buf []byte
	for _, f := range files {
		if err := ctx.Err(); err != nil {
			out.Flush()
			return &exitError{code: 130, err: errors.New("dump: interrupted")}
		}
		r, err := op.OpenContext(ctx, f.Path)
		if err != nil {
			warn(err)
			continue
		}
		for ctx.Err() == nil {
			ev.Recycle()
			err := r.Next(&ev)
			if err == io.EOF {
				break
			}
			if err != nil {
				warn(err)
				continue
			}
			buf = append(ev.AppendJSON(buf[:0]), '\n')
			if _, err := out.Write(buf); err != nil {
				r.Close()
				return err
			}
		}
		r.Close()
	}
	if err := out.Flush(); err != nil {
		return err
	}
	if *memprofile != "" {
		if err := writeAllocProfile(*memprofile); err != nil {
			return err
		}
	}
	if ctx.Err() != nil {
		return &exitError{code: 130, err: errors.New("dump: interrupted")}
	}
	if bad > 0 {
		return &exitError{code: 1, err: fmt.Errorf("dump: %d records or files could not be read", bad)}
	}
	return nil
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
