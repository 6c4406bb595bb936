package eql_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/pelletier/go-toml/v2"
	"github.com/vigilsec/vigil/eql"
	"github.com/vigilsec/vigil/internal/testenv"
	"github.com/vigilsec/vigil/match"
)

// TestDetectionRulesCorpus parses and compiles every EQL query of Elastic's
// prebuilt detection rules against the ECS and non-ECS field types. Every
// rule must parse; fields outside the embedded schemas are allowed (the
// rules also use integration fields), other check errors fail.
func TestDetectionRulesCorpus(t *testing.T) {
	root := testenv.Path(t, "corpus", "detection-rules")
	var n, failed int
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var rule struct {
			Rule struct {
				Language string `toml:"language"`
				Query    string `toml:"query"`
			} `toml:"rule"`
		}
		if err := toml.Unmarshal(data, &rule); err != nil || rule.Rule.Language != "eql" {
			return nil
		}
		n++
		q, err := eql.Parse(rule.Rule.Query)
		if err == nil {
			err = eql.Check(q, eql.Options{Schema: match.ECSAndNonECS(), AllowUnknownFields: true})
		}
		if err == nil {
			// printing is stable: what String prints parses and prints
			// the same
			printed := q.String()
			q2, err2 := eql.Parse(printed)
			if err2 != nil {
				err = err2
			} else if q2.String() != printed {
				t.Errorf("%s: String is not stable:\n%s\n%s", path, printed, q2.String())
			}
		}
		if err != nil {
			failed++
			rel, _ := filepath.Rel(root, path)
			t.Errorf("%s: %v", rel, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d EQL rules, %d failed", n, failed)
	if n < 1000 {
		t.Errorf("found only %d EQL rules", n)
	}
}
