package evtx

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/vigilsec/vigil/internal/cputime"
	"github.com/vigilsec/vigil/internal/testenv"
)

// benchFiles are real files of the shared corpus: Security 4688/5447 with
// large records, Sysmon, and a file without templates (token 0x05).
var benchFiles = []struct{ name, path string }{
	{"security", "EVTX-to-MITRE-Attack/TA0005-Defense Evasion/T1562.004-Impair Defenses-Disable or Modify System Firewall/ID4688-5447-4950-Firewall disabled (command).evtx"},
	{"sysmon", "EVTX-ATTACK-SAMPLES/AutomatedTestingTools/PanacheSysmon_vs_AtomicRedTeam01.evtx"},
	{"notemplate", "EVTX-to-MITRE-Attack/Antivirus/ID1151-Defender health status.evtx"},
}

// BenchmarkReadFile reads every record of a file (all System fields,
// EventData and UserData rendered) and reports records/s.
func BenchmarkReadFile(b *testing.B) {
	root := testenv.Path(b, "data", "evtx")
	for _, bf := range benchFiles {
		path := filepath.Join(root, bf.path)
		st, err := os.Stat(path)
		if err != nil {
			b.Fatal(err)
		}
		for _, w := range []struct {
			name string
			n    int
		}{{"workers=1", 1}, {"workers=default", 0}} {
			b.Run(bf.name+"/"+w.name, func(b *testing.B) {
				b.SetBytes(st.Size())
				b.ReportAllocs()
				records := 0
				cpu0 := cputime.Process()
				for b.Loop() {
					records += readFile(b, path, w.n)
				}
				b.ReportMetric(float64(records)/b.Elapsed().Seconds(), "records/s")
				// CPU time of the process: on a shared machine the wall
				// clock figure understates what one core does.
				b.ReportMetric(float64(records)/(cputime.Process()-cpu0).Seconds(), "records/cpu-s")
				b.ReportMetric(float64(records)/float64(b.N), "records/op")
			})
		}
	}
}

func readFile(b *testing.B, path string, workers int) int {
	f, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	if workers > 0 {
		f.SetWorkers(workers)
	}
	n := 0
	for {
		r, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		if r.System.Channel != "" {
			n++
		}
	}
	f.Close()
	return n
}
