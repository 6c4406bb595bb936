// Package attack owns the MITRE ATT&CK view of a rule set: which tactics
// and techniques the loaded rules (or the alerts of a hunt) cover, printed
// as a tactic x technique matrix or written as an ATT&CK Navigator layer
// (layer format 4.5).
package attack
