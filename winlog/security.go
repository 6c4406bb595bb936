package winlog

import (
	"strings"

	"github.com/vigilsec/vigil/event"
)

func codeIn(code uint32, list ...uint32) bool {
	for _, c := range list {
		if c == code {
			return true
		}
	}
	return false
}

var (
	copyTargetUserCodes = []uint32{4624, 4625, 4634, 4647, 4648, 4768, 4769, 4770, 4771, 4776, 4964}
	memberCodes         = []uint32{4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4744, 4745, 4746, 4747, 4748, 4749, 4750, 4751, 4752, 4753, 4754, 4755, 4756, 4757, 4758, 4759, 4760, 4761, 4762, 4763, 4764, 4799}
	subjectUserCodes    = []uint32{4657, 4670, 4672, 4673, 4674, 4688, 4689, 4697, 4698, 4699, 4700, 4701, 4702, 4706, 4707, 4713, 4716, 4717, 4718, 4719, 4720, 4722, 4723, 4724, 4725, 4726, 4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4738, 4739, 4740, 4741, 4742, 4743, 4744, 4745, 4746, 4747, 4748, 4749, 4750, 4751, 4752, 4753, 4754, 4755, 4756, 4757, 4758, 4759, 4760, 4761, 4762, 4763, 4764, 4767, 4781, 4798, 4799, 4817, 4904, 4905, 4907, 4912, 4648, 5140, 5145}
	targetToTargetCodes = []uint32{4670, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4798, 4817, 4907}
	commonAuthCodes     = []uint32{1100, 1102, 1104, 1105, 1108, 4624, 4648, 4625, 4670, 4673, 4674, 4689, 4697, 4719, 4720, 4722, 4723, 4724, 4725, 4726, 4727, 4728, 4729, 4730, 4731, 4732, 4733, 4734, 4735, 4737, 4738, 4740, 4741, 4742, 4743, 4744, 4745, 4746, 4747, 4748, 4749, 4750, 4751, 4752, 4753, 4754, 4755, 4756, 4757, 4758, 4759, 4760, 4761, 4762, 4763, 4764, 4767, 4768, 4769, 4770, 4771, 4798, 4799, 4817, 4904, 4905, 4907, 4912, 5140, 5145}
	relatedTargetCodes  = []uint32{4688, 4720, 4722, 4723, 4724, 4725, 4726, 4738, 4740, 4767, 4798}
)

