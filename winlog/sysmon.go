package winlog

import (
	"strconv"
	"strings"

	"github.com/vigilsec/vigil/event"
)

// category is an ECS categorization: event.category, event.type,
// event.action and, for some events, event.outcome.
type category struct {
	category event.Value
	typ      event.Value
	action   event.Value
	outcome  string
}

func cat(cats, types []string, action string) category {
	c := category{action: event.Str(action)}
	if len(cats) > 0 {
		c.category = strArrayValue(cats)
	}
	if len(types) > 0 {
		c.typ = strArrayValue(types)
	}
	return c
}

func strArrayValue(ss []string) event.Value {
	vs := make([]event.Value, len(ss))
	for i, s := range ss {
		vs[i] = event.Str(s)
	}
	return event.Array(vs...)
}

func strs(s ...string) []string { return s }

// sysmonCategories is the Sysmon pipeline's categorization table, by
// event id (an array: every Sysmon record looks its id up); an id without
// a categorization has no action.
var sysmonCategories = [256]category{
	1:   cat(strs("process"), strs("start"), "Process creation"),
	2:   cat(strs("file"), strs("change"), "A process changed a file creation time"),
	3:   cat(strs("network"), strs("start", "connection", "protocol"), "Network connection"),
	4:   cat(strs("process"), strs("change"), "Sysmon service state changed"),
	5:   cat(strs("process"), strs("end"), "Process terminated"),
	6:   cat(strs("driver"), strs("start"), "Driver loaded"),
	7:   cat(strs("process"), strs("change"), "Image loaded"),
	8:   cat(strs("process"), strs("change"), "CreateRemoteThread"),
	9:   cat(strs("process"), strs("access"), "RawAccessRead"),
	10:  cat(strs("process"), strs("access"), "ProcessAccess"),
	11:  cat(strs("file"), strs("creation"), "FileCreate"),
	12:  cat(strs("configuration", "registry"), strs("change"), "RegistryEvent (Object create and delete)"),
	13:  cat(strs("configuration", "registry"), strs("change"), "RegistryEvent (Value Set)"),
	14:  cat(strs("configuration", "registry"), strs("change"), "RegistryEvent (Key and Value Rename)"),
	15:  cat(strs("file"), strs("access"), "FileCreateStreamHash"),
	16:  cat(strs("configuration"), strs("change"), "ServiceConfigurationChange"),
	17:  cat(strs("file"), strs("creation"), "PipeEvent (Pipe Created)"),
	18:  cat(strs("file"), strs("access"), "PipeEvent (Pipe Connected)"),
	19:  cat(strs("process"), strs("info"), "WmiEvent (WmiEventFilter activity detected)"),
	20:  cat(strs("process"), strs("change"), "WmiEvent (WmiEventConsumer activity detected)"),
	21:  cat(strs("process"), strs("access"), "WmiEvent (WmiEventConsumerToFilter activity detected)"),
	22:  cat(strs("network"), strs("connection", "protocol", "info"), "DNSEvent (DNS query)"),
	23:  cat(strs("file"), strs("deletion"), "FileDelete (File Delete archived)"),
	24:  cat(nil, strs("change"), "ClipboardChange (New content in the clipboard)"),
	25:  cat(strs("process"), strs("change"), "ProcessTampering (Process image change)"),
	26:  cat(strs("file"), strs("deletion"), "FileDeleteDetected (File Delete logged)"),
	27:  withOutcome(cat(strs("file"), strs("creation"), "FileBlockExecutable"), "failure"),
	28:  cat(strs("file"), strs("deletion"), "FileBlockShredding"),
	29:  cat(strs("file"), strs("creation"), "FileExecutableDetected"),
	255: withOutcome(cat(strs("process"), nil, "Error"), "failure"),
}

func withOutcome(c category, o string) category { c.outcome = o; return c }

