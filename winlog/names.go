package winlog

// Event data item names the mappings use, as constants so that a record's
// items are looked up by index rather than by name.
const (
	eUtcTime = iota
	eID
	eRuleName
	eType
	eHash
	eHashes
	eProcessGuid
	eProcessId
	eImage
	eSourceProcessGuid
	eSourceProcessGUID
	eSourceProcessId
	eSourceThreadId
	eSourceImage
	eDestination
	eCommandLine
	eCurrentDirectory
	eParentProcessGuid
	eParentProcessId
	eParentImage
	eParentCommandLine
	eOriginalFileName
	eCompany
	eDescription
	eFileVersion
	eProduct
	eTargetFilename
	eDevice
	ePipeName
	eImageLoaded
	eSignature
	eSignatureStatus
	eSigned
	eProtocol
	eDestinationPortName
	eSourcePortName
	eSourceIp
	eSourceHostname
	eSourcePort
	eDestinationIp
	eDestinationHostname
	eDestinationPort
	eQueryName
	eInitiated
	eSourceIsIpv6
	eDestinationIsIpv6
	eQueryResults
	eUser
	eQueryStatus
	eArchived
	eIsExecutable
	eTargetObject
	eDetails
	eTargetProcessGuid
	eLogonType
	eNewUacValue
	eUserAccountControl
	eTicketOptions
	eTicketEncryptionType
	eStatus
	eSubStatus
	eServiceName
	eServiceType
	eSubcategoryGuid
	eFailureReason
	eAuditPolicyChanges
	eAccessList
	eAccessMask
	eTdoType
	eTdoDirection
	eTdoAttributes
	eAccountName
	eAccountDomain
	eClientAddress
	eClientName
	eLogonID
	eTargetUserSid
	eTargetSid
	eTargetUserName
	eTargetDomainName
	eMemberName
	eTargetLogonId
	eSubjectUserSid
	eSubjectUserName
	eSubjectDomainName
	eSubjectLogonId
	eProcessName
	eIpAddress
	eIpPort
	eWorkstationName
	eNewProcessId
	eNewProcessName
	eParentProcessName
	ePrivilegeList
	eOldTargetUserName
	eNewTargetUserName
	eRelativeTargetName
	eShareLocalPath
	eShareName
	eContextInfo
	eHostID
	eHostId
	eHostApplication
	eHostName
	eConnectedUser
	eMessageNumber
	eMessageTotal
	eShellID
	eEngineVersion
	ePipelineID
	ePipelineId
	eRunspaceID
	eRunspaceId
	eHostVersion
	eCommandPath
	eCommandName
	eCommandType
	eScriptBlockId
	eScriptBlockText
	ePayload
	ePath
	eScriptName
	eSeverity
	eSequenceNumber
	eParam1
	eParam2
	eParam3
	eUserId
	eNewEngineState
	ePreviousEngineState
	eNewProviderState
	eProviderName
	eDetailTotal
	eDetailSequence
	numNames
)

