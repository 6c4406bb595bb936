package winlog

import (
	"strings"

	"github.com/vigilsec/vigil/event"
)

// powershellOperational maps Microsoft-Windows-PowerShell/Operational
// records as Elastic's windows.powershell_operational pipeline does.
func (n *Normalizer) powershellOperational() {
	d := n.d
	if n.code == 4103 {
		n.kvLines(eContextInfo, "\n", " \n\t")
	}
	n.removeKeySpaces()
	n.powershellCommon()
	n.powershellHost(4105, 4106, eHostID)
	if id := n.r.User.Identifier; id != "" {
		d.Set("user.id", event.Str(id))
	}
	if u, ok := n.get(eUser); ok {
		n.splitUser(u, "user.domain", "user.name")
	}
	n.rel(relUser, n.str("user.name"))
	if u, ok := n.get(eConnectedUser); ok {
		n.splitUser(u, "source.user.domain", "source.user.name")
		n.rel(relUser, n.str("source.user.name"))
	}
	if n.has("source.user.name") || n.has("source.user.domain") {
		if v, ok := d.Get("user.domain"); ok {
			d.Set("destination.user.domain", v)
			d.Delete("user.domain")
		}
		if v, ok := d.Get("user.name"); ok {
			d.Set("destination.user.name", v)
			d.Delete("user.name")
		}
		n.set("user.domain", n.str("source.user.domain"))
		n.set("user.name", n.str("source.user.name"))
	}
	n.convertLong(eMessageNumber, "powershell.sequence")
	n.convertLong(eMessageTotal, "powershell.total")
	n.rename(eShellID, "powershell.id")
	n.rename(eEngineVersion, "powershell.engine.version")
	n.rename(ePipelineID, "powershell.pipeline_id")
	n.rename(eRunspaceID, "powershell.runspace_id")
	n.rename(eRunspaceId, "powershell.runspace_id")
	n.rename(eHostVersion, "powershell.process.executable_version")
	n.rename(eCommandLine, "powershell.command.value")
	n.rename(eCommandPath, "powershell.command.path")
	n.rename(eCommandName, "powershell.command.name")
	n.rename(eCommandType, "powershell.command.type")
	n.rename(eScriptBlockId, "powershell.file.script_block_id")
	if it := n.item(eScriptBlockText); it != nil && it.value != "" {
		d.Set("powershell.file.script_block_text", event.Str(strings.TrimSpace(it.value)))
		it.gone = true
		n.scriptSignature()
	}
	if n.code == 4103 {
		if v, ok := n.get(ePayload); ok {
			n.invocationDetails(v, false)
		}
	}
	if cmd := n.str("process.command_line"); cmd != "" {
		n.setArgs("process.args", "process.args_count", cmd)
	}
	if it := n.item(ePath); it != nil && it.value != "" {
		n.setItem("ScriptName", it.value)
		it.gone = true
	}
	n.scriptFile()
	for _, e := range [...]int{eSequenceNumber, eUser, eConnectedUser, eContextInfo, eSeverity, eMessageTotal, eMessageNumber, ePayload} {
		n.drop(e)
	}
	n.dropEmpty()
}

// powershellHost sets event.type (start and end for the codes of a
// session's start and end, else info) and the process fields of the host
// application; the host's id is in event data field hostID.
func (n *Normalizer) powershellHost(start, end uint32, hostID int) {
	typ := "info"
	switch n.code {
	case start:
		typ = "start"
	case end:
		typ = "end"
	}
	n.d.Set("event.type", n.strArray(typ))
	n.rename(hostID, "process.entity_id")
	n.rename(eHostApplication, "process.command_line")
	n.rename(eHostName, "process.title")
}

// kvLines reads "key = value" items from event data field e, one per
// piece split at sep, trimmed of the characters of trim.
func (n *Normalizer) kvLines(e int, sep, trim string) {
	if v, ok := n.get(e); ok {
		for line := range strings.SplitSeq(v, sep) {
			n.kvItem(line, trim)
		}
	}
}