// Event 7 also gets the library categorization of Elastic's current
// pipeline, which is what library rules (dll.*) query.
var (
	sysmon7Category = strArrayValue(strs("process", "library"))
	sysmon7Type     = strArrayValue(strs("change", "start"))
	sysmon7Action   = strArrayValue(strs("Image loaded", "load"))
)

func (n *Normalizer) categorize(c category) {
	if c.category.Kind() != event.KindMissing {
		n.d.Set("event.category", c.category)
	}
	if c.typ.Kind() != event.KindMissing {
		n.d.Set("event.type", c.typ)
	}
	if c.action.Kind() != event.KindMissing {
		n.d.Set("event.action", c.action)
	}
	if c.outcome != "" {
		n.d.Set("event.outcome", event.Str(c.outcome))
	}
}

const zeroGUID = "{00000000-0000-0000-0000-000000000000}"

// sysmon maps Microsoft-Windows-Sysmon/Operational records as Elastic's
// windows.sysmon_operational pipeline does.
func (n *Normalizer) sysmon() {
	d := n.d
	code := n.code
	// Empty values are removed first.
	for i := range n.items {
		if v := n.items[i].value; v == "" || v == "-" || v == zeroGUID {
			if n.items[i].val.Kind() == event.KindMissing {
				n.items[i].gone = true
			}
		}
	}
	if n.r.Level != "" {
		n.deleteOut(oLevel)
	}
	if t, ok := n.get(eUtcTime); ok {
		if ts, ok := sysmonTime(&n.a, t); ok {
			d.Set("@timestamp", event.Str(ts))
		}
	}
	if code < uint32(len(sysmonCategories)) && sysmonCategories[code].action.Kind() != event.KindMissing {
		n.categorize(sysmonCategories[code])
	}
	if code == 255 {
		if v := n.val(eID); v != "" && !n.has("error.code") {
			n.rename(eID, "error.code")
		}
	}
	if v := n.val(eRuleName); v != "" && v != "-" {
		n.rename(eRuleName, "rule.name")
	}
	if code == 25 {
		if v := n.val(eType); v != "" {
			n.setOut(oMessage, event.Str(v))
			n.drop(eType)
		}
	}
	if v := n.val(eHash); v != "" {
		if n.item(eHashes) == nil {
			n.setItem("Hashes", v)
		}
		n.drop(eHash)
	}
	var hashes [8]hashKV
	nh := 0
	if v, ok := n.get(eHashes); ok {
		nh = n.sysmonHashes(v, hashes[:])
	}
	hashPrefix := ""
	switch code {
	case 1, 23, 24, 25:
		hashPrefix = "process"
	}
	if hashPrefix != "" {
		n.setHashes(hashPrefix, hashes[:nh])
	}

	n.sysmonProcess(code)

	switch code {
	case 6, 7, 15, 26, 29:
		n.setHashes("file", hashes[:nh])
	}
	n.sysmonFile(code)
	sourceIP, destinationIP := n.sysmonNetwork(code)

	if id := n.r.User.Identifier; id != "" {
		d.Set("user.id", event.Str(id))
	}
	if u, ok := n.get(eUser); ok {
		n.splitUser(u, "user.domain", "user.name")
	}
	if v := n.val(eQueryStatus); v != "" {
		if s, ok := dnsStatus[v]; ok {
			v = s
		}
		d.Set("sysmon.dns.status", event.Str(v))
		n.drop(eQueryStatus)
	}
	if b, ok := parseBool(n.val(eArchived)); ok {
		d.Set("sysmon.file.archived", event.Bool(b))
	}
	if b, ok := parseBool(n.val(eIsExecutable)); ok {
		d.Set("sysmon.file.is_executable", event.Bool(b))
	}
	n.rel(relUser, n.str("user.name"))
	n.rel(relIP, sourceIP)
	n.rel(relIP, destinationIP)
	if code == 12 || code == 13 || code == 14 {
		if v := n.val(eTargetObject); v != "" {
			n.registry(v, n.val(eDetails))
		}
	}
	if it := n.item(eTargetProcessGuid); it != nil {
		n.setItem("TargetProcessGUID", it.value)
		it.gone = true
	}
	for _, e := range sysmonRemoved {
		n.drop(e)
	}
}