var edNames = [numNames]string{
	eUtcTime:              "UtcTime",
	eID:                   "ID",
	eRuleName:             "RuleName",
	eType:                 "Type",
	eHash:                 "Hash",
	eHashes:               "Hashes",
	eProcessGuid:          "ProcessGuid",
	eProcessId:            "ProcessId",
	eImage:                "Image",
	eSourceProcessGuid:    "SourceProcessGuid",
	eSourceProcessGUID:    "SourceProcessGUID",
	eSourceProcessId:      "SourceProcessId",
	eSourceThreadId:       "SourceThreadId",
	eSourceImage:          "SourceImage",
	eDestination:          "Destination",
	eCommandLine:          "CommandLine",
	eCurrentDirectory:     "CurrentDirectory",
	eParentProcessGuid:    "ParentProcessGuid",
	eParentProcessId:      "ParentProcessId",
	eParentImage:          "ParentImage",
	eParentCommandLine:    "ParentCommandLine",
	eOriginalFileName:     "OriginalFileName",
	eCompany:              "Company",
	eDescription:          "Description",
	eFileVersion:          "FileVersion",
	eProduct:              "Product",
	eTargetFilename:       "TargetFilename",
	eDevice:               "Device",
	ePipeName:             "PipeName",
	eImageLoaded:          "ImageLoaded",
	eSignature:            "Signature",
	eSignatureStatus:      "SignatureStatus",
	eSigned:               "Signed",
	eProtocol:             "Protocol",
	eDestinationPortName:  "DestinationPortName",
	eSourcePortName:       "SourcePortName",
	eSourceIp:             "SourceIp",
	eSourceHostname:       "SourceHostname",
	eSourcePort:           "SourcePort",
	eDestinationIp:        "DestinationIp",
	eDestinationHostname:  "DestinationHostname",
	eDestinationPort:      "DestinationPort",
	eQueryName:            "QueryName",
	eInitiated:            "Initiated",
	eSourceIsIpv6:         "SourceIsIpv6",
	eDestinationIsIpv6:    "DestinationIsIpv6",
	eQueryResults:         "QueryResults",
	eUser:                 "User",
	eQueryStatus:          "QueryStatus",
	eArchived:             "Archived",
	eIsExecutable:         "IsExecutable",
	eTargetObject:         "TargetObject",
	eDetails:              "Details",
	eTargetProcessGuid:    "TargetProcessGuid",
	eLogonType:            "LogonType",
	eNewUacValue:          "NewUacValue",
	eUserAccountControl:   "UserAccountControl",
	eTicketOptions:        "TicketOptions",
	eTicketEncryptionType: "TicketEncryptionType",
	eStatus:               "Status",
	eSubStatus:            "SubStatus",
	eServiceName:          "ServiceName",
	eServiceType:          "ServiceType",
	eSubcategoryGuid:      "SubcategoryGuid",
	eFailureReason:        "FailureReason",
	eAuditPolicyChanges:   "AuditPolicyChanges",
	eAccessList:           "AccessList",
	eAccessMask:           "AccessMask",
	eTdoType:              "TdoType",
	eTdoDirection:         "TdoDirection",
	eTdoAttributes:        "TdoAttributes",
	eAccountName:          "AccountName",
	eAccountDomain:        "AccountDomain",
	eClientAddress:        "ClientAddress",
	eClientName:           "ClientName",
	eLogonID:              "LogonID",
	eTargetUserSid:        "TargetUserSid",
	eTargetSid:            "TargetSid",
	eTargetUserName:       "TargetUserName",
	eTargetDomainName:     "TargetDomainName",
	eMemberName:           "MemberName",
	eTargetLogonId:        "TargetLogonId",
	eSubjectUserSid:       "SubjectUserSid",
	eSubjectUserName:      "SubjectUserName",
	eSubjectDomainName:    "SubjectDomainName",
	eSubjectLogonId:       "SubjectLogonId",
	eProcessName:          "ProcessName",
	eIpAddress:            "IpAddress",
	eIpPort:               "IpPort",
	eWorkstationName:      "WorkstationName",
	eNewProcessId:         "NewProcessId",
	eNewProcessName:       "NewProcessName",
	eParentProcessName:    "ParentProcessName",
	ePrivilegeList:        "PrivilegeList",
	eOldTargetUserName:    "OldTargetUserName",
	eNewTargetUserName:    "NewTargetUserName",
	eRelativeTargetName:   "RelativeTargetName",
	eShareLocalPath:       "ShareLocalPath",
	eShareName:            "ShareName",
	eContextInfo:          "ContextInfo",
	eHostID:               "HostID",
	eHostId:               "HostId",
	eHostApplication:      "HostApplication",
	eHostName:             "HostName",
	eConnectedUser:        "ConnectedUser",
	eMessageNumber:        "MessageNumber",
	eMessageTotal:         "MessageTotal",
	eShellID:              "ShellID",
	eEngineVersion:        "EngineVersion",
	ePipelineID:           "PipelineID",
	ePipelineId:           "PipelineId",
	eRunspaceID:           "RunspaceID",
	eRunspaceId:           "RunspaceId",
	eHostVersion:          "HostVersion",
	eCommandPath:          "CommandPath",
	eCommandName:          "CommandName",
	eCommandType:          "CommandType",
	eScriptBlockId:        "ScriptBlockId",
	eScriptBlockText:      "ScriptBlockText",
	ePayload:              "Payload",
	ePath:                 "Path",
	eScriptName:           "ScriptName",
	eSeverity:             "Severity",
	eSequenceNumber:       "SequenceNumber",
	eParam1:               "param1",
	eParam2:               "param2",
	eParam3:               "param3",
	eUserId:               "UserId",
	eNewEngineState:       "NewEngineState",
	ePreviousEngineState:  "PreviousEngineState",
	eNewProviderState:     "NewProviderState",
	eProviderName:         "ProviderName",
	eDetailTotal:          "DetailTotal",
	eDetailSequence:       "DetailSequence",
}
