package winlog

// Lookup tables transcribed from Elastic's ingest pipelines
// (elastic/integrations packages windows and system).

var dnsTypes = map[string]string{
	"1": "A", "2": "NS", "3": "MD", "4": "MF", "5": "CNAME", "6": "SOA", "7": "MB", "8": "MG", "9": "MR",
	"10": "NULL", "11": "WKS", "12": "PTR", "13": "HINFO", "14": "MINFO", "15": "MX", "16": "TXT", "17": "RP",
	"18": "AFSDB", "19": "X25", "20": "ISDN", "21": "RT", "22": "NSAP", "23": "NSAPPTR", "24": "SIG", "25": "KEY",
	"26": "PX", "27": "GPOS", "28": "AAAA", "29": "LOC", "30": "NXT", "31": "EID", "32": "NIMLOC", "33": "SRV",
	"34": "ATMA", "35": "NAPTR", "36": "KX", "37": "CERT", "38": "A6", "39": "DNAME", "40": "SINK", "41": "OPT",
	"43": "DS", "46": "RRSIG", "47": "NSEC", "48": "DNSKEY", "49": "DHCID", "100": "UINFO", "101": "UID",
	"102": "GID", "103": "UNSPEC", "248": "ADDRS", "249": "TKEY", "250": "TSIG", "251": "IXFR", "252": "AXFR",
	"253": "MAILB", "254": "MAILA", "255": "ANY", "65281": "WINS", "65282": "WINSR",
}

// dnsStatus is the Sysmon pipeline's QueryStatus table (the codes seen in
// practice; others stay numeric).
var dnsStatus = map[string]string{
	"0": "SUCCESS", "5": "ERROR_ACCESS_DENIED", "8": "ERROR_NOT_ENOUGH_MEMORY", "13": "ERROR_INVALID_DATA",
	"14": "ERROR_OUTOFMEMORY", "123": "ERROR_INVALID_NAME", "1214": "ERROR_INVALID_NETNAME",
	"1223": "ERROR_CANCELLED", "1460": "ERROR_TIMEOUT", "4312": "ERROR_OBJECT_NOT_FOUND",
	"9001": "DNS_ERROR_RCODE_FORMAT_ERROR", "9002": "DNS_ERROR_RCODE_SERVER_FAILURE",
	"9003": "DNS_ERROR_RCODE_NAME_ERROR", "9004": "DNS_ERROR_RCODE_NOT_IMPLEMENTED",
	"9005": "DNS_ERROR_RCODE_REFUSED", "9006": "DNS_ERROR_RCODE_YXDOMAIN", "9007": "DNS_ERROR_RCODE_YXRRSET",
	"9008": "DNS_ERROR_RCODE_NXRRSET", "9009": "DNS_ERROR_RCODE_NOTAUTH", "9010": "DNS_ERROR_RCODE_NOTZONE",
	"9016": "DNS_ERROR_RCODE_BADSIG", "9017": "DNS_ERROR_RCODE_BADKEY", "9018": "DNS_ERROR_RCODE_BADTIME",
	"9501": "DNS_INFO_NO_RECORDS", "9502": "DNS_ERROR_BAD_PACKET", "9503": "DNS_ERROR_NO_PACKET",
	"9504": "DNS_ERROR_RCODE", "9505": "DNS_ERROR_UNSECURE_PACKET", "9506": "DNS_REQUEST_PENDING",
	"9551": "DNS_ERROR_INVALID_TYPE", "9552": "DNS_ERROR_INVALID_IP_ADDRESS", "9553": "DNS_ERROR_INVALID_PROPERTY",
	"9554": "DNS_ERROR_TRY_AGAIN_LATER", "9555": "DNS_ERROR_NOT_UNIQUE", "9556": "DNS_ERROR_NON_RFC_NAME",
	"9557": "DNS_STATUS_FQDN", "9558": "DNS_STATUS_DOTTED_NAME", "9559": "DNS_STATUS_SINGLE_PART_NAME",
	"9560": "DNS_ERROR_INVALID_NAME_CHAR", "9561": "DNS_ERROR_NUMERIC_NAME",
	"9701": "DNS_ERROR_RECORD_DOES_NOT_EXIST", "9702": "DNS_ERROR_RECORD_FORMAT",
	"9714": "DNS_ERROR_NAME_DOES_NOT_EXIST", "9851": "DNS_ERROR_NO_TCPIP", "9852": "DNS_ERROR_NO_DNS_SERVERS",
	"10054": "WSAECONNRESET", "10055": "WSAENOBUFS", "10060": "WSAETIMEDOUT",
}

