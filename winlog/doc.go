// Package winlog turns Windows event records into ECS documents exactly as
// Elastic Agent (or Winlogbeat) and Elastic's ingest pipelines would index
// them, so that Elastic's detection rules run on raw Windows logs.
//
// # Sources
//
// A Record holds what both sources give: DecodeJSON reads the raw winlog
// JSON that Winlogbeat 8 and Elastic Agent ship before any pipeline runs
// (nested or dotted keys), and FromEVTX adapts a record of package evtx,
// rendering level, opcode, audit keywords, Sysmon and Security task names
// and "paramN" names for unnamed data as Winlogbeat does. Records read from
// EVTX files have no rendered message (no message files).
//
// # Mapping
//
// Normalize (or a reusable Normalizer) writes into an event.Doc. It follows
// Elastic's pipelines, transcribed in shared/ecs/windows-to-ecs-mapping.txt:
//
//   - every record: @timestamp, event.code/kind/provider/action/outcome/
//     created/module/dataset, host.name, host.os.type and host.os.family
//     ("windows", which the Agent's add_host_metadata sets and every
//     Elastic Windows rule filters on), log.level, winlog.* as the Agent
//     ships it, data_stream.*, ecs.version and related.*;
//   - Microsoft-Windows-Sysmon/Operational: the windows.sysmon_operational
//     pipeline (categorization, process/parent/pe/hash, user, file, network
//     with community ID, DNS, registry, WMI, clipboard, tampering, file
//     delete), including its cleanup of "", "-" and zero-GUID values and of
//     the event data it moved; image loads also get the dll.* fields and
//     library categorization of Elastic's current pipeline;
//   - Security (Security-Auditing and Eventlog providers): the
//     system.security pipeline (categorization, logon types, user, target,
//     effective and group users, Kerberos, service, failure status and
//     reason, process fields of 4688 with Elastic's naive argument
//     splitter, share access); other fields stay under winlog.event_data;
//   - PowerShell Operational and Windows PowerShell: the
//     windows.powershell_operational and windows.powershell pipelines
//     (ContextInfo and param parsing, script blocks, command invocation
//     details, host application arguments);
//   - System and other channels: the common fields, with the event data
//     kept as is (Elastic's system.system pipeline maps nothing).
//
// Sysmon and PowerShell command lines are split with CommandLineToArgvW
// rules (SplitCommandLine), Security 4688 ones with Elastic's naive
// splitter (SplitCommandLineNaive), so process.args matches what the rules
// were written against, double spaces and all.
//
// Deliberate differences from Elastic, each because the Doc model or a
// join needs it:
//
//   - process.entity_id and process.parent.entity_id are GUIDs normalised
//     to lower case in braces (NormalizeGUID): Sysmon writes them upper or
//     lower case depending on version and renderer, and a sequence joined
//     on process.entity_id must not depend on that. Elastic copies them as
//     they come.
//   - Arrays of objects (dns.answers, powershell.command.invocation_details)
//     are written flattened, one array per sub-field (dns.answers.type,
//     dns.answers.data), which is how Elasticsearch indexes and queries
//     them; a Doc holds no arrays of objects.
//   - Security records without keywords (converted logs that lost them) get
//     the event.outcome Winlogbeat would take from Audit Success or Audit
//     Failure: failure for 4625, 4771, 5152, 5157 and Kerberos or NTLM
//     validation with a non-zero status, success otherwise.
//   - dns.question.registered_domain uses a built-in subset of the public
//     suffix list; the SDDL enrichment of 4670/4817/4907/4908, the
//     PowerShell script block hash and most of the msobjs message table
//     are not carried.
//
// # Indices
//
// Each record belongs to the data stream Elastic Agent writes it to, in
// the "default" namespace (Index): Sysmon to
// logs-windows.sysmon_operational-default, Security to
// logs-system.security-default, System to logs-system.system-default,
// Application to logs-system.application-default, PowerShell Operational
// to logs-windows.powershell_operational-default, Windows PowerShell to
// logs-windows.powershell-default, and every other channel to
// logs-windows.forwarded-default (the Windows integration's data stream for
// forwarded channels, which rules listing "logs-windows.*" or
// "logs-windows.forwarded*" read). Rules that list "winlogbeat-*" must see
// the same events, so Aliases gives every such index the extra name
// "winlogbeat-8": route an event to a rule when its index or any alias
// matches one of the rule's patterns.
//
// # Memory
//
// Strings in a Record point into the line or EVTX record it came from; a
// Normalizer's documents point into the Record and into the Normalizer's
// buffers, valid until its next call. In the steady state decoding and
// normalising allocate nothing per record, and neither does writing the
// document as JSON with event.Doc.AppendJSON.
package winlog