// security maps Security-channel records of the Security-Auditing and
// Eventlog providers as Elastic's system.security pipeline does.
func (n *Normalizer) security() {
	d := n.d
	code := n.code
	if c, ok := securityCategories[code]; ok {
		n.categorize(c)
	}
	if lt, ok := logonTypes[n.val(eLogonType)]; ok {
		d.Set("winlog.logon.type", event.Str(lt))
	}
	n.securityUAC()
	if v, ok := n.get(eTicketOptions); ok {
		if opts, ok := decodeLong(v); ok {
			n.setFlags("TicketOptionsDescription", opts, ticketFlagsOrdered)
		}
	}
	if v, ok := n.get(eTicketEncryptionType); ok {
		if s, ok := encryptionTypes[strings.ToLower(v)]; ok {
			n.setItem("TicketEncryptionTypeDescription", s)
		}
	}
	if v, ok := n.get(eStatus); ok && code >= 4768 && code <= 4771 {
		if s, ok := kerberosStatus[v]; ok {
			n.setItem("StatusDescription", s)
		}
	}
	if v, ok := n.get(eServiceName); ok {
		d.Set("service.name", event.Str(v))
	}
	if v, ok := n.get(eServiceType); ok {
		if s, ok := serviceTypes[v]; ok {
			d.Set("service.type", event.Str(s))
		}
	}
	if v, ok := n.get(eSubcategoryGuid); ok {
		g := strings.ToUpper(strings.Trim(v, "{}"))
		if sc, ok := auditSubcategories[g]; ok {
			n.setItem("Category", sc[1])
			n.setItem("SubCategory", sc[0])
		}
	}
	n.securityMessages()
	if code == 4625 || code == 4776 {
		if s, ok := logonFailureStatus[n.val(eStatus)]; ok {
			d.Set("winlog.logon.failure.status", event.Str(s))
		}
		if s, ok := logonFailureStatus[n.val(eSubStatus)]; ok {
			d.Set("winlog.logon.failure.sub_status", event.Str(s))
		}
	}
	if s, ok := trustTypes[n.val(eTdoType)]; ok {
		d.Set("winlog.trustType", event.Str(s))
	}
	if s, ok := trustDirections[n.val(eTdoDirection)]; ok {
		d.Set("winlog.trustDirection", event.Str(s))
	}
	if s, ok := trustAttributes[n.val(eTdoAttributes)]; ok {
		d.Set("winlog.trustAttribute", event.Str(s))
	}
	if code == 4778 || code == 4779 {
		if v, ok := n.get(eAccountName); ok {
			d.Set("user.name", event.Str(v))
			n.rel(relUser, v)
		}
		if v, ok := n.get(eAccountDomain); ok {
			d.Set("user.domain", event.Str(v))
		}
		if v, ok := n.get(eClientAddress); ok && v != "-" {
			d.Set("source.ip", event.Str(v))
			n.rel(relIP, v)
		}
		if v, ok := n.get(eClientName); ok {
			d.Set("source.domain", event.Str(v))
		}
		if v, ok := n.get(eLogonID); ok {
			d.Set("winlog.logon.id", event.Str(v))
		}
	}
	if codeIn(code, copyTargetUserCodes...) {
		n.copyTargetUser()
	}
	if codeIn(code, memberCodes...) {
		n.copyMember()
	}
	if code >= 4741 && code <= 4743 {
		n.copyItem(eTargetSid, "winlog.computerObject.id")
		n.copyItem(eTargetUserName, "winlog.computerObject.name")
		n.copyItem(eTargetDomainName, "winlog.computerObject.domain")
	}
	if code == 4634 || code == 4647 || code == 4964 {
		if v, ok := n.get(eTargetLogonId); ok {
			d.Set("winlog.logon.id", event.Str(v))
		}
	}
	if codeIn(code, subjectUserCodes...) {
		if v, ok := n.get(eSubjectUserSid); ok {
			d.Set("user.id", event.Str(v))
		}
		if v, ok := n.get(eSubjectUserName); ok {
			d.Set("user.name", event.Str(v))
			n.rel(relUser, v)
		}
		if v, ok := n.get(eSubjectDomainName); ok {
			d.Set("user.domain", event.Str(v))
		}
	}
	if codeIn(code, targetToTargetCodes...) {
		n.copyTargetTo("user.target", eTargetSid)
	}
	if code == 4648 || code == 4688 {
		n.copyTargetTo("user.effective", eTargetUserSid)
	}
	if code == 1102 {
		n.userDataSubject()
	}
	// Every record with a SubjectLogonId takes its winlog.logon.id from
	// it, 4624 included (whose new session is TargetLogonId): Elastic's
	// system.security pipeline sets it unconditionally after the
	// TargetLogonId copy of 4634/4647/4964, and Winlogbeat's 4624
	// fixtures expect the subject's id (0x3e7, 0x0).
	if v, ok := n.get(eSubjectLogonId); ok {
		d.Set("winlog.logon.id", event.Str(v))
	}
	if code == 1102 {
		if v := userDataValue(n.r, "SubjectLogonId"); v != "" {
			d.Set("winlog.logon.id", event.Str(v))
		}
	}
	if codeIn(code, commonAuthCodes...) {
		n.commonAuth()
	}
	if code == 4688 {
		n.process4688()
	}
	if code == 4624 || code == 4648 {
		if v, ok := n.get(eSubjectUserName); ok && v != "-" {
			n.rel(relUser, v)
		}
	}
	if codeIn(code, relatedTargetCodes...) {
		if v, ok := n.get(eTargetUserName); ok && v != "-" {
			n.rel(relUser, v)
		}
	}
	if codeIn(code, 4672, 4673, 4674, 4741, 4742, 4743) {
		if it := n.item(ePrivilegeList); it != nil {
			it.val = n.a.fieldsArray(it.value)
		}
	}
	if v, ok := n.get(eOldTargetUserName); ok && v != "" {
		d.Set("user.target.name", event.Str(v))
	}
	if v, ok := n.get(eNewTargetUserName); ok && v != "" {
		d.Set("user.changes.name", event.Str(v))
	}
	if v, ok := n.get(eNewTargetUserName); ok && v != "-" {
		n.rel(relUser, v)
	}
	if v, ok := n.get(eOldTargetUserName); ok && v != "-" {
		n.rel(relUser, v)
	}
	if code == 5140 || code == 5145 {
		n.shareFile()
	}
}