var sysmonRemoved = []int{
	eProcessId, eParentProcessId, eSourceProcessId, eSourceThreadId, eSourceIp, eSourcePort,
	eSourcePortName, eDestinationIp, eDestinationPort, eDestinationPortName, eRuleName, eUser,
	eInitiated, eSourceIsIpv6, eDestinationIsIpv6, eQueryStatus, eArchived, eIsExecutable,
	eQueryResults, eUtcTime, eHash, eHashes, eTargetObject,
}

// sysmonTime turns Sysmon's UtcTime (yyyy-MM-dd HH:mm:ss.SSS) into the
// @timestamp Elasticsearch's date processor writes.
func sysmonTime(a *arena, s string) (string, bool) {
	if len(s) != 23 || s[4] != '-' || s[7] != '-' || s[10] != ' ' || s[13] != ':' || s[16] != ':' || s[19] != '.' {
		return "", false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 4, 7, 10, 13, 16, 19:
			continue
		}
		if s[i] < '0' || s[i] > '9' {
			return "", false
		}
	}
	if _, ok := parseTime(s); !ok {
		return "", false
	}
	b := a.bytes(24)
	copy(b, s)
	b[10] = 'T'
	b[23] = 'Z'
	return bstr(b), true
}

type hashKV struct{ alg, value string }

// sysmonHashes parses "SHA1=..,MD5=.." into lower-case algorithm/value
// pairs, dropping empty and all-zero values, in the order Elasticsearch's
// pipeline adds them to related.hash (a Java HashMap's iteration order).
func (n *Normalizer) sysmonHashes(s string, dst []hashKV) int {
	var keys [8]string
	var vals [8]string
	k := 0
	for part := range strings.SplitSeq(s, ",") {
		eq := strings.IndexByte(part, '=')
		if eq < 0 || k == len(keys) {
			continue
		}
		keys[k], vals[k] = part[:eq], part[eq+1:]
		k++
	}
	var order [8]int
	javaHashOrder(keys[:k], order[:k])
	m := 0
	for _, i := range order[:k] {
		v := n.a.lower(vals[i])
		if strings.Trim(v, "0") == "" {
			continue
		}
		dst[m] = hashKV{alg: n.a.lower(keys[i]), value: v}
		m++
		n.rel(relHash, v)
	}
	return m
}

var hashKeys = map[string][2]string{
	"imphash": {"process.pe.imphash", "file.pe.imphash"},
	"md5":     {"process.hash.md5", "file.hash.md5"},
	"sha1":    {"process.hash.sha1", "file.hash.sha1"},
	"sha256":  {"process.hash.sha256", "file.hash.sha256"},
	"sha384":  {"process.hash.sha384", "file.hash.sha384"},
	"sha512":  {"process.hash.sha512", "file.hash.sha512"},
}

func (n *Normalizer) setHashes(prefix string, hs []hashKV) {
	which := 0
	if prefix == "file" {
		which = 1
	}
	for _, h := range hs {
		key := ""
		if ks, ok := hashKeys[h.alg]; ok {
			key = ks[which]
		} else {
			key = n.a.concat(prefix, ".hash.", h.alg)
		}
		n.d.Set(key, event.Str(h.value))
	}
}

// javaHashOrder orders keys as a java.util.HashMap filled with them in
// order iterates them: by bucket, then insertion order.
func javaHashOrder(keys []string, order []int) {
	capacity := uint32(16)
	for uint32(len(keys)) > capacity*3/4 {
		capacity *= 2
	}
	var buckets [64]uint32
	for i, k := range keys {
		h := javaStringHash(k)
		h ^= h >> 16
		if i < len(buckets) {
			buckets[i] = h & (capacity - 1)
		}
		order[i] = i
	}
	// Insertion sort: few keys, stable.
	for i := 1; i < len(order); i++ {
		for j := i; j > 0 && buckets[order[j-1]] > buckets[order[j]]; j-- {
			order[j-1], order[j] = order[j], order[j-1]
		}
	}
}

