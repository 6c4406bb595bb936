package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"
)

// Alert is one stored alert: the columns it is found by, its Kibana alert
// document as raised, and its workflow status.
type Alert struct {
	ID        string
	Time      time.Time // the first event's time (kibana.alert.original_time)
	Raised    time.Time // when the alert was raised (@timestamp)
	RuleID    string
	RuleName  string
	Severity  string
	RiskScore int
	Host      string
	User      string
	Reason    string
	Doc       []byte // the alert document (JSON object)

	Status       string // open, acknowledged or closed
	StatusReason string // why it was closed
	StatusBy     string // who set the status
	StatusAt     time.Time
}

// Workflow statuses, as Kibana's.
const (
	Open         = "open"
	Acknowledged = "acknowledged"
	Closed       = "closed"
)

// closingReasons are the reasons Kibana offers when an alert is closed.
var closingReasons = map[string]bool{
	"false_positive": true, "duplicate": true, "true_positive": true, "benign_positive": true, "other": true,
}

// severities rank severities for sorting and for "at least" filters.
var severities = map[string]int{"low": 1, "medium": 2, "high": 3, "critical": 4}

// ErrNotFound is returned for an alert id the store does not hold.
var ErrNotFound = errors.New("alert not found")

// Alerts is the alert store.
type Alerts struct {
	db *sql.DB
}

const schema = `
CREATE TABLE IF NOT EXISTS alerts (
	id            TEXT PRIMARY KEY,
	time          INTEGER NOT NULL,
	raised        INTEGER NOT NULL,
	rule_id       TEXT NOT NULL,
	rule_name     TEXT NOT NULL,
	severity      TEXT NOT NULL,
	severity_rank INTEGER NOT NULL,
	risk_score    INTEGER NOT NULL,
	host          TEXT NOT NULL,
	user          TEXT NOT NULL,
	reason        TEXT NOT NULL,
	status        TEXT NOT NULL,
	status_reason TEXT NOT NULL DEFAULT '',
	status_by     TEXT NOT NULL DEFAULT '',
	status_at     INTEGER NOT NULL DEFAULT 0,
	doc           BLOB NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS alerts_time     ON alerts(time DESC, id DESC);
DROP INDEX IF EXISTS alerts_rule;
DROP INDEX IF EXISTS alerts_host;
DROP INDEX IF EXISTS alerts_severity;
DROP INDEX IF EXISTS alerts_status;
CREATE INDEX IF NOT EXISTS alerts_by_rule     ON alerts(rule_id, time DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_host     ON alerts(host, time DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_severity ON alerts(severity, time DESC, id DESC);
CREATE INDEX IF NOT EXISTS alerts_by_status   ON alerts(status, time DESC, id DESC);
CREATE TABLE IF NOT EXISTS alert_history (
	id     TEXT NOT NULL,
	at     INTEGER NOT NULL,
	by     TEXT NOT NULL,
	status TEXT NOT NULL,
	reason TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS alert_history_id ON alert_history(id, at);
`

// OpenAlerts opens (creating it if needed) the alert store in a SQLite
// file.
func OpenAlerts(path string) (*Alerts, error) {
	// WAL journaling lets the API read while alerts are written; a busy
	// timeout rides out the checkpoints.
	dsn := "file:" + path + "?_pragma=journal_mode(WAL)&_pragma=busy_timeout(5000)&_pragma=synchronous(NORMAL)&_pragma=foreign_keys(1)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("store: %s: %w", path, err)
	}
	return &Alerts{db: db}, nil
}

// Close closes the store.
func (s *Alerts) Close() error { return s.db.Close() }

// Put stores alerts, ignoring those whose id is stored already, and
// returns how many were new. New alerts are open.
func (s *Alerts) Put(ctx context.Context, alerts []Alert) (int, error) {
	fresh, err := s.PutNew(ctx, alerts)
	return len(fresh), err
}