// securityPost is the system.security default pipeline's work after the
// Security mapping, which applies to every record of the data stream.
func (n *Normalizer) securityPost() {
	if ip := n.str("source.ip"); ip != "" {
		if strings.Contains(ip, "::ffff:") {
			ip = strings.ReplaceAll(ip, "::ffff:", "")
			n.d.Set("source.ip", event.Str(ip))
		}
		if ip != "-" {
			n.rel(relIP, ip)
		}
	}
	if n.r.HasTimeCreated {
		n.d.Set("@timestamp", event.Str(n.a.timeMillis(n.r.TimeCreated)))
	}
	if _, ok := n.d.Get("event.outcome"); !ok {
		if o := inferOutcome(n); o != "" {
			n.d.Set("event.outcome", event.Str(o))
		}
	}
}

// inferOutcome gives Security records without keywords (converted logs
// that lost them) the outcome Winlogbeat takes from the Audit Success or
// Audit Failure keyword.
func inferOutcome(n *Normalizer) string {
	if len(n.r.Keywords) > 0 {
		return ""
	}
	switch n.code {
	case 4625, 4771, 5152, 5157, 5031, 4653, 4654:
		return "failure"
	case 4768, 4769, 4776:
		if s := n.val(eStatus); s != "" && s != "0x0" {
			return "failure"
		}
	case 4656, 4663, 5145, 5140:
		// These are written as Audit Failure only when access was denied,
		// which the event data does not say.
	}
	return "success"
}

func (n *Normalizer) securityUAC() {
	v, ok := n.get(eNewUacValue)
	if !ok || v == "-" {
		return
	}
	uac, ok := decodeLong(v)
	if !ok {
		return
	}
	if !n.setFlags("NewUACList", uac, uacFlagsOrdered) {
		return
	}
	if it := n.item(eUserAccountControl); it != nil && it.value != "-" {
		var parts []string
		for p := range strings.SplitSeq(it.value, "%%") {
			if p = strings.TrimSpace(p); p != "" {
				parts = append(parts, p)
			}
		}
		it.val = n.a.strArray(parts)
	}
}

// setFlags sets an event data item to the names of the flags set in v.
func (n *Normalizer) setFlags(name string, v int64, flags []flagName) bool {
	var buf [32]string
	names := buf[:0]
	for _, f := range flags {
		if v&f.flag == f.flag {
			names = append(names, f.name)
		}
	}
	if len(names) == 0 {
		return false
	}
	n.setItemValue(name, n.a.strArray(names))
	return true
}

