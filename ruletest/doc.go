// Package ruletest owns rule tests as code: the test file format (a
// NAME.test.toml beside the rule file NAME.toml, holding [[test]] cases of
// inline events or event files and the alerts they must or must not
// raise), finding test files and their rules, running each case through
// the engine with only the rule under test, and the report of what
// differed. vigil rules test is its command line.
package ruletest
