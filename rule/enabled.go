package rule

import "bytes"

// IsEnabled reports whether the rule runs by default: Kibana does not run
// a rule written with enabled = false (such as Elastic's guided onboarding
// sample, "My First Rule"). A rule that does not say is enabled.
func (r *Rule) IsEnabled() bool { return r.Enabled == nil || *r.Enabled }

// SplitEnabled separates the rules that run by default from those written
// with enabled = false, keeping their order. With includeDisabled every
// rule runs and disabled lists those that would not have.
func SplitEnabled(rules []*Rule, includeDisabled bool) (run, disabled []*Rule) {
	for _, r := range rules {
		if !r.IsEnabled() {
			disabled = append(disabled, r)
			if !includeDisabled {
				continue
			}
		}
		run = append(run, r)
	}
	return run, disabled
}

// IsExceptionsFile reports whether a TOML file is a detection-rules
// exceptions file ([metadata] and [[exceptions]], no [rule] table) rather
// than a rule: such files may sit among rules, and LoadPaths skips them.
func IsExceptionsFile(data []byte) bool {
	has := func(header string) bool {
		return bytes.HasPrefix(data, []byte(header)) || bytes.Contains(data, []byte("\n"+header))
	}
	return has("[[exceptions]]") && !has("[rule]")
}