// securityCategories is the Security pipeline's categorization table.
var securityCategories = map[uint32]category{
	1100: cat(strs("process"), strs("end"), "logging-service-shutdown"),
	1102: cat(strs("iam"), strs("admin", "change"), "audit-log-cleared"),
	1104: cat(strs("iam"), strs("admin"), "logging-full"),
	1105: cat(strs("iam"), strs("admin"), "auditlog-archieved"),
	1108: cat(strs("iam"), strs("admin"), "logging-processing-error"),
	4610: cat(strs("configuration"), strs("access"), "authentication-package-loaded"),
	4611: cat(strs("configuration"), strs("change"), "trusted-logon-process-registered"),
	4614: cat(strs("configuration"), strs("access"), "notification-package-loaded"),
	4616: cat(strs("configuration"), strs("change"), "system-time-changed"),
	4622: cat(strs("configuration"), strs("access"), "security-package-loaded"),
	4624: cat(strs("authentication"), strs("start"), "logged-in"),
	4625: cat(strs("authentication"), strs("start"), "logon-failed"),
	4634: cat(strs("authentication"), strs("end"), "logged-out"),
	4647: cat(strs("authentication"), strs("end"), "logged-out"),
	4648: cat(strs("authentication"), strs("start"), "logged-in-explicit"),
	4657: cat(strs("registry", "configuration"), strs("change"), "registry-value-modified"),
	4670: cat(strs("iam", "configuration"), strs("admin", "change"), "permissions-changed"),
	4672: cat(strs("iam"), strs("admin"), "logged-in-special"),
	4673: cat(strs("iam"), strs("admin"), "privileged-service-called"),
	4674: cat(strs("iam"), strs("admin"), "privileged-operation"),
	4688: cat(strs("process"), strs("start"), "created-process"),
	4689: cat(strs("process"), strs("end"), "exited-process"),
	4697: cat(strs("iam", "configuration"), strs("admin", "change"), "service-installed"),
	4698: cat(strs("iam", "configuration"), strs("creation", "admin"), "scheduled-task-created"),
	4699: cat(strs("iam", "configuration"), strs("deletion", "admin"), "scheduled-task-deleted"),
	4700: cat(strs("iam", "configuration"), strs("change", "admin"), "scheduled-task-enabled"),
	4701: cat(strs("iam", "configuration"), strs("change", "admin"), "scheduled-task-disabled"),
	4702: cat(strs("iam", "configuration"), strs("change", "admin"), "scheduled-task-updated"),
	4706: cat(strs("configuration"), strs("creation"), "domain-trust-added"),
	4707: cat(strs("configuration"), strs("deletion"), "domain-trust-removed"),
	4713: cat(strs("configuration"), strs("change"), "kerberos-policy-changed"),
	4714: cat(strs("configuration"), strs("change"), "encrypted-data-recovery-policy-changed"),
	4715: cat(strs("configuration"), strs("change"), "object-audit-policy-changed"),
	4716: cat(strs("configuration"), strs("change"), "trusted-domain-information-changed"),
	4717: cat(strs("iam", "configuration"), strs("admin", "change"), "system-security-access-granted"),
	4718: cat(strs("iam", "configuration"), strs("admin", "deletion"), "system-security-access-removed"),
	4719: cat(strs("iam", "configuration"), strs("admin", "change"), "changed-audit-config"),
	4720: cat(strs("iam"), strs("user", "creation"), "added-user-account"),
	4722: cat(strs("iam"), strs("user", "change"), "enabled-user-account"),
	4723: cat(strs("iam"), strs("user", "change"), "changed-password"),
	4724: cat(strs("iam"), strs("user", "change"), "reset-password"),
	4725: cat(strs("iam"), strs("user", "deletion"), "disabled-user-account"),
	4726: cat(strs("iam"), strs("user", "deletion"), "deleted-user-account"),
	4727: cat(strs("iam"), strs("group", "creation"), "added-group-account"),
	4728: cat(strs("iam"), strs("group", "change"), "added-member-to-group"),
	4729: cat(strs("iam"), strs("group", "change"), "removed-member-from-group"),
	4730: cat(strs("iam"), strs("group", "deletion"), "deleted-group-account"),
	4731: cat(strs("iam"), strs("group", "creation"), "added-group-account"),
	4732: cat(strs("iam"), strs("group", "change"), "added-member-to-group"),
	4733: cat(strs("iam"), strs("group", "change"), "removed-member-from-group"),
	4734: cat(strs("iam"), strs("group", "deletion"), "deleted-group-account"),
	4735: cat(strs("iam"), strs("group", "change"), "modified-group-account"),
	4737: cat(strs("iam"), strs("group", "change"), "modified-group-account"),
	4738: cat(strs("iam"), strs("user", "change"), "modified-user-account"),
	4739: cat(strs("configuration"), strs("change"), "domain-policy-changed"),
	4740: cat(strs("iam"), strs("user", "change"), "locked-out-user-account"),
	4741: cat(strs("iam"), strs("creation", "admin"), "added-computer-account"),
	4742: cat(strs("iam"), strs("change", "admin"), "changed-computer-account"),
	4743: cat(strs("iam"), strs("deletion", "admin"), "deleted-computer-account"),
	4744: cat(strs("iam"), strs("group", "creation"), "added-distribution-group-account"),
	4745: cat(strs("iam"), strs("group", "change"), "changed-distribution-group-account"),
	4746: cat(strs("iam"), strs("group", "change"), "added-member-to-distribution-group"),
	4747: cat(strs("iam"), strs("group", "change"), "removed-member-from-distribution-group"),
	4748: cat(strs("iam"), strs("group", "deletion"), "deleted-distribution-group-account"),
	4749: cat(strs("iam"), strs("group", "creation"), "added-distribution-group-account"),
	4750: cat(strs("iam"), strs("group", "change"), "changed-distribution-group-account"),
	4751: cat(strs("iam"), strs("group", "change"), "added-member-to-distribution-group"),
	4752: cat(strs("iam"), strs("group", "change"), "removed-member-from-distribution-group"),
	4753: cat(strs("iam"), strs("group", "deletion"), "deleted-distribution-group-account"),
	4754: cat(strs("iam"), strs("group", "creation"), "added-group-account"),
	4755: cat(strs("iam"), strs("group", "change"), "modified-group-account"),
	4756: cat(strs("iam"), strs("group", "change"), "added-member-to-group"),
	4757: cat(strs("iam"), strs("group", "change"), "removed-member-from-group"),
	4758: cat(strs("iam"), strs("group", "deletion"), "deleted-group-account"),
	4759: cat(strs("iam"), strs("group", "creation"), "added-distribution-group-account"),
	4760: cat(strs("iam"), strs("group", "change"), "changed-distribution-group-account"),
	4761: cat(strs("iam"), strs("group", "change"), "added-member-to-distribution-group"),
	4762: cat(strs("iam"), strs("group", "change"), "removed-member-from-distribution-group"),
	4763: cat(strs("iam"), strs("group", "deletion"), "deleted-distribution-group-account"),
	4764: cat(strs("iam"), strs("group", "change"), "type-changed-group-account"),
	4767: cat(strs("iam"), strs("user", "change"), "unlocked-user-account"),
	4768: cat(strs("authentication"), strs("start"), "kerberos-authentication-ticket-requested"),
	4769: cat(strs("authentication"), strs("start"), "kerberos-service-ticket-requested"),
	4770: cat(strs("authentication"), strs("start"), "kerberos-service-ticket-renewed"),
	4771: cat(strs("authentication"), strs("start"), "kerberos-preauth-failed"),
	4776: cat(strs("authentication"), strs("start"), "credential-validated"),
	4778: cat(strs("authentication", "session"), strs("start"), "session-reconnected"),
	4779: cat(strs("authentication", "session"), strs("end"), "session-disconnected"),
	4781: cat(strs("iam"), strs("user", "change"), "renamed-user-account"),
	4798: cat(strs("iam"), strs("user", "info"), "group-membership-enumerated"),
	4799: cat(strs("iam"), strs("group", "info"), "user-member-enumerated"),
	4817: cat(strs("iam", "configuration"), strs("admin", "change"), "object-audit-changed"),
	4902: cat(strs("iam", "configuration"), strs("admin", "creation"), "user-audit-policy-created"),
	4904: cat(strs("iam", "configuration"), strs("admin", "change"), "security-event-source-added"),
	4905: cat(strs("iam", "configuration"), strs("admin", "deletion"), "security-event-source-removed"),
	4906: cat(strs("iam", "configuration"), strs("admin", "change"), "crash-on-audit-changed"),
	4907: cat(strs("iam", "configuration"), strs("admin", "change"), "audit-setting-changed"),
	4908: cat(strs("iam", "configuration"), strs("admin", "change"), "special-group-table-changed"),
	4912: cat(strs("iam", "configuration"), strs("admin", "change"), "per-user-audit-policy-changed"),
	4950: cat(strs("configuration"), strs("change"), "windows-firewall-setting-changed"),
	4954: cat(strs("configuration"), strs("change"), "windows-firewall-group-policy-changed"),
	4964: cat(strs("iam"), strs("admin", "group"), "logged-in-special"),
	5024: cat(strs("process"), strs("start"), "windows-firewall-service-started"),
	5025: cat(strs("process"), strs("end"), "windows-firewall-service-stopped"),
	5033: cat(strs("driver"), strs("start"), "windows-firewall-driver-started"),
	5034: cat(strs("driver"), strs("end"), "windows-firewall-driver-stopped"),
	5037: cat(strs("driver"), strs("end"), "windows-firewall-driver-error"),
	5140: cat(strs("network", "file"), strs("info", "access"), "network-share-object-accessed"),
	5145: cat(strs("network", "file"), strs("info", "access"), "network-share-object-access-checked"),
}

