// Package builtin holds the rule pack embedded in the vigil binary: the
// team's own detections for service execution (MITRE ATT&CK T1569.002) and
// its neighbourhood — Windows service creation and modification
// (T1543.003), SMB admin shares (T1021.002) and lateral tool transfer
// (T1570) — written in Elastic's detection-rules TOML format, each with its
// tests (NAME.test.toml beside NAME.toml, run by vigil rules test). vigil
// hunt uses the rules when no --rules are given.
package builtin
