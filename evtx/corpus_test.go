package evtx

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// fileSummary is what the corpus test compares with the reference.
type fileSummary struct {
	records   int
	hist      map[string]int // "Channel/EventID" -> count
	errs      []string
	missing   int    // records without Channel or EventID element content
	headerSum uint64 // records counted by the chunk headers (last - first + 1)
}

func (s *fileSummary) histString() string {
	keys := make([]string, 0, len(s.hist))
	for k := range s.hist {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(';')
		}
		fmt.Fprintf(&b, "%s=%d", k, s.hist[k])
	}
	return b.String()
}

func summarize(path string, workers int) (*fileSummary, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	f.SetWorkers(workers)
	s := &fileSummary{hist: map[string]int{}}
	for {
		r, err := f.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			s.errs = append(s.errs, err.Error())
		}
		if r == nil {
			continue
		}
		s.records++
		s.hist[r.System.Channel+"/"+strconv.Itoa(int(r.System.EventID))]++
		if r.System.Channel == "" || r.System.EventID == 0 {
			s.missing++
		}
	}
	s.headerSum, err = chunkHeaderRecords(path)
	return s, err
}

// chunkHeaderRecords adds up the record counts the chunk headers claim.
func chunkHeaderRecords(path string) (uint64, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	var n uint64
	for off := fileHeaderSize; off+chunkHeaderSize <= len(b); off += chunkSize {
		h, msg := parseChunkHeader(b[off:min(off+chunkSize, len(b))])
		if msg == "" {
			n += h.lastNum - h.firstNum + 1
		}
	}
	return n, nil
}

type refEntry struct {
	records int
	hist    string
}

func readTSV(tb testing.TB, name string) [][]string {
	tb.Helper()
	fh, err := os.Open(filepath.Join("testdata", name))
	if err != nil {
		tb.Fatal(err)
	}
	defer fh.Close()
	var rows [][]string
	sc := bufio.NewScanner(fh)
	sc.Buffer(make([]byte, 1<<20), 1<<24)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		rows = append(rows, strings.Split(line, "\t"))
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return rows
}

// TestCorpus reads every EVTX file under $VIGIL_SHARED/data/evtx and
// compares record counts and (Channel, EventID) histograms with the
// reference produced by testdata/gen-reference.sh. Files the reference
// cannot read, and every disagreement, are listed with the reason in
// testdata/reference-exceptions.tsv.
func TestCorpus(t *testing.T) {
	root := testenv.Path(t, "data", "evtx")
	ref := map[string]refEntry{}
	for _, row := range readTSV(t, "reference-counts.tsv") {
		if len(row) < 3 {
			t.Fatalf("reference-counts.tsv: bad row %q", row)
		}
		n, err := strconv.Atoi(row[1])
		if err != nil {
			t.Fatalf("reference-counts.tsv: %v", err)
		}
		ref[row[0]] = refEntry{records: n, hist: row[2]}
	}
	exceptions := map[string][]string{} // path -> kind, reason
	for _, row := range readTSV(t, "reference-exceptions.tsv") {
		if len(row) < 3 {
			t.Fatalf("reference-exceptions.tsv: bad row %q", row)
		}
		exceptions[row[0]] = row[1:]
	}

	var files []string
	err := filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.EqualFold(filepath.Ext(p), ".evtx") {
			rel, _ := filepath.Rel(root, p)
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(ref) {
		t.Errorf("%d .evtx files under %s, %d in reference-counts.tsv", len(files), root, len(ref))
	}
	seen := map[string]bool{}
	total, token05 := 0, 0
	for _, rel := range files {
		seen[rel] = true
		want, ok := ref[rel]
		if !ok {
			t.Errorf("%s: not in reference-counts.tsv (regenerate with testdata/gen-reference.sh)", rel)
			continue
		}
		workers := 1
		if len(seen)%2 == 0 {
			workers = 2 // exercise both paths
		}
		got, err := summarize(filepath.Join(root, rel), workers)
		if err != nil {
			t.Errorf("%s: %v", rel, err)
			continue
		}
		total += got.records
		for _, e := range got.errs {
			t.Errorf("%s: %s", rel, e)
		}
		ex := exceptions[rel]
		kind := ""
		if ex != nil {
			kind = ex[0]
		}
		switch kind {
		case "", "token-0x05":
			if got.records != want.records || got.histString() != want.hist {
				t.Errorf("%s: got %d records %s\nreference %d records %s", rel, got.records, got.histString(), want.records, want.hist)
			}
		case "reference-fails":
		default:
			t.Errorf("%s: unknown exception kind %q", rel, kind)
		}
		if kind == "reference-fails" || kind == "token-0x05" {
			// Every record the chunk headers count must come out as an
			// event with a Channel and an EventID.
			token05++
			if uint64(got.records) != got.headerSum || got.records == 0 {
				t.Errorf("%s: got %d records, chunk headers count %d", rel, got.records, got.headerSum)
			}
			allowed := 0
			if d := ex[1]; strings.HasPrefix(d, "no-channel=") {
				allowed, _ = strconv.Atoi(strings.TrimPrefix(d, "no-channel="))
			}
			if got.missing != allowed {
				t.Errorf("%s: %d records without Channel or EventID, exceptions allow %d", rel, got.missing, allowed)
			}
		}
	}
	if token05 != 14 {
		t.Errorf("%d files listed as reference-fails or token-0x05, want the 14 token-0x05 files", token05)
	}
	for rel := range ref {
		if !seen[rel] {
			t.Errorf("%s: listed in reference-counts.tsv but missing under %s", rel, root)
		}
	}
	for rel := range exceptions {
		if !seen[rel] {
			t.Errorf("%s: listed in reference-exceptions.tsv but missing under %s", rel, root)
		}
	}
	t.Logf("%d files, %d records", len(files), total)
}