var logonTypes = map[string]string{
	"2": "Interactive", "3": "Network", "4": "Batch", "5": "Service", "7": "Unlock",
	"8": "NetworkCleartext", "9": "NewCredentials", "10": "RemoteInteractive", "11": "CachedInteractive",
}

// flagName is a bit flag and its name, in the order of the pipeline's
// parameter map (which is iterated in Java HashMap order; see flagOrder).
type flagName struct {
	key  string
	flag int64
	name string
}

var uacFlags = []flagName{
	{"0x00000001", 0x1, "SCRIPT"}, {"0x00000002", 0x2, "ACCOUNTDISABLE"}, {"0x00000008", 0x8, "HOMEDIR_REQUIRED"},
	{"0x00000010", 0x10, "LOCKOUT"}, {"0x00000020", 0x20, "PASSWD_NOTREQD"}, {"0x00000040", 0x40, "PASSWD_CANT_CHANGE"},
	{"0x00000080", 0x80, "ENCRYPTED_TEXT_PWD_ALLOWED"}, {"0x00000100", 0x100, "TEMP_DUPLICATE_ACCOUNT"},
	{"0x00000200", 0x200, "NORMAL_ACCOUNT"}, {"0x00000800", 0x800, "INTERDOMAIN_TRUST_ACCOUNT"},
	{"0x00001000", 0x1000, "WORKSTATION_TRUST_ACCOUNT"}, {"0x00002000", 0x2000, "SERVER_TRUST_ACCOUNT"},
	{"0x00010000", 0x10000, "DONT_EXPIRE_PASSWORD"}, {"0x00020000", 0x20000, "MNS_LOGON_ACCOUNT"},
	{"0x00040000", 0x40000, "SMARTCARD_REQUIRED"}, {"0x00080000", 0x80000, "TRUSTED_FOR_DELEGATION"},
	{"0x00100000", 0x100000, "NOT_DELEGATED"}, {"0x00200000", 0x200000, "USE_DES_KEY_ONLY"},
	{"0x00400000", 0x400000, "DONT_REQ_PREAUTH"}, {"0x00800000", 0x800000, "PASSWORD_EXPIRED"},
	{"0x01000000", 0x1000000, "TRUSTED_TO_AUTH_FOR_DELEGATION"}, {"0x04000000", 0x4000000, "PARTIAL_SECRETS_ACCOUNT"},
}

