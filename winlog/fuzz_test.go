package winlog

import (
	"encoding/json"
	"testing"

	"github.com/vigilsec/vigil/event"
)

func FuzzDecodeJSON(f *testing.F) {
	f.Add([]byte(`{"@timestamp":"2019-04-03T17:36:48.628Z","winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"1","event_data":{"CommandLine":"\"a b\" c","ProcessGuid":"{AA6B4A20-EF30-5CA4-0000-00100F081902}","Hashes":"SHA1=AB,MD5=00"},"user":{"identifier":"S-1-5-18"}}}`))
	f.Add([]byte(`{"winlog.channel":"Security","winlog.event_id":4624,"winlog.event_data":{"LogonType":"3","IpAddress":"::ffff:10.0.0.1","IpPort":"0x1f"},"winlog.keywords":["Audit Success"]}`))
	f.Add([]byte(`{"winlog":{"channel":"Microsoft-Windows-PowerShell/Operational","event_id":"4103","event_data":{"ContextInfo":"  Host Application = powershell -enc x\n  User = D\\u","Payload":"ParameterBinding(X): name=\"a\"; value=\"b\""}}}`))
	f.Add([]byte(`{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"22","event_data":{"QueryName":"a.b.co.uk","QueryResults":"type:  5 x.y;::ffff:1.2.3.4;fe80::1;","QueryStatus":"0"}}}`))
	f.Add([]byte(`{"a":[1,{"b":null}],"winlog":{"user_data":{"x":{"y":"\ud83d\ude00"}},"event_data":{"k":["v1","v2"]}}}`))
	f.Add([]byte(`{"winlog":{"channel":"Microsoft-Windows-Sysmon/Operational","event_id":"13","event_data":{"TargetObject":"HKLM\\A\\B","Details":"QWORD (0x00000001-0x00000002)"}}}`))
	var rec Record
	var doc event.Doc
	n := NewNormalizer()
	f.Fuzz(func(t *testing.T, data []byte) {
		err := DecodeJSON(data, &rec)
		if err != nil {
			return
		}
		if _, err := n.Normalize(&rec, &doc); err != nil {
			return
		}
		out := doc.AppendJSON(nil)
		if !json.Valid(out) && json.Valid(data) {
			// Invalid UTF-8 in the input passes through; only flag output
			// that is structurally broken.
			var v any
			if err := json.Unmarshal(out, &v); err != nil && !hasInvalidUTF8(out) {
				t.Fatalf("invalid output JSON: %s", out)
			}
		}
	})
}

func hasInvalidUTF8(b []byte) bool {
	for len(b) > 0 {
		r, size := rune(b[0]), 1
		if r >= 0x80 {
			var s string = string(b[:min(4, len(b))])
			for _, rr := range s {
				r = rr
				break
			}
			if r == 0xfffd {
				return true
			}
			size = len(string(r))
		}
		b = b[size:]
	}
	return false
}
