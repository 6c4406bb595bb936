package rule

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