func (n *Normalizer) securityMessages() {
	if v, ok := n.get(eFailureReason); ok {
		if s, ok := messageTable[n.a.dropPercents(v)]; ok {
			n.d.Set("winlog.logon.failure.reason", event.Str(s))
		}
	}
	n.describeCodes(eAuditPolicyChanges, ",", "AuditPolicyChangesDescription")
	n.describeCodes(eAccessList, " ", "AccessListDescription")
	if v, ok := n.get(eAccessMask); ok {
		var buf [32]string
		out := buf[:0]
		for p := range strings.FieldsSeq(v) {
			p = strings.TrimSpace(n.a.dropPercents(p))
			mask, ok := decodeLong(p)
			if !ok {
				continue
			}
			for _, f := range accessMaskFlagsOrdered {
				if mask&f.flag == f.flag && !contains(out, f.name) {
					out = append(out, f.name)
				}
			}
		}
		if len(out) > 0 {
			n.setItemValue("AccessMaskDescription", n.a.strArray(out))
		}
	}
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// copyTargetUser is the pipeline's "Copy Target User" step.
func (n *Normalizer) copyTargetUser() {
	d := n.d
	id, ok := n.get(eTargetUserSid)
	if !ok {
		id, ok = n.get(eTargetSid)
	}
	if ok {
		if !n.has("user.id") {
			d.Set("user.id", event.Str(id))
		} else {
			d.Set("user.target.id", event.Str(id))
		}
	}
	if v, ok := n.get(eTargetUserName); ok {
		name := v
		if i := strings.IndexByte(v, '@'); i >= 0 {
			name = v[:i]
		}
		if !n.has("user.name") {
			d.Set("user.name", event.Str(name))
		} else {
			d.Set("user.target.name", event.Str(name))
		}
		n.rel(relUser, name)
	}
	if v, ok := n.get(eTargetDomainName); ok {
		if !n.has("user.domain") {
			d.Set("user.domain", event.Str(v))
		} else {
			d.Set("user.target.domain", event.Str(v))
		}
	}
}

// copyMember is the pipeline's "Copy MemberName to User and User to Group"
// step.
func (n *Normalizer) copyMember() {
	d := n.d
	if v, ok := n.get(eMemberName); ok {
		parts := strings.Split(v, ",")
		member := strings.ReplaceAll(strings.ReplaceAll(parts[0], "CN=", ""), "cn=", "")
		d.Set("user.target.name", event.Str(member))
		n.rel(relUser, member)
		if len(parts) >= 4 {
			dom := strings.ReplaceAll(strings.ReplaceAll(parts[3], "DC=", ""), "dc=", "")
			d.Set("user.target.domain", event.Str(dom))
		}
	}
	if v, ok := n.get(eTargetUserSid); ok {
		d.Set("group.id", event.Str(v))
	}
	if v, ok := n.get(eTargetSid); ok {
		d.Set("group.id", event.Str(v))
	}
	if v, ok := n.get(eTargetUserName); ok {
		d.Set("group.name", event.Str(v))
	}
	if v, ok := n.get(eTargetDomainName); ok {
		d.Set("group.domain", event.Str(strings.ReplaceAll(strings.ReplaceAll(v, "DC=", ""), "dc=", "")))
	}
	if n.has("user.target.name") || n.has("user.target.domain") || n.has("user.target.id") {
		for _, f := range [...][2]string{{"group.id", "user.target.group.id"}, {"group.name", "user.target.group.name"}, {"group.domain", "user.target.group.domain"}} {
			if v, ok := d.Get(f[0]); ok {
				d.Set(f[1], v)
			}
		}
	}
}

// copyTargetTo is the pipeline's "Copy Target User to Target" and
// "... to Effective" steps: prefix.id from idItem, prefix.name from
// TargetUserName (before any '@'), prefix.domain from TargetDomainName.
func (n *Normalizer) copyTargetTo(prefix string, idItem int) {
	d := n.d
	idKey, nameKey, domKey := "user.target.id", "user.target.name", "user.target.domain"
	if prefix == "user.effective" {
		idKey, nameKey, domKey = "user.effective.id", "user.effective.name", "user.effective.domain"
	}
	if v := n.val(idItem); v != "" && v != "-" {
		d.Set(idKey, event.Str(v))
	}
	if v := n.val(eTargetUserName); v != "" && v != "-" {
		name := v
		if i := strings.IndexByte(v, '@'); i >= 0 {
			name = v[:i]
		}
		d.Set(nameKey, event.Str(name))
		n.rel(relUser, name)
	}
	if v := n.val(eTargetDomainName); v != "" && v != "-" {
		d.Set(domKey, event.Str(v))
	}
}

func userDataValue(r *Record, name string) string {
	for _, p := range r.UserData {
		if p.Name == name && !p.Null {
			return p.Value
		}
	}
	return ""
}

func (n *Normalizer) userDataSubject() {
	d := n.d
	if v := userDataValue(n.r, "SubjectUserSid"); v != "" {
		d.Set("user.id", event.Str(v))
	}
	if v := userDataValue(n.r, "SubjectUserName"); v != "" {
		d.Set("user.name", event.Str(v))
		n.rel(relUser, v)
	}
	if v := userDataValue(n.r, "SubjectDomainName"); v != "" {
		d.Set("user.domain", event.Str(v))
	}
}

// commonAuth is the pipeline's "Rename Common Auth Fields" step.
func (n *Normalizer) commonAuth() {
	n.moveLong(eProcessId, "process.pid", "")
	n.move(eProcessName, "process.executable", "")
	n.move(eIpAddress, "source.ip", "-")
	n.moveLong(eIpPort, "source.port", "-")
	n.move(eWorkstationName, "source.domain", "")
	if it := n.item(eClientAddress); it != nil && it.value != "-" {
		n.rel(relIP, it.value)
		it.gone = true
	}
	n.baseName("process.executable", "process.name")
}

// move sets key to event data item e and removes the item, unless its
// value is skip ("-" for "no value" where the pipeline ignores it).
func (n *Normalizer) move(e int, key, skip string) {
	if it := n.item(e); it != nil && (skip == "" || it.value != skip) {
		n.d.Set(key, event.Str(it.value))
		it.gone = true
	}
}

// moveLong is move for a long in Java's notation (decodeLong); a value
// that is not one is removed all the same.
func (n *Normalizer) moveLong(e int, key, skip string) {
	if it := n.item(e); it != nil && (skip == "" || it.value != skip) {
		if v, ok := decodeLong(it.value); ok {
			n.d.Set(key, event.Int(v))
		}
		it.gone = true
	}
}

// baseName sets key to the file name of the executable path at exeKey,
// unless key is set.
func (n *Normalizer) baseName(exeKey, key string) {
	if exe := n.str(exeKey); exe != "" && !n.has(key) {
		n.d.Set(key, event.Str(exe[strings.LastIndexByte(exe, '\\')+1:]))
	}
}

// process4688 is the pipeline's "Process Event 4688" step.
func (n *Normalizer) process4688() {
	d := n.d
	n.moveLong(eNewProcessId, "process.pid", "")
	n.move(eNewProcessName, "process.executable", "")
	n.move(eParentProcessName, "process.parent.executable", "")
	n.baseName("process.executable", "process.name")
	n.baseName("process.parent.executable", "process.parent.name")
	if v, ok := n.get(eProcessId); ok {
		if pid, ok := decodeLong(v); ok {
			d.Set("process.parent.pid", event.Int(pid))
		}
	}
	if v, ok := n.get(eCommandLine); ok {
		var buf [32]string
		args := splitNaive(v, buf[:0])
		d.Set("process.args", n.a.strArray(args))
		d.Set("process.command_line", event.Str(v))
	}
	if v, ok := n.get(eTargetUserName); ok && v != "-" {
		n.rel(relUser, v)
	}
}

// shareFile sets file.* for 5140 and 5145.
func (n *Normalizer) shareFile() {
	d := n.d
	name := n.val(eRelativeTargetName)
	dir := n.val(eShareLocalPath)
	if name != "" {
		d.Set("file.name", event.Str(name))
	}
	if dir != "" {
		d.Set("file.directory", event.Str(dir))
	}
	if name != "" && dir != "" {
		d.Set("file.path", event.Str(n.a.concat(dir, "\\", name)))
	}
	if share := n.val(eShareName); share != "" && name != "" {
		d.Set("file.target_path", event.Str(n.a.concat(share, "\\", name)))
	}
	if name != "" {
		if i := strings.LastIndexByte(name, '.'); i >= 0 {
			d.Set("file.extension", event.Str(name[i+1:]))
		}
	}
}

// describeCodes sets event data item name to the descriptions, from the
// message table, of the %%codes listed in field e (separated by sep).
func (n *Normalizer) describeCodes(e int, sep, name string) {
	v, ok := n.get(e)
	if !ok {
		return
	}
	var buf [16]string
	out := buf[:0]
	for p := range strings.SplitSeq(v, sep) {
		if s, ok := messageTable[strings.TrimSpace(n.a.dropPercents(p))]; ok {
			out = append(out, s)
		}
	}
	if len(out) > 0 {
		n.setItemValue(name, n.a.strArray(out))
	}
}