var ticketFlags = []flagName{
	{"0x40000000", 0x40000000, "Forwardable"}, {"0x20000000", 0x20000000, "Forwarded"},
	{"0x10000000", 0x10000000, "Proxiable"}, {"0x08000000", 0x08000000, "Proxy"},
	{"0x04000000", 0x04000000, "Allow-postdate"}, {"0x02000000", 0x02000000, "Postdated"},
	{"0x01000000", 0x01000000, "Invalid"}, {"0x00800000", 0x00800000, "Renewable"},
	{"0x00400000", 0x00400000, "Initial"}, {"0x00200000", 0x00200000, "Pre-authent"},
	{"0x00100000", 0x00100000, "Opt-hardware-auth"}, {"0x00080000", 0x00080000, "Transited-policy-checked"},
	{"0x00040000", 0x00040000, "Ok-as-delegate"}, {"0x00020000", 0x00020000, "Request-anonymous"},
	{"0x00010000", 0x00010000, "Name-canonicalize"}, {"0x00000020", 0x20, "Disable-transited-check"},
	{"0x00000010", 0x10, "Renewable-ok"}, {"0x00000008", 0x8, "Enc-tkt-in-skey"},
	{"0x00000002", 0x2, "Renew"}, {"0x00000001", 0x1, "Validate"},
}

// flagOrder sorts flags in place into Java HashMap iteration order of
// their keys.
func flagOrder(fs []flagName) []flagName {
	keys := make([]string, len(fs))
	for i, f := range fs {
		keys[i] = f.key
	}
	order := make([]int, len(fs))
	javaHashOrder(keys, order)
	out := make([]flagName, len(fs))
	for i, j := range order {
		out[i] = fs[j]
	}
	return out
}

var (
	uacFlagsOrdered    = flagOrder(uacFlags)
	ticketFlagsOrdered = flagOrder(ticketFlags)
)

var encryptionTypes = map[string]string{
	"0x1": "DES-CBC-CRC", "0x3": "DES-CBC-MD5", "0x11": "AES128-CTS-HMAC-SHA1-96",
	"0x12": "AES256-CTS-HMAC-SHA1-96", "0x17": "RC4-HMAC", "0x18": "RC4-HMAC-EXP", "0xffffffff": "FAIL",
}