// javaStringHash is Java's String.hashCode over UTF-16 code units.
func javaStringHash(s string) uint32 {
	var h uint32
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			h = 31*h + uint32(0xd800+(r>>10))
			h = 31*h + uint32(0xdc00+(r&0x3ff))
			continue
		}
		h = 31*h + uint32(r)
	}
	return h
}

func (n *Normalizer) sysmonProcess(code uint32) {
	d := n.d
	// Nothing before sets the keys below that are read back (the
	// executables and command lines): each has the value of the first
	// rename that moved one, kept here rather than looked up again.
	n.renameGUID(eProcessGuid, "process.entity_id")
	n.convertLong(eProcessId, "process.pid")
	exe := n.renamed(eImage, "process.executable")
	_ = n.renameGUID(eSourceProcessGuid, "process.entity_id") || n.renameGUID(eSourceProcessGUID, "process.entity_id")
	n.convertLong(eSourceProcessId, "process.pid")
	n.convertLong(eSourceThreadId, "process.thread.id")
	for _, e := range [...]int{eSourceImage, eDestination} {
		if v := n.renamed(e, "process.executable"); v != "" {
			exe = v
		}
	}
	cmd := n.renamed(eCommandLine, "process.command_line")
	n.rename(eCurrentDirectory, "process.working_directory")
	n.renameGUID(eParentProcessGuid, "process.parent.entity_id")
	n.convertLong(eParentProcessId, "process.parent.pid")
	parentExe := n.renamed(eParentImage, "process.parent.executable")
	parentCmd := n.renamed(eParentCommandLine, "process.parent.command_line")
	if code != 7 {
		n.rename(eOriginalFileName, "process.pe.original_file_name")
		n.copyItem(eCompany, "process.pe.company")
		n.copyItem(eDescription, "process.pe.description")
		n.copyItem(eFileVersion, "process.pe.file_version")
		n.copyItem(eProduct, "process.pe.product")
	}
	if cmd != "" {
		n.setArgs("process.args", "process.args_count", cmd)
	}
	if parentCmd != "" {
		n.setArgs("process.parent.args", "process.parent.args_count", parentCmd)
	}
	if len(exe) > 1 && !n.has("process.name") {
		if i := strings.LastIndexByte(exe, '\\'); i >= 0 && i+1 < len(exe) {
			d.Set("process.name", event.Str(exe[i+1:]))
		}
	}
	if exe := parentExe; len(exe) > 1 && !n.has("process.parent.name") {
		if i := strings.LastIndexByte(exe, '\\'); i >= 0 && i+1 < len(exe) {
			d.Set("process.parent.name", event.Str(exe[i+1:]))
		}
	}
}

// setArgs splits cmd with CommandLineToArgvW rules into key and its count.
func (n *Normalizer) setArgs(key, countKey, cmd string) {
	var buf [32]string
	args := splitCommandLine(&n.a, cmd, buf[:0])
	n.d.Set(key, n.a.strArray(args))
	n.d.Set(countKey, event.Int(int64(len(args))))
}

// NormalizeGUID returns a GUID as vigil writes process.entity_id: lower
// case, with braces. Strings that are not GUIDs are returned unchanged.
func NormalizeGUID(g string) string {
	var a arena
	a.detached = true
	return normalizeGUID(&a, g)
}

