// Package builtin holds the rule pack embedded in the vigil binary: the
// team's own detections for remote service creation and service execution
// (MITRE ATT&CK T1021, T1543.003, T1569.002), written in Elastic's
// detection-rules TOML format. vigil hunt uses them when no --rules are
// given.
package builtin

import (
	"embed"
	"io/fs"
)

//go:embed rules/*.toml
var files embed.FS

// Rules returns the embedded rule files, rooted at their folder.
func Rules() fs.FS {
	sub, err := fs.Sub(files, "rules")
	if err != nil {
		panic(err) // the folder is part of the binary
	}
	return sub
}
