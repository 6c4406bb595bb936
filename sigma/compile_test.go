package sigma

import (
	"errors"
	"strings"
	"testing"

	"github.com/vigilsec/vigil/event"
)

// ruleWith is a process_creation rule with a detection.
func ruleWith(detection string) string {
	return "title: t\nid: x\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n" + detection
}

// sysmon1 is a Sysmon process creation record's document with event data.
func sysmon1(eventData string) string {
	return `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","event_data":{` + eventData + `}}}`
}

func compileOne(t *testing.T, src string, env Env) (*event.Schema, func(doc string) bool, error) {
	t.Helper()
	rs, err := Parse("r.yml", []byte(src))
	if err != nil {
		return nil, nil, err
	}
	s := event.NewSchema()
	env.Slot = s.Slot
	p, err := rs[0].Compile(env)
	if err != nil {
		return nil, nil, err
	}
	return s, func(doc string) bool {
		var ev event.Event
		if err := s.Decode([]byte(doc), &ev); err != nil {
			t.Fatalf("decode %s: %v", doc, err)
		}
		return p.Match(&ev)
	}, nil
}

func TestModifiers(t *testing.T) {
	tests := []struct {
		name      string
		detection string
		doc       string
		want      bool
	}{
		{"equal ignores case", "  sel:\n    Image: 'C:\\Windows\\cmd.EXE'\n  condition: sel", `"Image":"c:\\windows\\CMD.exe"`, true},
		{"equal is whole", "  sel:\n    Image: 'cmd.exe'\n  condition: sel", `"Image":"c:\\windows\\cmd.exe"`, false},
		{"endswith", "  sel:\n    Image|endswith: '\\cmd.exe'\n  condition: sel", `"Image":"C:\\Windows\\Cmd.exe"`, true},
		{"startswith", "  sel:\n    Image|startswith: 'C:\\Users\\'\n  condition: sel", `"Image":"C:\\Windows\\cmd.exe"`, false},
		{"contains list", "  sel:\n    CommandLine|contains:\n      - ' -nop '\n      - ' -enc '\n  condition: sel", `"CommandLine":"powershell -ENC abc"`, true},
		{"contains all", "  sel:\n    CommandLine|contains|all:\n      - 'a1'\n      - 'b2'\n  condition: sel", `"CommandLine":"x a1 y"`, false},
		{"contains all holds", "  sel:\n    CommandLine|contains|all:\n      - 'a1'\n      - 'b2'\n  condition: sel", `"CommandLine":"b2 x a1 y"`, true},
		{"wildcards", "  sel:\n    CommandLine: '*\\Temp\\x?.exe*'\n  condition: sel", `"CommandLine":"run C:\\Temp\\xa.exe now"`, true},
		{"escaped question mark", "  sel:\n    CommandLine: '*\\Temp\\?.exe*'\n  condition: sel", `"CommandLine":"run C:\\Temp?.exe now"`, true},
		{"escaped star is literal", "  sel:\n    CommandLine: 'a\\*b'\n  condition: sel", `"CommandLine":"axxb"`, false},
		{"escaped star matches itself", "  sel:\n    CommandLine: 'a\\*b'\n  condition: sel", `"CommandLine":"a*b"`, true},
		{"cased", "  sel:\n    CommandLine|contains|cased: 'Invoke'\n  condition: sel", `"CommandLine":"invoke-x"`, false},
		{"windash", "  sel:\n    CommandLine|contains|windash: ' -enc '\n  condition: sel", `"CommandLine":"powershell /enc AAA"`, true},
		{"windash en dash", "  sel:\n    CommandLine|contains|windash: ' -enc '\n  condition: sel", `"CommandLine":"powershell –enc AAA"`, true},
		{"base64offset", "  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel", `"CommandLine":"-e ` + b64at("xxhttp://evil", 0) + `"`, true},
		{"base64offset 1", "  sel:\n    CommandLine|base64offset|contains: 'http://'\n  condition: sel", `"CommandLine":"-e ` + b64at("xhttp://evil", 0) + `"`, true},
		{"base64", "  sel:\n    CommandLine|base64|contains: 'iex'\n  condition: sel", `"CommandLine":"aWV4"`, true},
		{"wide base64offset", "  sel:\n    CommandLine|wide|base64offset|contains: 'ping'\n  condition: sel", `"CommandLine":"` + b64at(encodeUTF16("a ping", false, false), 0) + `"`, true},
		{"re", "  sel:\n    CommandLine|re: '\\s-[eE]nc\\s'\n  condition: sel", `"CommandLine":"powershell -Enc x"`, true},
		{"re is case-sensitive", "  sel:\n    CommandLine|re: 'ENC'\n  condition: sel", `"CommandLine":"enc"`, false},
		{"re i", "  sel:\n    CommandLine|re|i: 'ENC'\n  condition: sel", `"CommandLine":"enc"`, true},
		{"cidr", "  sel:\n    DestinationIp|cidr: '10.0.0.0/8'\n  condition: sel", `"DestinationIp":"10.1.2.3"`, true},
		{"cidr out", "  sel:\n    DestinationIp|cidr: '10.0.0.0/8'\n  condition: sel", `"DestinationIp":"192.168.1.1"`, false},
		{"gt", "  sel:\n    TerminalSessionId|gt: 1\n  condition: sel", `"TerminalSessionId":"2"`, true},
		{"lte", "  sel:\n    TerminalSessionId|lte: 1\n  condition: sel", `"TerminalSessionId":"2"`, false},
		{"exists", "  sel:\n    ParentImage|exists: true\n  condition: sel", `"Image":"x"`, false},
		{"exists false", "  sel:\n    ParentImage|exists: false\n  condition: sel", `"Image":"x"`, true},
		{"null", "  sel:\n    ParentImage: null\n  condition: sel", `"Image":"x"`, true},
		{"fieldref", "  sel:\n    Image|fieldref: ParentImage\n  condition: sel", `"Image":"C:\\A.exe","ParentImage":"c:\\a.exe"`, true},
		{"fieldref endswith", "  sel:\n    Image|fieldref|endswith: OriginalFileName\n  condition: sel", `"Image":"C:\\x\\a.exe","OriginalFileName":"A.EXE"`, true},
		{"neq", "  sel:\n    Image|neq: 'a.exe'\n  condition: sel", `"Image":"b.exe"`, true},
		{"number value", "  sel:\n    EventID: 1\n  condition: sel", `"Image":"b.exe"`, true},
		{"keywords", "  keywords:\n    - 'mimikatz'\n  condition: keywords", `"CommandLine":"x"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, match, err := compileOne(t, ruleWith(tc.detection), Env{})
			if err != nil {
				t.Fatal(err)
			}
			if got := match(sysmon1(tc.doc)); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
		})
	}
}

// b64at is the base64 of s.
func b64at(s string, _ int) string { return base64Std(s) }

func TestConditions(t *testing.T) {
	det := "  selection_a:\n    Image|endswith: '\\a.exe'\n  selection_b:\n    CommandLine|contains: 'bbb'\n" +
		"  filter_main:\n    ParentImage|endswith: '\\explorer.exe'\n"
	tests := []struct {
		cond string
		doc  string
		want bool
	}{
		{"1 of selection_*", `"Image":"c:\\a.exe"`, true},
		{"all of selection_*", `"Image":"c:\\a.exe"`, false},
		{"all of selection_*", `"Image":"c:\\a.exe","CommandLine":"xbbbx"`, true},
		{"1 of selection_* and not 1 of filter_*", `"Image":"c:\\a.exe","ParentImage":"c:\\Explorer.exe"`, false},
		{"1 of selection_* and not filter_main", `"Image":"c:\\a.exe","ParentImage":"c:\\cmd.exe"`, true},
		{"all of them", `"Image":"c:\\a.exe","CommandLine":"bbb","ParentImage":"explorer.exe"`, false},
		{"any of them", `"ParentImage":"\\explorer.exe"`, true},
		{"(selection_a or selection_b) and not filter_main", `"CommandLine":"bbb"`, true},
		{"not (selection_a or selection_b)", `"CommandLine":"bbb"`, false},
		{"2 of them", `"Image":"c:\\a.exe","ParentImage":"\\explorer.exe"`, true},
		{"2 of them", `"Image":"c:\\a.exe"`, false},
	}
	for _, tc := range tests {
		t.Run(tc.cond, func(t *testing.T) {
			_, match, err := compileOne(t, ruleWith(det+"  condition: "+tc.cond), Env{})
			if err != nil {
				t.Fatal(err)
			}
			if got := match(sysmon1(tc.doc)); got != tc.want {
				t.Errorf("%s on %s = %v, want %v", tc.cond, tc.doc, got, tc.want)
			}
		})
	}
	// A list of conditions is their disjunction.
	_, match, err := compileOne(t, ruleWith(det+"  condition:\n    - selection_a\n    - selection_b"), Env{})
	if err != nil {
		t.Fatal(err)
	}
	if !match(sysmon1(`"CommandLine":"bbb"`)) {
		t.Error("condition list: second condition did not match")
	}
}

func TestLogsource(t *testing.T) {
	_, match, err := compileOne(t, ruleWith("  sel:\n    Image|endswith: '\\a.exe'\n  condition: sel"), Env{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		doc  string
		want bool
	}{
		{sysmon1(`"Image":"c:\\a.exe"`), true},
		{`{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"11","event_data":{"Image":"c:\\a.exe"}}}`, false},
		// Security 4688 with its own names: Image is NewProcessName.
		{`{"winlog":{"channel":"Security","event_id":"4688","event_data":{"NewProcessName":"c:\\a.exe"}}}`, true},
		// ECS-only input: the field Elastic's pipeline moved Image to.
		{`{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"},"process":{"executable":"c:\\a.exe"}}`, true},
	}
	for _, tc := range tests {
		if got := match(tc.doc); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.doc, got, tc.want)
		}
	}
}

