package evtx

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"testing"
	"time"
)

// Helpers that encode values the way Windows stores them.

func le16(v uint16) []byte { return binary.LittleEndian.AppendUint16(nil, v) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func le64(v uint64) []byte { return binary.LittleEndian.AppendUint64(nil, v) }

func negU64(v int64) uint64 { return uint64(-v) }

func cat(bs ...[]byte) []byte { return bytes.Join(bs, nil) }

func str16(s string) []byte { return append(utf16le(s), 0, 0) }

var testGUID = []byte{0x25, 0x96, 0x84, 0x54, 0x78, 0x54, 0x94, 0x49, 0xa5, 0xba, 0x3e, 0x3b, 0x03, 0x28, 0xc3, 0x0d}

const testGUIDText = "{54849625-5478-4994-A5BA-3E3B0328C30D}"

// sid encodes S-1-<auth>-<subs...>.
func sid(auth byte, subs ...uint32) []byte {
	b := []byte{1, byte(len(subs)), 0, 0, 0, 0, 0, auth}
	for _, s := range subs {
		b = binary.LittleEndian.AppendUint32(b, s)
	}
	return b
}

func ticks(t time.Time) uint64 {
	return uint64(t.UnixNano()/100) + ticksTo1970
}

var testTime = time.Date(2019, 3, 19, 23, 34, 25, 123456700, time.UTC)

func systime(y, mo, d, h, mi, s, ms uint16) []byte {
	return cat(le16(y), le16(mo), le16(0), le16(d), le16(h), le16(mi), le16(s), le16(ms))
}

// systemValues are the 16 System substitutions of eventTemplate.
func systemValues(recordID uint64) []tv {
	return []tv{
		{vtString, str16("Microsoft-Windows-Security-Auditing")},
		{vtGUID, testGUID},
		{vtUint16, le16(16384)},
		{vtUint16, le16(4688)},
		{vtUint8, []byte{2}},
		{vtUint8, []byte{4}},
		{vtUint16, le16(13312)},
		{vtUint8, []byte{0}},
		{vtHex64, le64(0x8020000000000000)},
		{vtFileTime, le64(ticks(testTime))},
		{vtUint64, le64(recordID)},
		{vtNull, nil},
		{vtNull, nil},
		{vtUint32, le32(4)},
		{vtUint32, le32(72)},
		{vtSID, sid(5, 18)},
	}
}

// readAll reads every record of b, cloning records and collecting errors.
func readAll(t testing.TB, b []byte, workers int) ([]*Record, []error) {
	t.Helper()
	f, err := NewFile(bytes.NewReader(b), int64(len(b)), "test.evtx")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.SetWorkers(workers)
	var recs []*Record
	var errs []error
	for {
		r, err := f.Next()
		if err == io.EOF {
			return recs, errs
		}
		if err != nil {
			errs = append(errs, err)
		}
		if r != nil {
			recs = append(recs, r.Clone())
		}
	}
}

func TestTemplateEvent(t *testing.T) {
	c := newChunkBuilder(1)
	names := []string{"CommandLine", "ProcessId"}
	var def uint32
	c.record(100, ticks(testTime), func() {
		c.fragment()
		def = c.templateInstance(0, c.eventTemplate(names), append(systemValues(100),
			tv{vtString, str16(`cmd.exe /c "x" & y`)}, tv{vtHex32, le32(0x1f4)}))
		c.eof()
	})
	// the second record reuses the definition by offset
	c.record(101, ticks(testTime), func() {
		c.fragment()
		c.templateInstance(def, nil, append(systemValues(101), tv{vtString, str16("b")}, tv{vtNull, nil}))
		c.eof()
	})
	recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	r := recs[0]
	want := System{
		Provider: "Microsoft-Windows-Security-Auditing", ProviderGUID: testGUIDText,
		EventID: 4688, Qualifiers: 16384, HasQualifiers: true,
		Version: 2, Level: 4, Task: 13312, Opcode: 0, Keywords: 0x8020000000000000,
		TimeCreated: testTime, RecordID: 100, ProcessID: 4, ThreadID: 72,
		Channel: "Security", Computer: "host.example.com", UserID: "S-1-5-18",
	}
	if r.System != want {
		t.Errorf("System:\n got %+v\nwant %+v", r.System, want)
	}
	if r.ID != 100 || !r.Written.Equal(testTime) || r.Chunk != 0 || r.Offset != fileHeaderSize+chunkHeaderSize {
		t.Errorf("record header: id %d written %v chunk %d offset %d", r.ID, r.Written, r.Chunk, r.Offset)
	}
	wantData := []Data{{Name: "CommandLine", Value: `cmd.exe /c "x" & y`}, {Name: "ProcessId", Value: "0x1f4"}}
	if !equalData(r.EventData, wantData) {
		t.Errorf("EventData = %q, want %q", r.EventData, wantData)
	}
	// a null optional value leaves the element out, as in Windows' rendering
	if got := recs[1].EventData; !equalData(got, []Data{{Name: "CommandLine", Value: "b"}}) {
		t.Errorf("second record EventData = %q", got)
	}
	xml := string(r.AppendXML(nil))
	wantXML := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>` +
		`<Provider Name="Microsoft-Windows-Security-Auditing" Guid="{54849625-5478-4994-A5BA-3E3B0328C30D}"/>` +
		`<EventID Qualifiers="16384">4688</EventID><Version>2</Version><Level>4</Level><Task>13312</Task>` +
		`<Opcode>0</Opcode><Keywords>0x8020000000000000</Keywords>` +
		`<TimeCreated SystemTime="2019-03-19T23:34:25.1234567Z"/><EventRecordID>100</EventRecordID>` +
		`<Correlation/><Execution ProcessID="4" ThreadID="72"/><Channel>Security</Channel>` +
		`<Computer>host.example.com</Computer><Security UserID="S-1-5-18"/></System>` +
		`<EventData><Data Name="CommandLine">cmd.exe /c "x" &amp; y</Data><Data Name="ProcessId">0x1f4</Data></EventData></Event>`
	if xml != wantXML {
		t.Errorf("AppendXML:\n got %s\nwant %s", xml, wantXML)
	}
}

func equalData(a, b []Data) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Value != b[i].Value || len(a[i].Values) != len(b[i].Values) {
			return false
		}
		for j := range a[i].Values {
			if a[i].Values[j] != b[i].Values[j] {
				return false
			}
		}
	}
	return true
}

// TestValueTypes renders every substitution value type, scalar and array.
func TestValueTypes(t *testing.T) {
	f32 := func(v float32) []byte { return le32(math.Float32bits(v)) }
	f64 := func(v float64) []byte { return le64(math.Float64bits(v)) }
	tests := []struct {
		name   string
		v      tv
		want   string
		values []string
	}{
		{"null", tv{vtNull, nil}, "", nil}, // optional substitution: no element at all
		{"string", tv{vtString, str16("héllo wörld €")}, "héllo wörld €", nil},
		{"string surrogate", tv{vtString, str16("a😀b")}, "a😀b", nil},
		{"string unterminated", tv{vtString, utf16le("abc")}, "abc", nil},
		{"ansi", tv{vtAnsi, []byte("abc\x80\xe9\x00")}, "abc€é", nil},
		{"int8", tv{vtInt8, []byte{0xfb}}, "-5", nil},
		{"uint8", tv{vtUint8, []byte{200}}, "200", nil},
		{"int16", tv{vtInt16, le16(uint16(0xfed4))}, "-300", nil},
		{"uint16", tv{vtUint16, le16(60000)}, "60000", nil},
		{"int32", tv{vtInt32, le32(uint32(0xfffeee90))}, "-70000", nil},
		{"uint32", tv{vtUint32, le32(4000000000)}, "4000000000", nil},
		{"int64", tv{vtInt64, le64(negU64(5000000000000))}, "-5000000000000", nil},
		{"uint64", tv{vtUint64, le64(math.MaxUint64)}, "18446744073709551615", nil},
		{"real32", tv{vtReal32, f32(1.5)}, "1.5", nil},
		{"real64", tv{vtReal64, f64(-0.25)}, "-0.25", nil},
		{"bool true", tv{vtBool, le32(1)}, "true", nil},
		{"bool false", tv{vtBool, le32(0)}, "false", nil},
		{"binary", tv{vtBinary, []byte{0xde, 0xad, 0x01}}, "DEAD01", nil},
		{"guid", tv{vtGUID, testGUID}, testGUIDText, nil},
		{"size_t 64", tv{vtSizeT, le64(0x1234)}, "0x1234", nil},
		{"size_t 32", tv{vtSizeT, le32(0xabc)}, "0xabc", nil},
		{"filetime", tv{vtFileTime, le64(ticks(testTime))}, "2019-03-19T23:34:25.1234567Z", nil},
		{"systemtime", tv{vtSysTime, systime(2019, 3, 19, 23, 34, 25, 123)}, "2019-03-19T23:34:25.1230000Z", nil},
		{"sid", tv{vtSID, sid(5, 21, 1, 2, 3, 500)}, "S-1-5-21-1-2-3-500", nil},
		{"hexint32", tv{vtHex32, le32(0xff)}, "0xff", nil},
		{"hexint64", tv{vtHex64, le64(0x8020000000000000)}, "0x8020000000000000", nil},
		{"evthandle", tv{vtEvtHandle, le64(7)}, "7", nil},

		{"string array", tv{vtArray | vtString, cat(str16("a"), str16("bc"))}, "a,bc", []string{"a", "bc"}},
		{"ansi array", tv{vtArray | vtAnsi, []byte("x\x00yz\x00")}, "x,yz", []string{"x", "yz"}},
		{"int8 array", tv{vtArray | vtInt8, []byte{0xff, 2}}, "-1,2", []string{"-1", "2"}},
		{"uint8 array", tv{vtArray | vtUint8, []byte{1, 2, 3}}, "1,2,3", []string{"1", "2", "3"}},
		{"int16 array", tv{vtArray | vtInt16, cat(le16(0xffff), le16(7))}, "-1,7", []string{"-1", "7"}},
		{"uint16 array", tv{vtArray | vtUint16, cat(le16(1), le16(65535))}, "1,65535", []string{"1", "65535"}},
		{"int32 array", tv{vtArray | vtInt32, cat(le32(0xffffffff), le32(8))}, "-1,8", []string{"-1", "8"}},
		{"uint32 array", tv{vtArray | vtUint32, cat(le32(1), le32(2))}, "1,2", []string{"1", "2"}},
		{"int64 array", tv{vtArray | vtInt64, cat(le64(math.MaxUint64), le64(9))}, "-1,9", []string{"-1", "9"}},
		{"uint64 array", tv{vtArray | vtUint64, cat(le64(10), le64(11))}, "10,11", []string{"10", "11"}},
		{"real32 array", tv{vtArray | vtReal32, cat(f32(0.5), f32(2))}, "0.5,2", []string{"0.5", "2"}},
		{"real64 array", tv{vtArray | vtReal64, cat(f64(0.125), f64(-3))}, "0.125,-3", []string{"0.125", "-3"}},
		{"bool array", tv{vtArray | vtBool, cat(le32(1), le32(0))}, "true,false", []string{"true", "false"}},
		{"guid array", tv{vtArray | vtGUID, cat(testGUID, make([]byte, 16))},
			testGUIDText + ",{00000000-0000-0000-0000-000000000000}",
			[]string{testGUIDText, "{00000000-0000-0000-0000-000000000000}"}},
		{"size_t array", tv{vtArray | vtSizeT, cat(le64(1), le64(0x20))}, "0x1,0x20", []string{"0x1", "0x20"}},
		{"filetime array", tv{vtArray | vtFileTime, cat(le64(ticks(testTime)), le64(ticksTo1970))},
			"2019-03-19T23:34:25.1234567Z,1970-01-01T00:00:00.0000000Z",
			[]string{"2019-03-19T23:34:25.1234567Z", "1970-01-01T00:00:00.0000000Z"}},
		{"systemtime array", tv{vtArray | vtSysTime, cat(systime(2020, 1, 2, 3, 4, 5, 6), systime(2021, 12, 31, 23, 59, 59, 999))},
			"2020-01-02T03:04:05.0060000Z,2021-12-31T23:59:59.9990000Z",
			[]string{"2020-01-02T03:04:05.0060000Z", "2021-12-31T23:59:59.9990000Z"}},
		{"sid array", tv{vtArray | vtSID, cat(sid(5, 18), sid(5, 32, 544))}, "S-1-5-18,S-1-5-32-544", []string{"S-1-5-18", "S-1-5-32-544"}},
		{"hexint32 array", tv{vtArray | vtHex32, cat(le32(0), le32(0xabc))}, "0x0,0xabc", []string{"0x0", "0xabc"}},
		{"hexint64 array", tv{vtArray | vtHex64, cat(le64(1), le64(0xffffffffff))}, "0x1,0xffffffffff", []string{"0x1", "0xffffffffff"}},
		{"empty array", tv{vtArray | vtString, nil}, "", []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newChunkBuilder(1)
			c.record(1, 0, func() {
				c.fragment()
				c.templateInstance(0, c.eventTemplate([]string{"V"}), append(systemValues(1), tt.v))
				c.eof()
			})
			recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
			if len(errs) > 0 || len(recs) != 1 {
				t.Fatalf("records %d, errors %v", len(recs), errs)
			}
			want := []Data{{Name: "V", Value: tt.want, Values: tt.values}}
			if tt.v.typ == vtNull {
				want = nil
			}
			if got := recs[0].EventData; !equalData(got, want) || len(got) > 0 && (tt.values != nil) != (got[0].Values != nil) {
				t.Errorf("got %#v, want %#v", got, want)
			}
		})
	}
}

// TestNestedBinXml covers UserData carried in a BinXml substitution that
// holds its own template instance, as Windows writes event 1102.
func TestNestedBinXml(t *testing.T) {
	c := newChunkBuilder(1)
	c.record(7, 0, func() {
		c.fragment()
		// the outer template: <Event><System><EventID>%0</EventID><Channel>Security</Channel></System>%1</Event>
		outer := func() {
			c.open("Event", false, true)
			c.closeStart()
			c.open("System", false, true)
			c.closeStart()
			c.open("EventID", false, true)
			c.closeStart()
			c.subst(0, vtUint16, false)
			c.end()
			c.open("Channel", false, true)
			c.closeStart()
			c.text("Security")
			c.end()
			c.end()
			c.subst(1, vtBinXml, false)
			c.end()
		}
		// the BinXml value: fragment + template instance of UserData
		inner := newChunkBuilder(0)
		_ = inner
		// write the outer instance with a placeholder for the BinXml value,
		// which must be built at its final offset: build it in place.
		c.u8(tokTemplate)
		c.u8(1)
		c.u32(1)
		defOff := uint32(c.pos() + 4)
		c.u32(defOff)
		c.u32(0)
		c.buf = append(c.buf, make([]byte, 16)...)
		sizeAt := c.pos()
		c.u32(0)
		start := c.pos()
		c.fragment()
		outer()
		c.eof()
		binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.pos()-start))
		c.u32(2)
		c.u16(2)
		c.u8(vtUint16)
		c.u8(0)
		descAt := c.pos()
		c.u16(0) // size of the BinXml value, patched
		c.u8(vtBinXml)
		c.u8(0)
		c.buf = append(c.buf, le16(1102)...)
		vstart := c.pos()
		c.fragment()
		c.templateInstance(0, func() {
			c.open("UserData", false, true)
			c.closeStart()
			c.open("LogFileCleared", true, true)
			c.attr("xmlns", false)
			c.text("http://manifests.microsoft.com/win/2004/08/windows/eventlog")
			c.closeStart()
			c.open("SubjectUserSid", false, true)
			c.closeStart()
			c.subst(0, vtSID, false)
			c.end()
			c.open("Nested", false, true)
			c.closeStart()
			c.open("Leaf", true, true)
			c.attr("Attr", false)
			c.subst(2, vtString, false)
			c.closeStart()
			c.subst(1, vtHex64, false)
			c.end()
			c.end()
			c.end()
			c.end()
		}, []tv{{vtSID, sid(5, 21, 7, 500)}, {vtHex64, le64(0x1f4c65f)}, {vtString, str16("a")}})
		c.eof()
		binary.LittleEndian.PutUint16(c.buf[descAt:], uint16(c.pos()-vstart))
		c.eof()
	})
	recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
	if len(errs) > 0 || len(recs) != 1 {
		t.Fatalf("records %d, errors %v", len(recs), errs)
	}
	r := recs[0]
	if r.System.EventID != 1102 || r.System.Channel != "Security" {
		t.Errorf("System = %+v", r.System)
	}
	if r.UserDataName != "LogFileCleared" {
		t.Errorf("UserDataName = %q", r.UserDataName)
	}
	want := []Data{{Name: "SubjectUserSid", Value: "S-1-5-21-7-500"}, {Name: "Nested.Leaf.Attr", Value: "a"}, {Name: "Nested.Leaf", Value: "0x1f4c65f"}}
	if !equalData(r.UserData, want) {
		t.Errorf("UserData = %q, want %q", r.UserData, want)
	}
	wantXML := `<Event><System><EventID>1102</EventID><Channel>Security</Channel></System><UserData>` +
		`<LogFileCleared xmlns="http://manifests.microsoft.com/win/2004/08/windows/eventlog">` +
		`<SubjectUserSid>S-1-5-21-7-500</SubjectUserSid><Nested><Leaf Attr="a">0x1f4c65f</Leaf></Nested>` +
		`</LogFileCleared></UserData></Event>`
	if got := string(r.AppendXML(nil)); got != wantXML {
		t.Errorf("AppendXML:\n got %s\nwant %s", got, wantXML)
	}
}

// TestNoTemplate covers records written without templates (as in the
// token-0x05 files): element start tags without the dependency identifier,
// value text everywhere, and the remaining token types.
func TestNoTemplate(t *testing.T) {
	for _, reuse := range []bool{false, true} {
		c := newChunkBuilder(1)
		c.noReuse = !reuse
		for id := uint64(1); id <= 2; id++ {
			c.record(id, 0, func() {
				c.fragment()
				c.open("Event", true, false)
				c.attr("xmlns", false)
				c.text("http://schemas.microsoft.com/win/2004/08/events/event")
				c.closeStart()
				c.open("System", false, false)
				c.closeStart()
				c.open("Provider", true, false)
				c.attr("Name", true)
				c.text("Microsoft-Windows-")
				c.text("Sysmon") // value text spanning two tokens
				c.attr("Guid", false)
				c.text("{5770385F-C22A-43E0-BF4C-06F5698FFBD9}")
				c.closeEmpty()
				c.open("EventID", false, false)
				c.closeStart()
				c.text("1")
				c.end()
				c.open("Keywords", false, false)
				c.closeStart()
				c.text("0x8000000000000000")
				c.end()
				c.open("TimeCreated", true, false)
				c.attr("SystemTime", false)
				c.text("2021-04-27T15:03:17.762951800Z")
				c.closeEmpty()
				c.open("Channel", false, false)
				c.closeStart()
				c.text("Microsoft-Windows-Sysmon/Operational")
				c.end()
				c.end()
				c.open("EventData", false, false)
				c.closeStart()
				c.open("Data", true, false)
				c.attr("Name", false)
				c.text("CommandLine")
				c.closeStart()
				c.text("a ")
				c.charRef(0x3c)
				c.entity("amp")
				c.cdata("<raw>")
				c.end()
				c.open("Data", false, false)
				c.closeStart()
				c.end()
				c.end()
				c.pi("target", "data")
				c.end()
				c.eof()
			})
		}
		recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
		if len(errs) > 0 || len(recs) != 2 {
			t.Fatalf("reuse=%v: records %d, errors %v", reuse, len(recs), errs)
		}
		r := recs[1]
		s := r.System
		if s.Provider != "Microsoft-Windows-Sysmon" || s.ProviderGUID != "{5770385F-C22A-43E0-BF4C-06F5698FFBD9}" ||
			s.EventID != 1 || s.Keywords != 0x8000000000000000 || s.Channel != "Microsoft-Windows-Sysmon/Operational" ||
			!s.TimeCreated.Equal(time.Date(2021, 4, 27, 15, 3, 17, 762951800, time.UTC)) {
			t.Errorf("reuse=%v: System = %+v", reuse, s)
		}
		want := []Data{{Name: "CommandLine", Value: "a <&<raw>"}, {Name: ""}}
		if !equalData(r.EventData, want) {
			t.Errorf("reuse=%v: EventData = %q, want %q", reuse, r.EventData, want)
		}
		wantXML := `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>` +
			`<Provider Name="Microsoft-Windows-Sysmon" Guid="{5770385F-C22A-43E0-BF4C-06F5698FFBD9}"/>` +
			`<EventID>1</EventID><Keywords>0x8000000000000000</Keywords>` +
			`<TimeCreated SystemTime="2021-04-27T15:03:17.762951800Z"/>` +
			`<Channel>Microsoft-Windows-Sysmon/Operational</Channel></System>` +
			`<EventData><Data Name="CommandLine">a &#60;&amp;<![CDATA[<raw>]]></Data><Data/></EventData>` +
			`<?target data?></Event>`
		if got := string(r.AppendXML(nil)); got != wantXML {
			t.Errorf("reuse=%v: AppendXML:\n got %s\nwant %s", reuse, got, wantXML)
		}
	}
}

