package esql

// DocColumn is the hidden column of an open source that holds the source
// document, for KQL() filters.
const DocColumn = "$doc"

// kql compiles KQL("query"): a filter on the source document (the
// DocColumn), evaluated by the host's KQL compiler (Options.KQL).
func (c *compiler) kql(x *Call, args []*cexpr) *cexpr {
	if len(args) != 1 || !args[0].isLit {
		c.errorf(x, "KQL takes one string literal")
	}
	q, _ := args[0].lit.(string)
	i := -1
	for j, col := range c.cols {
		if col.Name == DocColumn {
			i = j
		}
	}
	if i < 0 {
		c.errorf(x, "KQL() can only filter the documents of the source")
	}
	m, err := c.opts.KQL(q)
	if err != nil {
		c.errorf(x, "Invalid KQL query [%s]: %v", q, err)
	}
	return &cexpr{t: TBool, src: x, eval: func(row []any, w *Warnings) any {
		if row[i] == nil {
			return nil
		}
		return m(row[i])
	}}
}