func TestComposites(t *testing.T) {
	_, match, err := compileOne(t, ruleWith("  sel:\n    User|contains: 'AUTHORI'\n    Hashes|contains: 'IMPHASH=AB12'\n  condition: sel"), Env{})
	if err != nil {
		t.Fatal(err)
	}
	doc := `{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1"},"user":{"domain":"NT AUTHORITY","name":"SYSTEM"},"process":{"pe":{"imphash":"ab12"}}}`
	if !match(doc) {
		t.Error("User and Hashes rebuilt from ECS did not match")
	}
}

func TestExpand(t *testing.T) {
	det := "  sel:\n    CommandLine|contains|expand: '%domain%\\admin'\n  condition: sel"
	_, _, err := compileOne(t, ruleWith(det), Env{})
	var u *UnsupportedError
	if !errors.As(err, &u) || !strings.Contains(u.Reason, "%domain%") {
		t.Fatalf("without values: %v, want unsupported naming the placeholder", err)
	}
	_, match, err := compileOne(t, ruleWith(det), Env{Placeholders: map[string][]string{"domain": {"CORP", "LAB"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !match(sysmon1(`"CommandLine":"net use lab\\admin"`)) || match(sysmon1(`"CommandLine":"net use other\\admin"`)) {
		t.Error("expand did not give the placeholder's values")
	}
}

// TestUnsetPlaceholder: a placeholder without values is an empty list.
// Read only where the condition negates it (an allowlist), the rule runs
// and excludes nothing by it; read anywhere else it would weaken the
// rule, which is then unsupported.
func TestUnsetPlaceholder(t *testing.T) {
	sel := "  selection:\n    Image|endswith: '\\a.exe'\n"
	filter := "  filter_main:\n    - User: 'SYSTEM'\n    - User|expand: '%Admins%'\n"
	hit := `"Image":"c:\\a.exe","User":"CORP\\alice"`
	system := `"Image":"c:\\a.exe","User":"system"`
	tests := []struct {
		name, det   string
		unsupported bool
		doc         string
		want        bool
	}{
		{"allowlist runs", sel + filter + "  condition: selection and not filter_main", false, hit, true},
		{"allowlist keeps its values", sel + filter + "  condition: selection and not filter_main", false, system, false},
		{"1 of under not", sel + filter + "  condition: selection and not 1 of filter_*", false, hit, true},
		{"double negation is positive", sel + filter + "  condition: selection and not (not filter_main)", true, "", false},
		{"positive selection", sel + filter + "  condition: selection and filter_main", true, "", false},
		{"negated and positive", sel + filter + "  condition: selection and not filter_main or filter_main", true, "", false},
		{"them is positive", sel + filter + "  condition: 1 of them", true, "", false},
		{"second condition positive", sel + filter + "  condition:\n    - selection and not filter_main\n    - filter_main", true, "", false},
		{"neq", sel + "  filter_main:\n    User|neq|expand: '%Admins%'\n  condition: selection and not filter_main", true, "", false},
		{"all", sel + "  filter_main:\n    User|contains|all|expand:\n      - 'CORP'\n      - '%Admins%'\n  condition: selection and not filter_main", false, hit, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, match, err := compileOne(t, ruleWith(tc.det), Env{})
			var u *UnsupportedError
			if tc.unsupported {
				if !errors.As(err, &u) || !strings.Contains(u.Reason, "%Admins%") {
					t.Fatalf("got %v, want unsupported naming the placeholder", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := match(sysmon1(tc.doc)); got != tc.want {
				t.Errorf("match = %v, want %v", got, tc.want)
			}
			rs, _ := Parse("r.yml", []byte(ruleWith(tc.det)))
			if got := rs[0].UnsetPlaceholders(nil); len(got) != 1 || got[0] != "Admins" {
				t.Errorf("UnsetPlaceholders = %v, want [Admins]", got)
			}
			if got := rs[0].UnsetPlaceholders(map[string][]string{"Admins": {"CORP\\alice"}}); len(got) != 0 {
				t.Errorf("UnsetPlaceholders with values = %v, want none", got)
			}
		})
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		src, want string
	}{
		{ruleWith("  sel:\n    Image|startswidth: 'a'\n  condition: sel"), `r.yml:8:5: sigma: field "Image": unknown modifier "startswidth"`},
		{ruleWith("  sel:\n    Image: 'a'\n  condition: sel and (sel"), `r.yml:9:26: sigma: condition: missing )`},
		{ruleWith("  sel:\n    Image: 'a'\n  condition: sel | count() > 5"), "r.yml:9:18: sigma: condition: aggregations (`| count() ...`) are Sigma v1 syntax: write a correlation rule"},
		{ruleWith("  sel:\n    Image: 'a'\n  condition: selection"), `r.yml:7:3: sigma: condition names "selection", which the detection does not define`},
		{"title: t\nlogsource: {product: windows}\n", `r.yml:1:1: sigma: rule has no detection, correlation or filter`},
		{"title: [\n", `r.yml:1:1: sigma: yaml: did not find expected node content`},
	}
	for _, tc := range tests {
		_, _, err := compileOne(t, tc.src, Env{})
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%q:\n got %v\nwant %s", tc.src, err, tc.want)
		}
	}
}

func TestThreat(t *testing.T) {
	got := threatOf([]string{"attack.execution", "attack.t1059.001", "attack.t1059.003", "attack.defense-impairment", "attack.s0002", "attack.g0016", "car.2016-04-005"})
	if len(got) != 2 {
		t.Fatalf("%d threats, want 2: %+v", len(got), got)
	}
	if got[0].Tactic.ID != "TA0002" || got[0].Tactic.Name != "Execution" || len(got[0].Technique) != 1 ||
		got[0].Technique[0].ID != "T1059" || len(got[0].Technique[0].Subtechnique) != 2 {
		t.Errorf("execution: %+v", got[0])
	}
	if got[1].Tactic.ID != "" || got[1].Tactic.Name != "Defense Impairment" {
		t.Errorf("unknown tactic: %+v", got[1].Tactic)
	}
}