// PutNew stores alerts as Put does and returns the positions in alerts of
// those that were new (a replay's are not).
func (s *Alerts) PutNew(ctx context.Context, alerts []Alert) ([]int, error) {
	if len(alerts) == 0 {
		return nil, nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	st, err := tx.PrepareContext(ctx, `INSERT INTO alerts
		(id, time, raised, rule_id, rule_name, severity, severity_rank, risk_score, host, user, reason, status, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) ON CONFLICT(id) DO NOTHING`)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var fresh []int
	for i := range alerts {
		a := &alerts[i]
		if a.ID == "" {
			return nil, fmt.Errorf("store: alert %d has no id", i)
		}
		sev := strings.ToLower(a.Severity)
		res, err := st.ExecContext(ctx, a.ID, a.Time.UnixNano(), a.Raised.UnixNano(), a.RuleID, a.RuleName, sev,
			severities[sev], a.RiskScore, a.Host, a.User, a.Reason, a.Doc)
		if err != nil {
			return nil, fmt.Errorf("store: alert %s: %w", a.ID, err)
		}
		if k, _ := res.RowsAffected(); k > 0 {
			fresh = append(fresh, i)
		}
	}
	if err := tx.Commit(); err != nil {
		return nil, err
	}
	return fresh, nil
}

// Query selects alerts. Empty fields select everything.
type Query struct {
	Status   []string // any of
	Severity []string // any of
	RuleID   string
	Host     string
	User     string
	From, To time.Time // the first event's time, inclusive, exclusive
	Text     string    // in the reason, rule name, host, user or document
	Size     int       // page size: default 50, at most 1000
	After    string    // cursor: Page.Next of the previous page
}

// Page is one page of alerts, newest first.
type Page struct {
	Total  int // alerts the query selects, over all pages
	Alerts []Alert
	Next   string // cursor for the next page; "" on the last
}

// Find returns one page of the alerts a query selects.
func (s *Alerts) Find(ctx context.Context, q Query) (Page, error) {
	cond, args := q.where(false)
	var page Page
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM alerts"+cond, args...).Scan(&page.Total); err != nil {
		return Page{}, err
	}
	cond, args = q.where(true)
	size := q.Size
	if size <= 0 {
		size = 50
	}
	size = min(size, 1000)
	if q.After != "" {
		t, id, err := decodeCursor(q.After)
		if err != nil {
			return Page{}, err
		}
		if cond == "" {
			cond = " WHERE "
		} else {
			cond += " AND "
		}
		cond += "(time < ? OR (time = ? AND id < ?))"
		args = append(args, t, t, id)
	}
	args = append(args, size+1)
	rows, err := s.db.QueryContext(ctx, selectAlert+cond+" ORDER BY time DESC, id DESC LIMIT ?", args...)
	if err != nil {
		return Page{}, err
	}
	defer rows.Close()
	for rows.Next() {
		a, err := scanAlert(rows)
		if err != nil {
			return Page{}, err
		}
		page.Alerts = append(page.Alerts, a)
	}
	if err := rows.Err(); err != nil {
		return Page{}, err
	}
	if len(page.Alerts) > size {
		page.Alerts = page.Alerts[:size]
		last := page.Alerts[size-1]
		page.Next = encodeCursor(last.Time.UnixNano(), last.ID)
	}
	return page, nil
}