// simpleChunk builds a chunk of n template records with ids from first.
func simpleChunk(first uint64, n int) []byte {
	c := newChunkBuilder(first)
	var def uint32
	for i := 0; i < n; i++ {
		id := first + uint64(i)
		c.record(id, ticks(testTime), func() {
			c.fragment()
			vals := append(systemValues(id), tv{vtString, str16("value")})
			if i == 0 {
				def = c.templateInstance(0, c.eventTemplate([]string{"X"}), vals)
			} else {
				c.templateInstance(def, nil, vals)
			}
			c.eof()
		})
	}
	return c.bytes(first)
}

func ids(recs []*Record) []uint64 {
	var out []uint64
	for _, r := range recs {
		out = append(out, r.ID)
	}
	return out
}

// TestChunkBadChecksumRecoversRecords: one bad byte in a chunk used to drop
// all its records; now the records whose own headers and sizes are sound
// are read, and the ChunkError counts them.
func TestChunkBadChecksumRecoversRecords(t *testing.T) {
	for _, corrupt := range []struct {
		name string
		off  int // offset in the chunk to flip
		msg  string
	}{
		{"header", 20, "chunk header checksum mismatch"},
		{"data", 700, "event records checksum mismatch"},
	} {
		for _, workers := range []int{1, 3} {
			c1 := simpleChunk(10, 3)
			c1[corrupt.off] ^= 0xff
			b := fileBytes(0, 3, simpleChunk(1, 3), c1, simpleChunk(20, 3))
			recs, errs := readAll(t, b, workers)
			if got := fmt.Sprint(ids(recs)); got != "[1 2 3 10 11 12 20 21 22]" {
				t.Errorf("%s/%d: ids %v", corrupt.name, workers, got)
			}
			var ce *ChunkError
			if len(errs) != 1 || !errors.As(errs[0], &ce) || ce.Recovered != 3 {
				t.Fatalf("%s/%d: errors %v", corrupt.name, workers, errs)
			}
			want := "test.evtx: chunk 1 (offset 0x11000): evtx: " + corrupt.msg + "; 3 records with sound headers recovered"
			if ce.Error() != want {
				t.Errorf("%s/%d: error %q, want %q", corrupt.name, workers, ce.Error(), want)
			}
		}
	}
}

