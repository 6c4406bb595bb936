package sigma

import (
	"slices"
	"strconv"

	"github.com/vigilsec/vigil/match"
)

// Logsources of product windows, as SigmaHQ's taxonomy appendix and its
// regression test configuration define them: a category is a set of
// (channel, event ids) selections, a service a channel.

const (
	chSysmon     = "Microsoft-Windows-Sysmon/Operational"
	chSecurity   = "Security"
	chPSOp       = "Microsoft-Windows-PowerShell/Operational"
	chPSClassic  = "Windows PowerShell"
	chKernelFile = "Microsoft-Windows-Kernel-File/Analytic"
)

// selection is one channel and the event ids read from it (none: all).
type selection struct {
	channel string
	ids     []int
}

func sysmon(ids ...int) []selection { return []selection{{chSysmon, ids}} }

// windowsCategories maps a category to its selections.
var windowsCategories = map[string][]selection{
	"process_creation":          {{chSysmon, []int{1}}, {chSecurity, []int{4688}}},
	"file_change":               sysmon(2),
	"network_connection":        sysmon(3),
	"sysmon_status":             sysmon(4, 16),
	"process_termination":       sysmon(5),
	"driver_load":               sysmon(6),
	"image_load":                sysmon(7),
	"create_remote_thread":      sysmon(8),
	"raw_access_thread":         sysmon(9),
	"process_access":            sysmon(10),
	"file_event":                sysmon(11),
	"registry_add":              sysmon(12),
	"registry_delete":           sysmon(12),
	"registry_event":            sysmon(12, 13, 14),
	"registry_set":              sysmon(13),
	"registry_rename":           sysmon(14),
	"create_stream_hash":        sysmon(15),
	"pipe_created":              sysmon(17, 18),
	"wmi_event":                 sysmon(19, 20, 21),
	"dns_query":                 sysmon(22),
	"file_delete":               sysmon(23, 26),
	"clipboard_capture":         sysmon(24),
	"process_tampering":         sysmon(25),
	"file_delete_detected":      sysmon(26),
	"file_block_executable":     sysmon(27),
	"file_block_shredding":      sysmon(28),
	"file_executable_detected":  sysmon(29),
	"sysmon_error":              sysmon(255),
	"ps_module":                 {{chPSOp, []int{4103}}},
	"ps_script":                 {{chPSOp, []int{4104}}},
	"ps_classic_start":          {{chPSClassic, []int{400}}},
	"ps_classic_provider_start": {{chPSClassic, []int{600}}},
	"ps_classic_script":         {{chPSClassic, []int{800}}},
	"file_access":               {{chKernelFile, nil}},
	"file_rename":               {{chKernelFile, nil}},
}

// windowsServices maps a service to its channels.
var windowsServices = map[string][]string{
	"security":                             {"Security"},
	"system":                               {"System"},
	"application":                          {"Application"},
	"sysmon":                               {chSysmon},
	"powershell":                           {chPSOp},
	"powershell-classic":                   {chPSClassic},
	"taskscheduler":                        {"Microsoft-Windows-TaskScheduler/Operational"},
	"wmi":                                  {"Microsoft-Windows-WMI-Activity/Operational"},
	"dns-server":                           {"DNS Server"},
	"dns-server-analytic":                  {"Microsoft-Windows-DNS-Server/Analytical"},
	"dns-server-audit":                     {"Microsoft-Windows-DNS-Server/Audit"},
	"dns-client":                           {"Microsoft-Windows-DNS Client Events/Operational"},
	"driver-framework":                     {"Microsoft-Windows-DriverFrameworks-UserMode/Operational"},
	"ntlm":                                 {"Microsoft-Windows-NTLM/Operational"},
	"dhcp":                                 {"Microsoft-Windows-DHCP-Server/Operational"},
	"msexchange-management":                {"MSExchange Management"},
	"printservice-admin":                   {"Microsoft-Windows-PrintService/Admin"},
	"printservice-operational":             {"Microsoft-Windows-PrintService/Operational"},
	"smbclient-security":                   {"Microsoft-Windows-SmbClient/Security"},
	"smbclient-connectivity":               {"Microsoft-Windows-SmbClient/Connectivity"},
	"smbserver-connectivity":               {"Microsoft-Windows-SMBServer/Connectivity"},
	"codeintegrity-operational":            {"Microsoft-Windows-CodeIntegrity/Operational"},
	"firewall-as":                          {"Microsoft-Windows-Windows Firewall With Advanced Security/Firewall"},
	"bits-client":                          {"Microsoft-Windows-Bits-Client/Operational"},
	"windefend":                            {"Microsoft-Windows-Windows Defender/Operational"},
	"security-mitigations":                 {"Microsoft-Windows-Security-Mitigations/Kernel Mode", "Microsoft-Windows-Security-Mitigations/User Mode"},
	"terminalservices-localsessionmanager": {"Microsoft-Windows-TerminalServices-LocalSessionManager/Operational"},
	"openssh":                              {"OpenSSH/Operational"},
	"ldap":                                 {"Microsoft-Windows-LDAP-Client/Debug"},
	"ldap_debug":                           {"Microsoft-Windows-LDAP-Client/Debug"},
	"lsa-server":                           {"Microsoft-Windows-LSA/Operational"},
	"appxdeployment-server":                {"Microsoft-Windows-AppXDeploymentServer/Operational"},
	"appxpackaging-om":                     {"Microsoft-Windows-AppxPackaging/Operational"},
	"appmodel-runtime":                     {"Microsoft-Windows-AppModel-Runtime/Admin"},
	"capi2":                                {"Microsoft-Windows-CAPI2/Operational"},
	"certificateservicesclient-lifecycle-system": {"Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational"},
	"diagnosis-scripted":                         {"Microsoft-Windows-Diagnosis-Scripted/Operational"},
	"shell-core":                                 {"Microsoft-Windows-Shell-Core/Operational"},
	"microsoft-servicebus-client":                {"Microsoft-ServiceBus-Client"},
	"servicebus-client":                          {"Microsoft-ServiceBus-Client"},
	"iis-configuration":                          {"Microsoft-IIS-Configuration/Operational"},
	"applocker": {"Microsoft-Windows-AppLocker/MSI and Script", "Microsoft-Windows-AppLocker/EXE and DLL",
		"Microsoft-Windows-AppLocker/Packaged app-Deployment", "Microsoft-Windows-AppLocker/Packaged app-Execution"},
	"vhdmp":              {"Microsoft-Windows-VHDMP/Operational"},
	"kernel-shimengine":  {"Microsoft-Windows-Kernel-ShimEngine/Operational", "Microsoft-Windows-Kernel-ShimEngine/Diagnostic"},
	"hyper-v-worker":     {"Microsoft-Windows-Hyper-V-Worker"},
	"bitlocker":          {"Microsoft-Windows-BitLocker/BitLocker Management"},
	"ntfs":               {"Microsoft-Windows-Ntfs/Operational"},
	"sysmon-operational": {chSysmon},
	"wmi-activity":       {"Microsoft-Windows-WMI-Activity/Operational"},
}