// where returns the SQL condition (" WHERE ...", or "") selecting what q
// selects, without its cursor, and the condition's arguments. SQLite has
// no statistics to choose an index by, so the condition steers it: a
// rule, host or user is selective and its index is used (a "+" before a
// column keeps SQLite off that column's index); for a page in time order
// (ordered), several statuses or severities are filtered along the time
// index rather than selected and sorted, while a count reads them from
// their index.
func (q *Query) where(ordered bool) (string, []any) {
	var where []string
	var args []any
	selective := q.RuleID != "" || q.Host != "" || q.User != ""
	in := func(col string, vals []string) {
		if len(vals) == 0 {
			return
		}
		c := col
		if selective || ordered && len(vals) > 1 {
			c = "+" + col
		}
		if len(vals) == 1 {
			where = append(where, c+" = ?")
		} else {
			where = append(where, c+" IN ("+strings.TrimSuffix(strings.Repeat("?,", len(vals)), ",")+")")
		}
		for _, v := range vals {
			args = append(args, strings.ToLower(v))
		}
	}
	eq := func(col, v string) {
		if v != "" {
			where = append(where, col+" = ?")
			args = append(args, v)
		}
	}
	in("status", q.Status)
	in("severity", q.Severity)
	eq("rule_id", q.RuleID)
	eq("host", q.Host)
	eq("user", q.User)
	if !q.From.IsZero() {
		where = append(where, "time >= ?")
		args = append(args, q.From.UnixNano())
	}
	if !q.To.IsZero() {
		where = append(where, "time < ?")
		args = append(args, q.To.UnixNano())
	}
	if q.Text != "" {
		pat := "%" + likeEscaper.Replace(q.Text) + "%"
		where = append(where, `(reason LIKE ? ESCAPE '\' OR rule_name LIKE ? ESCAPE '\' OR host LIKE ? ESCAPE '\' OR user LIKE ? ESCAPE '\' OR CAST(doc AS TEXT) LIKE ? ESCAPE '\')`)
		args = append(args, pat, pat, pat, pat, pat)
	}
	if len(where) == 0 {
		return "", args
	}
	return " WHERE " + strings.Join(where, " AND "), args
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

const selectAlert = `SELECT id, time, raised, rule_id, rule_name, severity, risk_score, host, user, reason,
	status, status_reason, status_by, status_at, doc FROM alerts`

func scanAlert(rows interface{ Scan(...any) error }) (Alert, error) {
	var a Alert
	var t, raised, at int64
	err := rows.Scan(&a.ID, &t, &raised, &a.RuleID, &a.RuleName, &a.Severity, &a.RiskScore, &a.Host, &a.User,
		&a.Reason, &a.Status, &a.StatusReason, &a.StatusBy, &at, &a.Doc)
	a.Time, a.Raised = time.Unix(0, t).UTC(), time.Unix(0, raised).UTC()
	if at != 0 {
		a.StatusAt = time.Unix(0, at).UTC()
	}
	return a, err
}

func encodeCursor(t int64, id string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatInt(t, 10) + ":" + id))
}

func decodeCursor(c string) (int64, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if ts, id, ok := strings.Cut(string(b), ":"); ok {
			if t, err := strconv.ParseInt(ts, 10, 64); err == nil {
				return t, id, nil
			}
		}
	}
	return 0, "", fmt.Errorf("store: bad cursor %q", c)
}

// LastAlerts returns, per rule id, when its newest stored alert was
// raised.
func (s *Alerts) LastAlerts(ctx context.Context) (map[string]time.Time, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT rule_id, MAX(raised) FROM alerts GROUP BY rule_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]time.Time{}
	for rows.Next() {
		var id string
		var t int64
		if err := rows.Scan(&id, &t); err != nil {
			return nil, err
		}
		out[id] = time.Unix(0, t).UTC()
	}
	return out, rows.Err()
}

