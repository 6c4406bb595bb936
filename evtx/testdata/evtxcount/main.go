// Command evtxcount reads EVTX files with vigil's evtx package and prints
// the number of records, for timing against evtxexport
// (see ../compare-evtxexport.sh). With -xml it also renders every record
// as XML to stdout, which is the work evtxexport -f xml does.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"

	"github.com/vigilsec/vigil/evtx"
)

func main() {
	xml := flag.Bool("xml", false, "render every record as XML to stdout")
	workers := flag.Int("workers", 0, "parallel chunk decoders (0: GOMAXPROCS)")
	repeat := flag.Int("repeat", 1, "read the files this many times")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		pf, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	out := bufio.NewWriterSize(os.Stdout, 1<<16)
	defer out.Flush()
	var buf []byte
	total, errs := 0, 0
	var paths []string
	for i := 0; i < *repeat; i++ {
		paths = append(paths, flag.Args()...)
	}
	for _, path := range paths {
		f, err := evtx.Open(path)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			errs++
			continue
		}
		if *workers > 0 {
			f.SetWorkers(*workers)
		}
		for {
			r, err := f.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				errs++
			}
			if r == nil {
				continue
			}
			total++
			if *xml {
				buf = r.AppendXML(buf[:0])
				buf = append(buf, '\n')
				out.Write(buf)
			}
		}
		f.Close()
	}
	fmt.Fprintf(os.Stderr, "%d records, %d errors\n", total, errs)
}