// TestDirtyFile reads a file whose header is dirty and counts fewer chunks
// than there are, with an empty slot and a truncated last chunk.
func TestDirtyFile(t *testing.T) {
	empty := make([]byte, chunkSize)
	last := simpleChunk(30, 2)
	b := fileBytes(FlagDirty, 1, simpleChunk(1, 2), empty, simpleChunk(10, 2), last)
	b = b[:len(b)-chunkSize+4000] // the last chunk is cut short but its records fit
	f, err := NewFile(bytes.NewReader(b), int64(len(b)), "dirty.evtx")
	if err != nil {
		t.Fatal(err)
	}
	if !f.Header().Dirty() || f.Header().ChunkCount != 1 || !f.Header().ChecksumValid {
		t.Errorf("header %+v", f.Header())
	}
	f.Close()
	for _, workers := range []int{1, 2} {
		recs, errs := readAll(t, b, workers)
		if len(errs) > 0 {
			t.Errorf("errors %v", errs)
		}
		if got := ids(recs); len(got) != 6 || got[2] != 10 || got[4] != 30 || recs[2].Chunk != 2 || recs[4].Chunk != 3 {
			t.Errorf("workers %d: ids %v", workers, got)
		}
	}
}

func TestRecordError(t *testing.T) {
	c := newChunkBuilder(1)
	c.record(1, 0, func() {
		c.fragment()
		c.buf = append(c.buf, 0x1f, 0, 0) // unknown token
	})
	c.record(2, 0, func() {
		c.fragment()
		c.templateInstance(0, c.eventTemplate(nil), systemValues(2))
		c.eof()
	})
	recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
	var re *RecordError
	if len(errs) != 1 || !errors.As(errs[0], &re) {
		t.Fatalf("errors %v", errs)
	}
	want := "test.evtx: chunk 0: record 1 (offset 0x1200): evtx: binxml at chunk offset 0x21c: unexpected token 0x1f"
	if re.Error() != want {
		t.Errorf("error %q\nwant %q", re.Error(), want)
	}
	if got := ids(recs); len(got) != 2 || got[1] != 2 || recs[1].System.EventID != 4688 {
		t.Errorf("ids %v", got)
	}
}