// Get returns one alert.
func (s *Alerts) Get(ctx context.Context, id string) (Alert, error) {
	a, err := scanAlert(s.db.QueryRowContext(ctx, selectAlert+" WHERE id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Alert{}, ErrNotFound
	}
	return a, err
}

// Change is a workflow status change.
type Change struct {
	Status string // open, acknowledged or closed
	Reason string // with closed: false_positive, duplicate, true_positive, benign_positive or other
	By     string
	At     time.Time
}

// InvalidChange is a status change Kibana would refuse.
type InvalidChange struct{ Msg string }

func (e *InvalidChange) Error() string { return e.Msg }

// Validate checks a change as Kibana would accept it.
func (c Change) Validate() error {
	switch c.Status {
	case Open, Acknowledged:
		if c.Reason != "" {
			return &InvalidChange{fmt.Sprintf("a reason goes only with status %q", Closed)}
		}
	case Closed:
		if c.Reason != "" && !closingReasons[c.Reason] {
			return &InvalidChange{fmt.Sprintf("unknown closing reason %q (want false_positive, duplicate, true_positive, benign_positive or other)", c.Reason)}
		}
	default:
		return &InvalidChange{fmt.Sprintf("unknown status %q (want open, acknowledged or closed)", c.Status)}
	}
	return nil
}

// SetStatus changes an alert's workflow status and records who did it.
func (s *Alerts) SetStatus(ctx context.Context, id string, c Change) (Alert, error) {
	if err := c.Validate(); err != nil {
		return Alert{}, err
	}
	if c.At.IsZero() {
		c.At = time.Now()
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return Alert{}, err
	}
	defer tx.Rollback()
	res, err := tx.ExecContext(ctx, `UPDATE alerts SET status = ?, status_reason = ?, status_by = ?, status_at = ? WHERE id = ?`,
		c.Status, c.Reason, c.By, c.At.UnixNano(), id)
	if err != nil {
		return Alert{}, err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return Alert{}, ErrNotFound
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO alert_history (id, at, by, status, reason) VALUES (?, ?, ?, ?, ?)`,
		id, c.At.UnixNano(), c.By, c.Status, c.Reason); err != nil {
		return Alert{}, err
	}
	if err := tx.Commit(); err != nil {
		return Alert{}, err
	}
	return s.Get(ctx, id)
}

// History returns an alert's status changes, oldest first.
func (s *Alerts) History(ctx context.Context, id string) ([]Change, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT at, by, status, reason FROM alert_history WHERE id = ? ORDER BY at, rowid`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Change
	for rows.Next() {
		var c Change
		var at int64
		if err := rows.Scan(&at, &c.By, &c.Status, &c.Reason); err != nil {
			return nil, err
		}
		c.At = time.Unix(0, at).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// Retain deletes alerts raised before maxAge ago (0: no age limit) and
// the oldest beyond maxCount (0: no count limit); it returns how many went.
func (s *Alerts) Retain(ctx context.Context, now time.Time, maxAge time.Duration, maxCount int) (int64, error) {
	var n int64
	if maxAge > 0 {
		res, err := s.db.ExecContext(ctx, `DELETE FROM alerts WHERE raised < ?`, now.Add(-maxAge).UnixNano())
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if maxCount > 0 {
		res, err := s.db.ExecContext(ctx, `DELETE FROM alerts WHERE id IN
			(SELECT id FROM alerts ORDER BY time DESC, id DESC LIMIT -1 OFFSET ?)`, maxCount)
		if err != nil {
			return n, err
		}
		k, _ := res.RowsAffected()
		n += k
	}
	if n > 0 {
		if _, err := s.db.ExecContext(ctx, `DELETE FROM alert_history WHERE id NOT IN (SELECT id FROM alerts)`); err != nil {
			return n, err
		}
	}
	return n, nil
}

// Document returns the alert's document with its current workflow status
// (kibana.alert.workflow_status, _reason, _user, _updated_at), as Kibana
// serves an alert an analyst has worked.
func (a *Alert) Document() ([]byte, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(a.Doc, &doc); err != nil {
		return nil, fmt.Errorf("store: alert %s: %w", a.ID, err)
	}
	set := func(k, v string) {
		b, _ := json.Marshal(v)
		doc[k] = b
	}
	set("kibana.alert.workflow_status", a.Status)
	if a.StatusReason != "" {
		set("kibana.alert.workflow_reason", a.StatusReason)
	}
	if a.StatusBy != "" {
		set("kibana.alert.workflow_user", a.StatusBy)
	}
	if !a.StatusAt.IsZero() {
		set("kibana.alert.workflow_status_updated_at", a.StatusAt.Format("2006-01-02T15:04:05.000Z"))
	}
	return json.Marshal(doc)
}