// powershellClassic maps "Windows PowerShell" records as Elastic's
// windows.powershell pipeline does.
func (n *Normalizer) powershellClassic() {
	if n.code == 800 {
		n.kvLines(eParam2, "\n\t", "\n\t")
	} else if v, ok := n.get(eParam3); ok {
		n.tabKeyValues(v)
	}
	n.powershellCommon()
	n.powershellHost(400, 403, eHostId)
	if u, ok := n.get(eUserId); ok {
		n.splitUser(u, "user.domain", "user.name")
	}
	n.rel(relUser, n.str("user.name"))
	n.rename(eNewEngineState, "powershell.engine.new_state")
	n.rename(ePreviousEngineState, "powershell.engine.previous_state")
	n.rename(eNewProviderState, "powershell.provider.new_state")
	n.rename(eProviderName, "powershell.provider.name")
	n.convertLong(eDetailTotal, "powershell.total")
	n.convertLong(eDetailSequence, "powershell.sequence")
	n.rename(eEngineVersion, "powershell.engine.version")
	n.rename(ePipelineId, "powershell.pipeline_id")
	n.rename(eRunspaceId, "powershell.runspace_id")
	n.rename(eHostVersion, "powershell.process.executable_version")
	n.rename(eCommandLine, "powershell.command.value")
	n.rename(eCommandPath, "powershell.command.path")
	n.rename(eCommandName, "powershell.command.name")
	n.rename(eCommandType, "powershell.command.type")
	if n.code == 800 {
		if v, ok := n.get(eParam3); ok {
			n.invocationDetails(v, true)
		}
	}
	if cmd := n.str("process.command_line"); cmd != "" {
		n.setArgs("process.args", "process.args_count", cmd)
	}
	n.scriptFile()
	for _, e := range [...]int{eParam1, eParam2, eParam3, eSequenceNumber, eDetailTotal, eDetailSequence, eUserId} {
		n.drop(e)
	}
	n.dropEmpty()
}

// powershellCommon sets what both PowerShell pipelines set first.
func (n *Normalizer) powershellCommon() {
	n.d.Set("event.category", n.strArray("process"))
	n.convertLong(eSequenceNumber, "event.sequence")
	if n.r.Level != "" {
		n.deleteOut(oLevel)
	}
}

// kvItem adds "key = value" from one line to the event data, as the kv
// processor does with trim_key and trim_value.
func (n *Normalizer) kvItem(line, trim string) {
	eq := strings.IndexByte(line, '=')
	if eq < 0 {
		return
	}
	k := strings.Trim(line[:eq], trim)
	v := strings.Trim(line[eq+1:], trim)
	if k == "" {
		return
	}
	n.setItem(k, v)
}

// tabKeyValues parses the "\tKey=value" lines of Windows PowerShell's
// param3, where values may span lines.
func (n *Normalizer) tabKeyValues(p string) {
	type kv struct{ keyStart, keyEnd, valStart int }
	var found [64]kv
	m := 0
	for i := 0; i < len(p) && m < len(found); i++ {
		if p[i] != '\t' || (i > 0 && p[i-1] != '\n') {
			continue
		}
		j := i + 1
		for j < len(p) && isWordByte(p[j]) {
			j++
		}
		if j > i+1 && j < len(p) && p[j] == '=' {
			found[m] = kv{i + 1, j, j + 1}
			m++
			i = j
		}
	}
	for k := 0; k < m; k++ {
		end := len(p)
		if k+1 < m {
			end = found[k+1].keyStart - 1
		}
		n.setItem(p[found[k].keyStart:found[k].keyEnd], strings.TrimSpace(p[found[k].valStart:end]))
	}
}

func isWordByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_'
}

// removeKeySpaces removes white space from event data names.
func (n *Normalizer) removeKeySpaces() {
	for i := range n.items {
		it := &n.items[i]
		if it.gone || strings.IndexFunc(it.name, isSpace) < 0 {
			continue
		}
		name := n.a.withoutSpaces(it.name)
		value, val := it.value, it.val
		it.gone = true
		n.setItem(name, value)
		if val.Kind() != event.KindMissing {
			n.setItemValue(name, val)
		}
	}
}

func isSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\v' || r == '\f'
}