func TestParallelMatchesSequential(t *testing.T) {
	var chunks [][]byte
	for i := 0; i < 9; i++ {
		chunks = append(chunks, simpleChunk(uint64(1+i*50), 50))
	}
	b := fileBytes(0, 9, chunks...)
	seq, _ := readAll(t, b, 1)
	for _, w := range []int{2, 4, 16} {
		par, _ := readAll(t, b, w)
		if len(par) != len(seq) {
			t.Fatalf("workers %d: %d records, sequential %d", w, len(par), len(seq))
		}
		for i := range par {
			if par[i].ID != seq[i].ID || string(par[i].AppendXML(nil)) != string(seq[i].AppendXML(nil)) {
				t.Fatalf("workers %d: record %d differs", w, i)
			}
		}
	}
}

// TestRecordReuse documents the lifetime rule: a record's strings change
// once Next is called again, a clone's do not.
func TestRecordReuse(t *testing.T) {
	b := fileBytes(0, 2, simpleChunk(1, 2), simpleChunk(3, 2))
	f, err := NewFile(bytes.NewReader(b), int64(len(b)), "x")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	f.SetWorkers(1)
	r, _ := f.Next()
	c := r.Clone()
	xml := string(r.AppendXML(nil))
	for {
		if _, err := f.Next(); err == io.EOF {
			break
		}
	}
	if c.ID != 1 || c.System.Computer != "host.example.com" || string(c.AppendXML(nil)) != xml {
		t.Errorf("clone changed: %+v", c)
	}
}