// selections returns what a windows logsource reads: nil for the whole
// product, or an *UnsupportedError for a category or service without a
// mapping, or another product.
func (ls Logsource) selections() ([]selection, error) {
	if ls.Product != "windows" {
		if ls.Product == "" && ls.Category == "" && ls.Service == "" {
			return nil, nil
		}
		return nil, unsupported("logsource product %q: only windows logsources are mapped to event sources", ls.Product)
	}
	var sels []selection
	if ls.Category != "" {
		s, ok := windowsCategories[ls.Category]
		if !ok {
			return nil, unsupported("logsource category %q has no Windows event source", ls.Category)
		}
		sels = s
	}
	if ls.Service != "" {
		chs, ok := windowsServices[ls.Service]
		if !ok {
			return nil, unsupported("logsource service %q has no Windows channel", ls.Service)
		}
		if sels != nil {
			// category and service: the category's selections on the
			// service's channels.
			var both []selection
			for _, s := range sels {
				if slices.Contains(chs, s.channel) {
					both = append(both, s)
				}
			}
			if len(both) == 0 {
				return nil, unsupported("logsource category %q is not in service %q", ls.Category, ls.Service)
			}
			return both, nil
		}
		for _, ch := range chs {
			sels = append(sels, selection{channel: ch})
		}
	}
	return sels, nil
}

// Source is one channel of a logsource and the event ids read from it
// (none: all).
type Source struct {
	Channel  string
	EventIDs []int
}

// Sources returns what a logsource selects (nil: every event), for
// tools that select events themselves (bench/sigmago gives them to
// another engine); an error says why a logsource is unsupported.
func (ls Logsource) Sources() ([]Source, error) {
	sels, err := ls.selections()
	if err != nil {
		return nil, err
	}
	var out []Source
	for _, s := range sels {
		out = append(out, Source{Channel: s.channel, EventIDs: slices.Clone(s.ids)})
	}
	return out, nil
}

// Channels returns the channels a logsource reads (nil: any).
func (ls Logsource) Channels() []string {
	sels, err := ls.selections()
	if err != nil {
		return nil
	}
	var out []string
	for _, s := range sels {
		if !slices.Contains(out, s.channel) {
			out = append(out, s.channel)
		}
	}
	return out
}

// Pred returns the condition selecting a logsource's events: the channel
// and the event ids.
func (ls Logsource) Pred(slotOf func(string) int) (match.Pred, error) {
	sels, err := ls.selections()
	if err != nil || sels == nil {
		return match.True(), err
	}
	ch, id := slotOf("winlog.channel"), slotOf("winlog.event_id")
	var ors []match.Pred
	for _, s := range sels {
		p := match.StringEquals(ch, s.channel, true)
		if len(s.ids) > 0 {
			var ids []string
			for _, n := range s.ids {
				ids = append(ids, strconv.Itoa(n))
			}
			p = match.And(p, match.StringIn(id, ids, false))
		}
		ors = append(ors, p)
	}
	return match.Or(ors...), nil
}