func normalizeGUID(a *arena, g string) string {
	inner := g
	if len(inner) == 38 && inner[0] == '{' && inner[37] == '}' {
		inner = inner[1:37]
	}
	if len(inner) != 36 {
		return g
	}
	upper := false
	for i := 0; i < 36; i++ {
		c := inner[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return g
			}
			continue
		}
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f':
		case c >= 'A' && c <= 'F':
			upper = true
		default:
			return g
		}
	}
	if !upper && len(g) == 38 {
		return g
	}
	b := a.bytes(38)
	b[0], b[37] = '{', '}'
	for i := 0; i < 36; i++ {
		c := inner[i]
		if c >= 'A' && c <= 'F' {
			c += 'a' - 'A'
		}
		b[i+1] = c
	}
	return bstr(b)
}

func (n *Normalizer) sysmonFile(code uint32) {
	d := n.d
	// file.path is set here only (by the first rename that moves one).
	path := n.renamed(eTargetFilename, "file.path")
	if v := n.renamed(eDevice, "file.path"); v != "" {
		path = v
	}
	n.rename(ePipeName, "file.name")
	if v := n.renamed(eImageLoaded, "file.path"); v != "" {
		path = v
	}
	n.copyItem(eSignature, "file.code_signature.subject_name")
	n.copyItem(eSignatureStatus, "file.code_signature.status")
	if code == 7 {
		n.rename(eOriginalFileName, "file.pe.original_file_name")
		n.copyItem(eCompany, "file.pe.company")
		n.copyItem(eDescription, "file.pe.description")
		n.copyItem(eFileVersion, "file.pe.file_version")
		n.copyItem(eProduct, "file.pe.product")
	}
	signed, signedOK := parseBool(n.val(eSigned))
	if signedOK {
		d.Set("file.code_signature.signed", event.Bool(signed))
	}
	if n.val(eSignatureStatus) == "Valid" {
		d.Set("file.code_signature.valid", event.Bool(true))
	}
	if p := path; len(p) > 1 {
		if i := strings.LastIndexByte(p, '\\'); i >= 0 {
			d.Set("file.name", event.Str(p[i+1:]))
			d.Set("file.directory", event.Str(p[:i]))
			if j := strings.LastIndexByte(p, '.'); j >= 0 {
				d.Set("file.extension", event.Str(p[j+1:]))
			}
		}
	}
	if code == 7 {
		n.sysmonLibrary()
	}
}

// sysmonLibrary adds the dll.* fields and library categorization of image
// loads, as Elastic's current Sysmon pipeline does.
func (n *Normalizer) sysmonLibrary() {
	d := n.d
	d.Set("event.category", sysmon7Category)
	d.Set("event.type", sysmon7Type)
	d.Set("event.action", sysmon7Action)
	for _, f := range dllFields {
		if v, ok := d.Get(f[0]); ok {
			d.Set(f[1], v)
		}
	}
	status := n.val(eSignatureStatus)
	signed := n.val(eSigned)
	if status == "" {
		if _, isBool := parseBool(signed); !isBool {
			status = signed
		}
	}
	if status != "" {
		d.Set("dll.code_signature.status", event.Str(status))
	}
	if v := n.val(eSignature); v != "" {
		d.Set("dll.code_signature.subject_name", event.Str(v))
	}
	if b, ok := parseBool(signed); ok {
		d.Set("dll.code_signature.exists", event.Bool(b))
	}
	if signed != "" {
		trusted := status == "Valid"
		d.Set("file.code_signature.trusted", event.Bool(trusted))
		if n.val(eSignatureStatus) != "" || trusted {
			d.Set("dll.code_signature.trusted", event.Bool(trusted))
		}
	}
}