func TestCloseEarly(t *testing.T) {
	var chunks [][]byte
	for i := 0; i < 20; i++ {
		chunks = append(chunks, simpleChunk(uint64(1+i*10), 10))
	}
	b := fileBytes(0, 20, chunks...)
	f, err := NewFile(bytes.NewReader(b), int64(len(b)), "x")
	if err != nil {
		t.Fatal(err)
	}
	f.SetWorkers(4)
	if _, err := f.Next(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Next(); err == nil || !strings.Contains(err.Error(), "closed") {
		t.Errorf("Next after Close: %v", err)
	}
}

func TestNotEVTX(t *testing.T) {
	for _, b := range [][]byte{nil, []byte("short"), bytes.Repeat([]byte{'x'}, 4096)} {
		if _, err := NewFile(bytes.NewReader(b), int64(len(b)), "bad"); err == nil {
			t.Errorf("%q: no error", b[:min(len(b), 8)])
		}
	}
}

func TestAppendUTF16(t *testing.T) {
	for _, s := range []string{"", "a", "abcd", "abcdefgh", "abcdefghijklmnopq", "0123456789abcdef\u00e9xyz",
		"long ascii text that goes past sixteen characters € and then some more ASCII after it 😀!",
		"abc\x00def", "abcdefgh\x00ijklmnop", "abcdefghijklmno\x00p", "\x7f\x01abcdefghijkl"} {
		want := s
		if k := strings.IndexByte(s, 0); k >= 0 {
			want = s[:k]
		}
		if got := string(appendUTF16([]byte("pre:"), utf16le(s))); got != "pre:"+want {
			t.Errorf("appendUTF16(%q) = %q", s, got)
		}
	}
}

// TestBinXmlValue covers BinXml (0x21) and EvtXml (0x23) values in
// EventData: the nested XML becomes the Data's text.
func TestBinXmlValue(t *testing.T) {
	for _, typ := range []byte{vtBinXml, vtEvtXml} {
		c := newChunkBuilder(1)
		c.record(1, 0, func() {
			c.fragment()
			c.templateInstanceDyn(func() {
				c.open("Event", false, true)
				c.closeStart()
				c.open("EventData", false, true)
				c.closeStart()
				c.open("Data", true, true)
				c.attr("Name", false)
				c.text("Nested")
				c.closeStart()
				c.subst(0, typ, false)
				c.end()
				c.end()
				c.end()
			}, []byte{typ}, []func(){func() {
				c.fragment()
				c.open("Foo", true, false)
				c.attr("a", false)
				c.text("1")
				c.closeStart()
				c.text("bar & baz")
				c.end()
				c.eof()
			}})
			c.eof()
		})
		recs, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
		if len(errs) > 0 || len(recs) != 1 {
			t.Fatalf("type %#x: records %d, errors %v", typ, len(recs), errs)
		}
		want := []Data{{Name: "Nested", Value: `<Foo a="1">bar &amp; baz</Foo>`}}
		if !equalData(recs[0].EventData, want) {
			t.Errorf("type %#x: EventData = %q, want %q", typ, recs[0].EventData, want)
		}
		wantXML := `<Event><EventData><Data Name="Nested"><Foo a="1">bar &amp; baz</Foo></Data></EventData></Event>`
		if got := string(recs[0].AppendXML(nil)); got != wantXML {
			t.Errorf("type %#x: AppendXML = %s", typ, got)
		}
	}
}

// TestTemplateRecursion checks that a template whose definition
// instantiates itself is an error, not a hang.
func TestTemplateRecursion(t *testing.T) {
	c := newChunkBuilder(1)
	c.record(1, 0, func() {
		c.fragment()
		c.u8(tokTemplate)
		c.u8(1)
		c.u32(1)
		defOff := uint32(c.pos() + 4)
		c.u32(defOff)
		c.u32(0)
		c.buf = append(c.buf, make([]byte, 16)...)
		sizeAt := c.pos()
		c.u32(0)
		start := c.pos()
		c.fragment()
		c.templateInstance(defOff, nil, nil) // instantiates the definition being parsed
		c.eof()
		binary.LittleEndian.PutUint32(c.buf[sizeAt:], uint32(c.pos()-start))
		c.u32(0)
		c.eof()
	})
	_, errs := readAll(t, fileBytes(0, 1, c.bytes(1)), 1)
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "refers to itself") {
		t.Errorf("errors %v", errs)
	}
}