var kerberosStatus = map[string]string{
	"0x0": "KDC_ERR_NONE", "0x1": "KDC_ERR_NAME_EXP", "0x2": "KDC_ERR_SERVICE_EXP", "0x3": "KDC_ERR_BAD_PVNO",
	"0x4": "KDC_ERR_C_OLD_MAST_KVNO", "0x5": "KDC_ERR_S_OLD_MAST_KVNO", "0x6": "KDC_ERR_C_PRINCIPAL_UNKNOWN",
	"0x7": "KDC_ERR_S_PRINCIPAL_UNKNOWN", "0x8": "KDC_ERR_PRINCIPAL_NOT_UNIQUE", "0x9": "KDC_ERR_NULL_KEY",
	"0xA": "KDC_ERR_CANNOT_POSTDATE", "0xB": "KDC_ERR_NEVER_VALID", "0xC": "KDC_ERR_POLICY",
	"0xD": "KDC_ERR_BADOPTION", "0xE": "KDC_ERR_ETYPE_NOTSUPP", "0xF": "KDC_ERR_SUMTYPE_NOSUPP",
	"0x10": "KDC_ERR_PADATA_TYPE_NOSUPP", "0x11": "KDC_ERR_TRTYPE_NO_SUPP", "0x12": "KDC_ERR_CLIENT_REVOKED",
	"0x13": "KDC_ERR_SERVICE_REVOKED", "0x14": "KDC_ERR_TGT_REVOKED", "0x15": "KDC_ERR_CLIENT_NOTYET",
	"0x16": "KDC_ERR_SERVICE_NOTYET", "0x17": "KDC_ERR_KEY_EXPIRED", "0x18": "KDC_ERR_PREAUTH_FAILED",
	"0x19": "KDC_ERR_PREAUTH_REQUIRED", "0x1A": "KDC_ERR_SERVER_NOMATCH", "0x1B": "KDC_ERR_MUST_USE_USER2USER",
	"0x1F": "KRB_AP_ERR_BAD_INTEGRITY", "0x20": "KRB_AP_ERR_TKT_EXPIRED", "0x21": "KRB_AP_ERR_TKT_NYV",
	"0x22": "KRB_AP_ERR_REPEAT", "0x23": "KRB_AP_ERR_NOT_US", "0x24": "KRB_AP_ERR_BADMATCH",
	"0x25": "KRB_AP_ERR_SKEW", "0x26": "KRB_AP_ERR_BADADDR", "0x27": "KRB_AP_ERR_BADVERSION",
	"0x28": "KRB_AP_ERR_MSG_TYPE", "0x29": "KRB_AP_ERR_MODIFIED", "0x2A": "KRB_AP_ERR_BADORDER",
	"0x2C": "KRB_AP_ERR_BADKEYVER", "0x2D": "KRB_AP_ERR_NOKEY", "0x2E": "KRB_AP_ERR_MUT_FAIL",
	"0x2F": "KRB_AP_ERR_BADDIRECTION", "0x30": "KRB_AP_ERR_METHOD", "0x31": "KRB_AP_ERR_BADSEQ",
	"0x32": "KRB_AP_ERR_INAPP_CKSUM", "0x33": "KRB_AP_PATH_NOT_ACCEPTED", "0x34": "KRB_ERR_RESPONSE_TOO_BIG",
	"0x3C": "KRB_ERR_GENERIC", "0x3D": "KRB_ERR_FIELD_TOOLONG", "0x3E": "KDC_ERR_CLIENT_NOT_TRUSTED",
	"0x3F": "KDC_ERR_KDC_NOT_TRUSTED", "0x40": "KDC_ERR_INVALID_SIG", "0x41": "KDC_ERR_KEY_TOO_WEAK",
	"0x42": "KRB_AP_ERR_USER_TO_USER_REQUIRED", "0x43": "KRB_AP_ERR_NO_TGT", "0x44": "KDC_ERR_WRONG_REALM",
}

var serviceTypes = map[string]string{
	"0x1": "Kernel Driver", "0x2": "File System Driver", "0x8": "Recognizer Driver", "0x10": "Win32 Own Process",
	"0x20": "Win32 Share Process", "0x110": "Interactive Own Process", "0x120": "Interactive Share Process",
}

