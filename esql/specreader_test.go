package esql

import (
	"os"
	"strings"
)

// specCase is one csv-spec test.
type specCase struct {
	file, name  string
	line        int
	caps        []string
	query       string
	warnings    []string
	warnRegex   []string
	ignoreOrder bool
	header      []specCol
	rows        [][]string
	hasHeader   bool
	ignoredByES bool
}

type specCol struct{ name, typ string }

// readSpec reads a csv-spec file as Elasticsearch's CsvSpecReader does
// (see the suite's README).
func readSpec(path string) ([]*specCase, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []*specCase
	var cur *specCase
	state := 0 // 0 name, 1 directives/query, 2 after query, 3 rows
	var q []string
	for i, raw := range strings.Split(string(b), "\n") {
		line := strings.TrimSpace(raw)
		if line == "" || strings.HasPrefix(line, "//") || strings.HasPrefix(line, "#") {
			continue
		}
		switch state {
		case 0:
			name, marker, _ := strings.Cut(line, "#")
			cur = &specCase{file: path, name: strings.TrimSpace(name), line: i + 1}
			// -Ignore, or #[skip:-9.99.99,...]: skipped by every release
			cur.ignoredByES = strings.HasSuffix(cur.name, "-Ignore") || strings.HasPrefix(marker, "[skip:-9.99.99")
			out = append(out, cur)
			q = nil
			state = 1
		case 1:
			if len(q) == 0 {
				k, v, ok := strings.Cut(line, ":")
				kl := strings.ToLower(strings.TrimSpace(k))
				if ok && (kl == "required_capability" || kl == "required_feature") {
					cur.caps = append(cur.caps, strings.TrimSpace(v))
					continue
				}
				if ok && (kl == "skip_flattened_rewrite" || kl == "request_stored" || kl == "skip_columnar") {
					continue
				}
			}
			if strings.HasSuffix(line, ";") && !strings.HasSuffix(line, `\;`) {
				q = append(q, strings.TrimSuffix(line, ";"))
				cur.query = strings.Join(q, "\n")
				state = 2
				continue
			}
			if strings.HasSuffix(line, `\;`) {
				line = strings.TrimSuffix(line, `\;`) + ";"
			}
			q = append(q, line)
		case 2:
			switch {
			case strings.HasPrefix(line, "warning:"):
				w := strings.TrimPrefix(line, "warning:")
				if j := strings.Index(w, "#[Emulated:"); j >= 0 {
					w = w[:j]
				}
				cur.warnings = append(cur.warnings, w)
				continue
			case strings.HasPrefix(line, "warningRegex:"):
				cur.warnRegex = append(cur.warnRegex, strings.TrimPrefix(line, "warningRegex:"))
				continue
			case strings.HasPrefix(line, "ignoreOrder:"):
				cur.ignoreOrder = strings.TrimSpace(strings.TrimPrefix(line, "ignoreOrder:")) == "true"
				continue
			case strings.HasPrefix(line, ";"):
				state = 0
				continue
			}
			cur.hasHeader = true
			for _, c := range splitCells(line) {
				n, t, _ := strings.Cut(c, ":")
				n = strings.TrimSpace(n)
				if len(n) >= 2 && n[0] == '"' && n[len(n)-1] == '"' {
					n = n[1 : len(n)-1]
				}
				cur.header = append(cur.header, specCol{n, strings.ToLower(strings.TrimSpace(t))})
			}
			state = 3
		case 3:
			if strings.HasPrefix(line, ";") {
				state = 0
				continue
			}
			cur.rows = append(cur.rows, splitCells(line))
		}
	}
	return out, nil
}

// splitCells splits a row on | outside double quotes; cells are
// trimmed and unquoted.
func splitCells(line string) []string {
	var out []string
	var b strings.Builder
	inQ := false
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == '"':
			inQ = !inQ
			b.WriteByte(c)
		case c == '|' && !inQ:
			out = append(out, unquoteCell(b.String()))
			b.Reset()
		default:
			b.WriteByte(c)
		}
	}
	return append(out, unquoteCell(b.String()))
}

func unquoteCell(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		return strings.ReplaceAll(s[1:len(s)-1], `""`, `"`)
	}
	return s
}
