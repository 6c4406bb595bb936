// Package srcpos owns the one shape of a positioned error in vigil: Pos (a
// file, a 1-based line and byte column), Error{Pos, Msg} with the source
// line for a caret snippet, and ErrorList. Every parser (EQL, KQL, the
// rule TOML loader) reports through it, and the rule loader maps a
// query's errors into the rule file with Error.At, so that every error in
// a rule file prints alike:
//
//	rules/windows/x.toml:14:31: eql: unknown function "startswth" (did you mean "startsWith"?)
//	   | process where startswth(process.name, "sc")
//	   |               ^
package srcpos
