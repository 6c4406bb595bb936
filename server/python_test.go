package server

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/internal/testenv"
)

// TestPythonClient ships the example scenario with Debian's
// python3-elasticsearch (helpers.bulk), the client many tools use, and
// finds the alerts a hunt over the same events raises. .ci/run installs
// the package; without VIGIL_SHARED (a plain go test) its absence skips
// the test, with it (CI) it fails it.
func TestPythonClient(t *testing.T) {
	// Debian's interpreter, which sees Debian's packages (a pyenv or venv
	// python3 earlier on PATH would not).
	py := "/usr/bin/python3"
	if _, err := os.Stat(py); err != nil {
		py = "python3"
	}
	if err := exec.Command(py, "-c", "import elasticsearch").Run(); err != nil {
		if os.Getenv("VIGIL_SHARED") == "" {
			t.Skip("python3-elasticsearch not installed")
		}
		t.Fatalf("python3-elasticsearch not installed (.ci/run installs it): %v", err)
	}
	rules := builtinRules(t)
	ts := start(t, Config{}, rules)
	file := filepath.Join(testenv.Root(t), "examples", "lateral-movement.ndjson")
	out, err := exec.Command(py, filepath.Join("testdata", "ship.py"), ts.url, file).CombinedOutput()
	if err != nil {
		t.Fatalf("ship.py: %v\n%s", err, out)
	}
	docs := sample(t)
	fields := strings.Fields(string(out))
	if len(fields) < 1 || fields[0] != strconv.Itoa(len(docs)) {
		t.Fatalf("ship.py shipped %q, want %d documents", out, len(docs))
	}
	got, want := ts.alertIDs(t, ""), expected(t, rules, docs)
	if !slices.Equal(got, want) {
		t.Errorf("stored %d alerts, a hunt raises %d", len(got), len(want))
	}
	t.Logf("python client: %s", strings.TrimSpace(string(out)))
}