var dllFields = [...][2]string{
	{"file.path", "dll.path"}, {"file.name", "dll.name"},
	{"file.hash.md5", "dll.hash.md5"}, {"file.hash.sha1", "dll.hash.sha1"}, {"file.hash.sha256", "dll.hash.sha256"},
	{"file.pe.imphash", "dll.pe.imphash"}, {"file.pe.original_file_name", "dll.pe.original_file_name"},
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// sysmonNetwork maps the network fields and returns source.ip and
// destination.ip ("" when not set), which it alone sets.
func (n *Normalizer) sysmonNetwork(code uint32) (sourceIP, destinationIP string) {
	d := n.d
	transport := n.renamed(eProtocol, "network.transport") // set here only
	if code != 22 {
		n.rename(eDestinationPortName, "network.protocol")
		n.rename(eSourcePortName, "network.protocol")
	} else {
		d.Set("network.protocol", event.Str("dns"))
	}
	if v := n.val(eSourceIp); validIP(v) {
		d.Set("source.ip", event.Str(v))
		sourceIP = v
	}
	n.rename(eSourceHostname, "source.domain")
	sport, sok := n.convertLong(eSourcePort, "source.port")
	if v := n.val(eDestinationIp); validIP(v) {
		d.Set("destination.ip", event.Str(v))
		destinationIP = v
	}
	n.rename(eDestinationHostname, "destination.domain")
	dport, dok := n.convertLong(eDestinationPort, "destination.port")
	question := n.renamed(eQueryName, "dns.question.name") // set here only
	switch n.val(eInitiated) {
	case "true":
		d.Set("network.direction", event.Str("egress"))
	case "false":
		d.Set("network.direction", event.Str("ingress"))
	}
	switch n.val(eSourceIsIpv6) {
	case "false":
		d.Set("network.type", event.Str("ipv4"))
	case "true":
		d.Set("network.type", event.Str("ipv6"))
	}
	var resolved []event.Value // dns.resolved_ip, which dnsAnswers alone sets
	if v := n.val(eQueryResults); v != "" {
		resolved = n.dnsAnswers(v)
	}
	if q := question; q != "" {
		if reg, sub, tld, ok := registeredDomain(q); ok {
			d.Set("dns.question.registered_domain", event.Str(reg))
			n.set("dns.question.subdomain", sub)
			d.Set("dns.question.top_level_domain", event.Str(tld))
		}
		n.rel(relHosts, q)
	}
	for _, ip := range resolved {
		n.rel(relIP, ip.Str())
	}
	if sok && dok {
		if id := communityID(&n.a, sourceIP, destinationIP, sport, dport, transport); id != "" {
			d.Set("network.community_id", event.Str(id))
		}
	}
	return sourceIP, destinationIP
}

// dnsAnswers parses Sysmon's QueryResults ("type:  5 cname;::ffff:1.2.3.4;")
// into dns.answers (kept flattened as dns.answers.type and
// dns.answers.data, since a Doc holds no arrays of objects),
// dns.resolved_ip and related.hosts. It returns the resolved addresses
// (in n's arena), none when it set no dns.resolved_ip.
func (n *Normalizer) dnsAnswers(results string) []event.Value {
	var types, data, ips [32]event.Value
	nt, ni := 0, 0
	for ans := range strings.SplitSeq(results, ";") {
		if ans == "" {
			continue
		}
		if strings.HasPrefix(ans, "type:") {
			var fb [4]string
			f := fb[:0]
			for w := range strings.FieldsSeq(ans) {
				f = append(f, w)
			}
			if len(f) < 2 || nt == len(types) {
				continue
			}
			types[nt] = event.Str(dnsTypes[f[1]])
			if len(f) == 3 {
				data[nt] = event.Str(f[2])
				n.rel(relHosts, f[2])
			} else {
				data[nt] = event.Null()
			}
			nt++
			continue
		}
		ip := stripV4Mapped(ans)
		if validIP(ip) && ni < len(ips) {
			ips[ni] = event.Str(ip)
			ni++
		}
	}
	for i := 0; i < ni && nt < len(types); i++ {
		t := "A"
		if strings.IndexByte(ips[i].Str(), ':') >= 0 {
			t = "AAAA"
		}
		types[nt], data[nt] = event.Str(t), ips[i]
		nt++
	}
	if nt > 0 {
		n.d.Set("dns.answers.type", n.a.array(types[:nt]))
		n.d.Set("dns.answers.data", n.a.array(data[:nt]))
	}
	if ni == 0 {
		return nil
	}
	resolved := n.a.array(ips[:ni])
	n.d.Set("dns.resolved_ip", resolved)
	return resolved.Array()
}

// splitUser splits "DOMAIN\name" into two keys, only when it has exactly
// two parts.
func (n *Normalizer) splitUser(u, domainKey, nameKey string) {
	i := strings.IndexByte(u, '\\')
	if i < 0 || strings.IndexByte(u[i+1:], '\\') >= 0 {
		return
	}
	// Java's String.split drops trailing empty strings: "DOM\" is one part.
	if i+1 == len(u) {
		return
	}
	n.set(domainKey, u[:i])
	n.set(nameKey, u[i+1:])
}

var registryHives = map[string]string{
	"HKEY_CLASSES_ROOT": "HKCR", "HKCR": "HKCR",
	"HKEY_CURRENT_CONFIG": "HKCC", "HKCC": "HKCC",
	"HKEY_CURRENT_USER": "HKCU", "HKCU": "HKCU",
	"HKEY_DYN_DATA": "HKDD", "HKDD": "HKDD",
	"HKEY_LOCAL_MACHINE": "HKLM", "HKLM": "HKLM",
	"HKEY_PERFORMANCE_DATA": "HKPD", "HKPD": "HKPD",
	"HKEY_USERS": "HKU", "HKU": "HKU",
}

// registry sets registry.* from a Sysmon TargetObject and Details.
func (n *Normalizer) registry(path, details string) {
	d := n.d
	d.Set("registry.path", event.Str(path))
	// Java's split drops trailing empty tokens.
	trimmed := strings.TrimRight(path, "\\")
	if trimmed == "" {
		return
	}
	first := trimmed
	rest := ""
	if i := strings.IndexByte(trimmed, '\\'); i >= 0 {
		first, rest = trimmed[:i], trimmed[i+1:]
	}
	if hive, ok := registryHives[first]; ok {
		d.Set("registry.hive", event.Str(hive))
		if rest != "" {
			d.Set("registry.key", event.Str(rest))
		}
	}
	value := trimmed[strings.LastIndexByte(trimmed, '\\')+1:]
	d.Set("registry.value", event.Str(value))
	if details == "" {
		return
	}
	typ, str := "REG_SZ", details
	if hi, lo, ok := matchQword(details); ok {
		typ, str = "SZ_QWORD", n.a.itoa(hi<<8+lo)
	} else if v, ok := matchDword(details); ok {
		typ, str = "SZ_DWORD", n.a.itoa(v)
	} else if details == "Binary Data" {
		typ = "REG_BINARY"
	}
	d.Set("registry.data.strings", n.strArray(str))
	d.Set("registry.data.type", event.Str(typ))
}

// matchDword matches (?i)DWORD \((0x[0-9A-F]{8})\) against the whole s.
func matchDword(s string) (int64, bool) {
	if len(s) != len("DWORD (0x00000000)") || !strings.EqualFold(s[:9], "DWORD (0x") || s[len(s)-1] != ')' {
		return 0, false
	}
	return hex8(s[9:17])
}

// matchQword matches (?i)QWORD \(((0x[0-9A-F]{8})-(0x[0-9A-F]{8}))\).
func matchQword(s string) (int64, int64, bool) {
	if len(s) != len("QWORD (0x00000000-0x00000000)") || !strings.EqualFold(s[:9], "QWORD (0x") ||
		!strings.EqualFold(s[17:20], "-0x") || s[len(s)-1] != ')' {
		return 0, 0, false
	}
	hi, ok1 := hex8(s[9:17])
	lo, ok2 := hex8(s[20:28])
	return hi, lo, ok1 && ok2
}

// hex8 parses the eight hex digits of a DWORD.
func hex8(s string) (int64, bool) {
	v, err := strconv.ParseUint(s, 16, 32)
	return int64(v), err == nil
}
