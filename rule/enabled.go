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
	return hasHeader(data, "[[exceptions]]") && !hasHeader(data, "[rule]")
}

// hasHeader reports whether a line of data starts with header. It looks
// for the header itself, whose bracket is rare in a rule file, rather than
// for a newline before it, which every line has: this runs over every file
// of a corpus, most of which have no such line.
func hasHeader(data []byte, header string) bool {
	for off := 0; ; {
		i := bytes.Index(data[off:], []byte(header))
		if i < 0 {
			return false
		}
		i += off
		if i == 0 || data[i-1] == '\n' {
			return true
		}
		off = i + 1
	}
}
