package evtx

import (
	"fmt"
	"io"
	"os"
	"testing"
)

// TestDump prints the records of the file named by EVTX_DUMP as XML, for
// debugging: EVTX_DUMP=path go test -run TestDump ./evtx
func TestDump(t *testing.T) {
	path := os.Getenv("EVTX_DUMP")
	if path == "" {
		t.Skip("EVTX_DUMP not set")
	}
	f, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fmt.Printf("header: %+v\n", f.Header())
	var buf []byte
	for {
		r, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			fmt.Println("ERROR:", err)
		}
		if r == nil {
			continue
		}
		buf = r.AppendXML(buf[:0])
		fmt.Printf("record %d chunk %d written %s\n%s\n", r.ID, r.Chunk, r.Written, buf)
		fmt.Printf("system: %+v\n", r.System)
		for _, d := range r.EventData {
			fmt.Printf("  data %q = %q %q\n", d.Name, d.Value, d.Values)
		}
		if r.UserDataName != "" {
			fmt.Printf("  userdata %s\n", r.UserDataName)
		}
		for _, d := range r.UserData {
			fmt.Printf("  user %q = %q %q\n", d.Name, d.Value, d.Values)
		}
	}
}