// auditSubcategories maps SubcategoryGuid to [subcategory, category].
var auditSubcategories = map[string][2]string{
	"0CCE9210-69AE-11D9-BED3-505054503030": {"Security State Change", "System"},
	"0CCE9211-69AE-11D9-BED3-505054503030": {"Security System Extension", "System"},
	"0CCE9212-69AE-11D9-BED3-505054503030": {"System Integrity", "System"},
	"0CCE9213-69AE-11D9-BED3-505054503030": {"IPsec Driver", "System"},
	"0CCE9214-69AE-11D9-BED3-505054503030": {"Other System Events", "System"},
	"0CCE9215-69AE-11D9-BED3-505054503030": {"Logon", "Logon/Logoff"},
	"0CCE9216-69AE-11D9-BED3-505054503030": {"Logoff", "Logon/Logoff"},
	"0CCE9217-69AE-11D9-BED3-505054503030": {"Account Lockout", "Logon/Logoff"},
	"0CCE9218-69AE-11D9-BED3-505054503030": {"IPsec Main Mode", "Logon/Logoff"},
	"0CCE9219-69AE-11D9-BED3-505054503030": {"IPsec Quick Mode", "Logon/Logoff"},
	"0CCE921A-69AE-11D9-BED3-505054503030": {"IPsec Extended Mode", "Logon/Logoff"},
	"0CCE921B-69AE-11D9-BED3-505054503030": {"Special Logon", "Logon/Logoff"},
	"0CCE921C-69AE-11D9-BED3-505054503030": {"Other Logon/Logoff Events", "Logon/Logoff"},
	"0CCE9243-69AE-11D9-BED3-505054503030": {"Network Policy Server", "Logon/Logoff"},
	"0CCE9247-69AE-11D9-BED3-505054503030": {"User / Device Claims", "Logon/Logoff"},
	"0CCE921D-69AE-11D9-BED3-505054503030": {"File System", "Object Access"},
	"0CCE921E-69AE-11D9-BED3-505054503030": {"Registry", "Object Access"},
	"0CCE921F-69AE-11D9-BED3-505054503030": {"Kernel Object", "Object Access"},
	"0CCE9220-69AE-11D9-BED3-505054503030": {"SAM", "Object Access"},
	"0CCE9221-69AE-11D9-BED3-505054503030": {"Certification Services", "Object Access"},
	"0CCE9222-69AE-11D9-BED3-505054503030": {"Application Generated", "Object Access"},
	"0CCE9223-69AE-11D9-BED3-505054503030": {"Handle Manipulation", "Object Access"},
	"0CCE9224-69AE-11D9-BED3-505054503030": {"File Share", "Object Access"},
	"0CCE9225-69AE-11D9-BED3-505054503030": {"Filtering Platform Packet Drop", "Object Access"},
	"0CCE9226-69AE-11D9-BED3-505054503030": {"Filtering Platform Connection ", "Object Access"},
	"0CCE9227-69AE-11D9-BED3-505054503030": {"Other Object Access Events", "Object Access"},
	"0CCE9244-69AE-11D9-BED3-505054503030": {"Detailed File Share", "Object Access"},
	"0CCE9245-69AE-11D9-BED3-505054503030": {"Removable Storage", "Object Access"},
	"0CCE9246-69AE-11D9-BED3-505054503030": {"Central Policy Staging", "Object Access"},
	"0CCE9228-69AE-11D9-BED3-505054503030": {"Sensitive Privilege Use", "Privilege Use"},
	"0CCE9229-69AE-11D9-BED3-505054503030": {"Non Sensitive Privilege Use", "Privilege Use"},
	"0CCE922A-69AE-11D9-BED3-505054503030": {"Other Privilege Use Events", "Privilege Use"},
	"0CCE922B-69AE-11D9-BED3-505054503030": {"Process Creation", "Detailed Tracking"},
	"0CCE922C-69AE-11D9-BED3-505054503030": {"Process Termination", "Detailed Tracking"},
	"0CCE922D-69AE-11D9-BED3-505054503030": {"DPAPI Activity", "Detailed Tracking"},
	"0CCE922E-69AE-11D9-BED3-505054503030": {"RPC Events", "Detailed Tracking"},
	"0CCE9248-69AE-11D9-BED3-505054503030": {"Plug and Play Events", "Detailed Tracking"},
	"0CCE922F-69AE-11D9-BED3-505054503030": {"Audit Policy Change", "Policy Change"},
	"0CCE9230-69AE-11D9-BED3-505054503030": {"Authentication Policy Change", "Policy Change"},
	"0CCE9231-69AE-11D9-BED3-505054503030": {"Authorization Policy Change", "Policy Change"},
	"0CCE9232-69AE-11D9-BED3-505054503030": {"MPSSVC Rule-Level Policy Change", "Policy Change"},
	"0CCE9233-69AE-11D9-BED3-505054503030": {"Filtering Platform Policy Change", "Policy Change"},
	"0CCE9234-69AE-11D9-BED3-505054503030": {"Other Policy Change Events", "Policy Change"},
	"0CCE9235-69AE-11D9-BED3-505054503030": {"User Account Management", "Account Management"},
	"0CCE9236-69AE-11D9-BED3-505054503030": {"Computer Account Management", "Account Management"},
	"0CCE9237-69AE-11D9-BED3-505054503030": {"Security Group Management", "Account Management"},
	"0CCE9238-69AE-11D9-BED3-505054503030": {"Distribution Group Management", "Account Management"},
	"0CCE9239-69AE-11D9-BED3-505054503030": {"Application Group Management", "Account Management"},
	"0CCE923A-69AE-11D9-BED3-505054503030": {"Other Account Management Events", "Account Management"},
	"0CCE923B-69AE-11D9-BED3-505054503030": {"Directory Service Access", "Account Management"},
	"0CCE923C-69AE-11D9-BED3-505054503030": {"Directory Service Changes", "Account Management"},
	"0CCE923D-69AE-11D9-BED3-505054503030": {"Directory Service Replication", "Account Management"},
	"0CCE923E-69AE-11D9-BED3-505054503030": {"Detailed Directory Service Replication", "Account Management"},
	"0CCE923F-69AE-11D9-BED3-505054503030": {"Credential Validation", "Account Logon"},
	"0CCE9240-69AE-11D9-BED3-505054503030": {"Kerberos Service Ticket Operations", "Account Logon"},
	"0CCE9241-69AE-11D9-BED3-505054503030": {"Other Account Logon Events", "Account Logon"},
	"0CCE9242-69AE-11D9-BED3-505054503030": {"Kerberos Authentication Service", "Account Logon"},
}

