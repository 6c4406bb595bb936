package exception

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/vigilsec/vigil/rule"
)

// Files lists the exception list files that paths name: named files as
// they are, and in folders every *.ndjson and *.json file (Kibana exports)
// and every detection-rules exceptions TOML file. (Exceptions TOML files
// among rules are found by rule.Load, which reads those files anyway.)
func Files(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			out = append(out, p)
			continue
		}
		err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch strings.ToLower(filepath.Ext(path)) {
			case ".ndjson", ".json":
				out = append(out, path)
			case ".toml":
				data, err := os.ReadFile(path)
				if err != nil {
					return err
				}
				if rule.IsExceptionsFile(data) {
					out = append(out, path)
				}
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