// dropEmpty removes empty event data values, as the PowerShell pipelines'
// final cleanup does.
func (n *Normalizer) dropEmpty() {
	for i := range n.items {
		if n.items[i].value == "" && n.items[i].val.Kind() == event.KindMissing {
			n.items[i].gone = true
		}
	}
}

// scriptSignature splits a script block's Authenticode signature block
// into powershell.file.script_block_signature.
func (n *Normalizer) scriptSignature() {
	const begin, end = "# SIG # Begin signature block", "# SIG # End signature block"
	text := n.str("powershell.file.script_block_text")
	i := strings.Index(text, begin)
	if i < 0 {
		return
	}
	j := strings.Index(text[i+len(begin):], end)
	if j < 0 {
		return
	}
	sig := strings.ReplaceAll(text[i+len(begin):i+len(begin)+j], "\n# ", "")
	n.d.Set("powershell.file.script_block_signature", event.Str(sig))
}

// scriptFile sets file.* from the ScriptName event data item.
func (n *Normalizer) scriptFile() {
	it := n.item(eScriptName)
	if it == nil || len(it.value) <= 1 {
		return
	}
	path := it.value
	if i := strings.LastIndexByte(path, '\\'); i >= 0 {
		n.d.Set("file.name", event.Str(path[i+1:]))
		n.d.Set("file.directory", event.Str(path[:i]))
		if j := strings.LastIndexByte(path, '.'); j >= 0 {
			n.d.Set("file.extension", event.Str(path[j+1:]))
		}
	}
	n.d.Set("file.path", event.Str(path))
	it.gone = true
}

// invocationDetails parses PowerShell's command invocation lines
// ("ParameterBinding(Cmd): name="X"; value="Y"") into
// powershell.command.invocation_details, flattened into one array per
// sub-field since a Doc holds no arrays of objects.
func (n *Normalizer) invocationDetails(payload string, classic bool) {
	var types, cmds, names, values [64]event.Value
	m := 0
	for line := range strings.SplitSeq(payload, "\n") {
		if m == len(values) {
			break
		}
		typ, cmd, name, value := parseInvocationDetail(line, classic)
		types[m], cmds[m], names[m], values[m] = optStr(typ), optStr(cmd), optStr(name), event.Str(value)
		m++
	}
	if m == 0 {
		return
	}
	n.d.Set("powershell.command.invocation_details.type", n.a.array(types[:m]))
	n.d.Set("powershell.command.invocation_details.related_command", n.a.array(cmds[:m]))
	n.d.Set("powershell.command.invocation_details.name", n.a.array(names[:m]))
	n.d.Set("powershell.command.invocation_details.value", n.a.array(values[:m]))
}

func optStr(s string) event.Value {
	if s == "" {
		return event.Null()
	}
	return event.Str(s)
}

// parseInvocationDetail matches ^([^(]+)\(([^)]+)\):\s*(.+)?$ and, for
// ParameterBinding, name=(.+);\s*value=(.+)$ (the classic pipeline also
// excludes ':' from the type).
func parseInvocationDetail(raw string, classic bool) (typ, cmd, name, value string) {
	open := strings.IndexByte(raw, '(')
	if open <= 0 || classic && strings.IndexByte(raw[:open], ':') >= 0 {
		return "", "", "", raw
	}
	close := strings.IndexByte(raw[open+1:], ')')
	if close <= 0 {
		return "", "", "", raw
	}
	close += open + 1
	if close+1 >= len(raw) || raw[close+1] != ':' {
		return "", "", "", raw
	}
	typ, cmd = raw[:open], raw[open+1:close]
	value = strings.TrimLeft(raw[close+2:], " \t\r\f\v")
	if typ != "ParameterBinding" {
		return typ, cmd, "", value
	}
	ni := strings.Index(value, "name=")
	vi := strings.LastIndex(value, "value=")
	if ni != 0 || vi < 0 {
		return "", "", "", value
	}
	semi := strings.LastIndexByte(value[:vi], ';')
	if semi < 0 || strings.TrimSpace(value[semi+1:vi]) != "" {
		return "", "", "", value
	}
	return typ, cmd, value[len("name="):semi], value[vi+len("value="):]
}