// messageTable is the part of the Security pipeline's msobjs.dll message
// table that vigil carries: access rights, logon failure reasons, audit
// policy changes and the task categories (which also name EVTX tasks).
var messageTable = map[string]string{
	"1537": "DELETE", "1538": "READ_CONTROL", "1539": "WRITE_DAC", "1540": "WRITE_OWNER", "1541": "SYNCHRONIZE",
	"1542": "ACCESS_SYS_SEC", "1543": "MAX_ALLOWED",
	"1832": "Identification", "1833": "Impersonation", "1840": "Delegation", "1842": "Yes", "1843": "No",
	"1936": "TokenElevationTypeDefault (1)", "1937": "TokenElevationTypeFull (2)", "1938": "TokenElevationTypeLimited (3)",
	"2304": "An Error occured during Logon.", "2305": "The specified user account has expired.",
	"2306": "The NetLogon component is not active.", "2307": "Account locked out.",
	"2308": "The user has not been granted the requested logon type at this machine.",
	"2309": "The specified account's password has expired.", "2310": "Account currently disabled.",
	"2311": "Account logon time restriction violation.", "2312": "User not allowed to logon at this computer.",
	"2313": "Unknown user name or bad password.", "2314": "Domain sid inconsistent.",
	"2315": "Smartcard logon is required and was not used.",
	"4416": "ReadData (or ListDirectory)", "4417": "WriteData (or AddFile)",
	"4418": "AppendData (or AddSubdirectory or CreatePipeInstance)", "4419": "ReadEA", "4420": "WriteEA",
	"4421": "Execute/Traverse", "4422": "DeleteChild", "4423": "ReadAttributes", "4424": "WriteAttributes",
	"8448": "Success removed", "8449": "Success Added", "8450": "Failure removed", "8451": "Failure Added",
	"8452": "Success include removed", "8453": "Success include added", "8454": "Success exclude removed",
	"8455": "Success exclude added", "8456": "Failure include removed", "8457": "Failure include added",
	"8458": "Failure exclude removed", "8459": "Failure exclude added",
	"12288": "Security State Change", "12289": "Security System Extension", "12290": "System Integrity",
	"12291": "IPsec Driver", "12292": "Other System Events",
	"12544": "Logon", "12545": "Logoff", "12546": "Account Lockout", "12547": "IPsec Main Mode",
	"12548": "Special Logon", "12549": "IPsec Quick Mode", "12550": "IPsec Extended Mode",
	"12551": "Other Logon/Logoff Events", "12552": "Network Policy Server", "12553": "User / Device Claims",
	"12554": "Group Membership",
	"12800": "File System", "12801": "Registry", "12802": "Kernel Object", "12803": "SAM",
	"12804": "Other Object Access Events", "12805": "Certification Services", "12806": "Application Generated",
	"12807": "Handle Manipulation", "12808": "File Share", "12809": "Filtering Platform Packet Drop",
	"12810": "Filtering Platform Connection", "12811": "Detailed File Share", "12812": "Removable Storage",
	"12813": "Central Policy Staging",
	"13056": "Sensitive Privilege Use", "13057": "Non Sensitive Privilege Use", "13058": "Other Privilege Use Events",
	"13312": "Process Creation", "13313": "Process Termination", "13314": "DPAPI Activity", "13315": "RPC Events",
	"13316": "Plug and Play Events", "13317": "Token Right Adjusted Events",
	"13568": "Audit Policy Change", "13569": "Authentication Policy Change", "13570": "Authorization Policy Change",
	"13571": "MPSSVC Rule-Level Policy Change", "13572": "Filtering Platform Policy Change",
	"13573": "Other Policy Change Events",
	"13824": "User Account Management", "13825": "Computer Account Management", "13826": "Security Group Management",
	"13827": "Distribution Group Management", "13828": "Application Group Management",
	"13829": "Other Account Management Events",
	"14080": "Directory Service Access", "14081": "Directory Service Changes", "14082": "Directory Service Replication",
	"14083": "Detailed Directory Service Replication",
	"14336": "Credential Validation", "14337": "Kerberos Service Ticket Operations",
	"14338": "Other Account Logon Events", "14339": "Kerberos Authentication Service",
	"14592": "Inbound", "14593": "Outbound", "14610": "Receive/Accept", "14611": "Connect",
}

var accessMaskFlags = []flagName{
	{"0x00000001", 0x1, "Create Child"}, {"0x00000002", 0x2, "Delete Child"}, {"0x00000004", 0x4, "List Contents"},
	{"0x00000008", 0x8, "SELF"}, {"0x00000010", 0x10, "Read Property"}, {"0x00000020", 0x20, "Write Property"},
	{"0x00000040", 0x40, "Delete Treee"}, {"0x00000080", 0x80, "List Object"}, {"0x00000100", 0x100, "Control Access"},
	{"0x00010000", 0x10000, "DELETE"}, {"0x00020000", 0x20000, "READ_CONTROL"}, {"0x00040000", 0x40000, "WRITE_DAC"},
	{"0x00080000", 0x80000, "WRITE_OWNER"}, {"0x00100000", 0x100000, "SYNCHRONIZE"},
	{"0x00F00000", 0xF00000, "STANDARD_RIGHTS_REQUIRED"}, {"0x001F0000", 0x1F0000, "STANDARD_RIGHTS_ALL"},
	{"0x0000FFFF", 0xFFFF, "SPECIFIC_RIGHTS_ALL"}, {"0x01000000", 0x1000000, "ADS_RIGHT_ACCESS_SYSTEM_SECURITY"},
	{"0x10000000", 0x10000000, "ADS_RIGHT_GENERIC_ALL"}, {"0x20000000", 0x20000000, "ADS_RIGHT_GENERIC_EXECUTE"},
	{"0x40000000", 0x40000000, "ADS_RIGHT_GENERIC_WRITE"}, {"0x80000000", 0x80000000, "ADS_RIGHT_GENERIC_READ"},
}

