package store

import (
	"context"
	"fmt"
)

// Group is one value of a grouping column and how many alerts have it.
type Group struct {
	Key   string // the rule id or host name
	Name  string // the rule's name when grouped by rule; the key otherwise
	Count int
}

// groupColumns are the columns alerts may be grouped by, as the API names
// them.
var groupColumns = map[string]string{"rule": "rule_id", "host": "host", "user": "user", "severity": "severity", "status": "status"}

// Groups counts the alerts a query selects (its cursor and size aside) by
// rule, host, user, severity or status, the largest group first; at most
// limit groups (0: all).
func (s *Alerts) Groups(ctx context.Context, q Query, by string, limit int) ([]Group, error) {
	col, ok := groupColumns[by]
	if !ok {
		return nil, fmt.Errorf("store: cannot group by %q (want rule, host, user, severity or status)", by)
	}
	cond, args := q.where(false)
	name := col
	if by == "rule" {
		name = "MAX(rule_name)"
	}
	sql := "SELECT " + col + ", " + name + ", COUNT(*) AS n FROM alerts" + cond + " GROUP BY " + col + " ORDER BY n DESC, " + col
	if limit > 0 {
		sql += " LIMIT ?"
		args = append(args, limit)
	}
	rows, err := s.db.QueryContext(ctx, sql, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Group
	for rows.Next() {
		var g Group
		if err := rows.Scan(&g.Key, &g.Name, &g.Count); err != nil {
			return nil, err
		}
		out = append(out, g)
	}
	return out, rows.Err()
}
