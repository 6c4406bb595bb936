package evtx

// Well-known element and attribute names, resolved once per name per chunk
// so that extraction compares small integers instead of strings.
const (
	tagNone uint8 = iota
	tagEvent
	tagSystem
	tagProvider
	tagEventID
	tagVersion
	tagLevel
	tagTask
	tagOpcode
	tagKeywords
	tagTimeCreated
	tagEventRecordID
	tagCorrelation
	tagExecution
	tagChannel
	tagComputer
	tagSecurity
	tagEventData
	tagUserData
	tagData
	tagBinary
	// attributes
	tagName
	tagGuid
	tagEventSourceName
	tagQualifiers
	tagSystemTime
	tagActivityID
	tagRelatedActivityID
	tagProcessID
	tagThreadID
	tagUserID
)

func tagOf(s string) uint8 {
	switch s {
	case "Event":
		return tagEvent
	case "System":
		return tagSystem
	case "Provider":
		return tagProvider
	case "EventID":
		return tagEventID
	case "Version":
		return tagVersion
	case "Level":
		return tagLevel
	case "Task":
		return tagTask
	case "Opcode":
		return tagOpcode
	case "Keywords":
		return tagKeywords
	case "TimeCreated":
		return tagTimeCreated
	case "EventRecordID":
		return tagEventRecordID
	case "Correlation":
		return tagCorrelation
	case "Execution":
		return tagExecution
	case "Channel":
		return tagChannel
	case "Computer":
		return tagComputer
	case "Security":
		return tagSecurity
	case "EventData":
		return tagEventData
	case "UserData":
		return tagUserData
	case "Data":
		return tagData
	case "Binary":
		return tagBinary
	case "Name":
		return tagName
	case "Guid":
		return tagGuid
	case "EventSourceName":
		return tagEventSourceName
	case "Qualifiers":
		return tagQualifiers
	case "SystemTime":
		return tagSystemTime
	case "ActivityID":
		return tagActivityID
	case "RelatedActivityID":
		return tagRelatedActivityID
	case "ProcessID":
		return tagProcessID
	case "ThreadID":
		return tagThreadID
	case "UserID":
		return tagUserID
	}
	return tagNone
}