var accessMaskFlagsOrdered = flagOrder(accessMaskFlags)

var logonFailureStatus = map[string]string{
	"0xc000005e": "There are currently no logon servers available to service the logon request.",
	"0xc0000064": "User logon with misspelled or bad user account",
	"0xc000006a": "User logon with misspelled or bad password",
	"0xc000006d": "This is either due to a bad username or authentication information",
	"0xc000006e": "Unknown user name or bad password.",
	"0xc000006f": "User logon outside authorized hours",
	"0xc0000070": "User logon from unauthorized workstation",
	"0xc0000071": "User logon with expired password",
	"0xc0000072": "User logon to account disabled by administrator",
	"0xc00000dc": "Indicates the Sam Server was in the wrong state to perform the desired operation.",
	"0xc0000133": "Clocks between DC and other computer too far out of sync",
	"0xc000015b": "The user has not been granted the requested logon type (aka logon right) at this machine",
	"0xc000018c": "The logon request failed because the trust relationship between the primary domain and the trusted domain failed.",
	"0xc0000192": "An attempt was made to logon, but the Netlogon service was not started.",
	"0xc0000193": "User logon with expired account",
	"0xc0000224": "User is required to change password at next logon",
	"0xc0000225": "Evidently a bug in Windows and not a risk",
	"0xc0000234": "User logon with account locked",
	"0xc00002ee": "Failure Reason: An Error occurred during Logon",
	"0xc0000413": "Logon Failure: The machine you are logging onto is protected by an authentication firewall. The specified account is not allowed to authenticate to the machine.",
	"0xc0000371": "The local account store does not contain secret material for the specified account",
	"0x0":        "Status OK.",
}

var trustTypes = map[string]string{"1": "TRUST_TYPE_DOWNLEVEL", "2": "TRUST_TYPE_UPLEVEL", "3": "TRUST_TYPE_MIT", "4": "TRUST_TYPE_DCE"}

var trustDirections = map[string]string{
	"0": "TRUST_DIRECTION_DISABLED", "1": "TRUST_DIRECTION_INBOUND", "2": "TRUST_DIRECTION_OUTBOUND",
	"3": "TRUST_DIRECTION_BIDIRECTIONAL",
}

var trustAttributes = map[string]string{
	"0": "UNDEFINED", "1": "TRUST_ATTRIBUTE_NON_TRANSITIVE", "2": "TRUST_ATTRIBUTE_UPLEVEL_ONLY",
	"4": "TRUST_ATTRIBUTE_QUARANTINED_DOMAIN", "8": "TRUST_ATTRIBUTE_FOREST_TRANSITIVE",
	"16": "TRUST_ATTRIBUTE_CROSS_ORGANIZATION", "32": "TRUST_ATTRIBUTE_WITHIN_FOREST",
	"64": "TRUST_ATTRIBUTE_TREAT_AS_EXTERNAL", "128": "TRUST_ATTRIBUTE_USES_RC4_ENCRYPTION",
	"512": "TRUST_ATTRIBUTE_CROSS_ORGANIZATION_NO_TGT_DELEGATION", "1024": "TRUST_ATTRIBUTE_PIM_TRUST",
}

// sysmonTasks names Sysmon's tasks (task number = event id), as Windows
// renders them, for records read from EVTX files.
var sysmonTasks = [256]string{
	1: "Process Create (rule: ProcessCreate)", 2: "File creation time changed (rule: FileCreateTime)",
	3: "Network connection detected (rule: NetworkConnect)", 4: "Sysmon service state changed",
	5: "Process terminated (rule: ProcessTerminate)", 6: "Driver loaded (rule: DriverLoad)",
	7: "Image loaded (rule: ImageLoad)", 8: "CreateRemoteThread detected (rule: CreateRemoteThread)",
	9: "RawAccessRead detected (rule: RawAccessRead)", 10: "Process accessed (rule: ProcessAccess)",
	11: "File created (rule: FileCreate)", 12: "Registry object added or deleted (rule: RegistryEvent)",
	13: "Registry value set (rule: RegistryEvent)", 14: "Registry object renamed (rule: RegistryEvent)",
	15: "File stream created (rule: FileCreateStreamHash)", 16: "Sysmon config state changed",
	17: "Pipe Created (rule: PipeEvent)", 18: "Pipe Connected (rule: PipeEvent)",
	19: "WmiEventFilter activity detected (rule: WmiEvent)", 20: "WmiEventConsumer activity detected (rule: WmiEvent)",
	21: "WmiEventConsumerToFilter activity detected (rule: WmiEvent)", 22: "Dns query (rule: DnsQuery)",
	23: "File Delete archived (rule: FileDelete)", 24: "Clipboard changed (rule: ClipboardChange)",
	25: "Process Tampering (rule: ProcessTampering)", 26: "File Delete logged (rule: FileDeleteDetected)",
	27: "File Block Executable (rule: FileBlockExecutable)", 28: "File Block Shredding (rule: FileBlockShredding)",
	29: "File Executable Detected (rule: FileExecutableDetected)", 255: "Error report",
}
