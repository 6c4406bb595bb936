package store

import (
	"time"

	"github.com/vigilsec/vigil/alert"
)

// FromAlert makes the stored form of an alert an engine raised.
func FromAlert(a *alert.Alert, f *alert.Fields) Alert {
	return Alert{
		ID:        a.ID,
		Time:      timeOf(a),
		Raised:    a.Time,
		RuleID:    a.Rule.ID,
		RuleName:  a.RuleName,
		Severity:  a.Severity,
		RiskScore: a.RiskScore,
		Host:      a.Host,
		User:      a.User,
		Reason:    a.Reason,
		Doc:       a.AppendJSON(f, nil),
		Status:    Open,
	}
}

// timeOf is the alert's first event time, or when it was raised.
func timeOf(a *alert.Alert) time.Time {
	if a.OriginalTime != 0 {
		return time.Unix(0, a.OriginalTime).UTC()
	}
	return a.Time
}
