// Package synth generates synthetic ECS events for benchmarks and tests:
// process, network, file, registry and authentication events in the shape
// Elastic Defend and Elastic Agent produce, deterministic for a seed.
package synth

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/vigilsec/vigil/event"
)

// Generator produces events. It is deterministic for a given seed.
type Generator struct {
	rng   *rand.Rand
	t     time.Time
	n     int
	hosts []string
	users []string
	doc   event.Doc
}

// New returns a generator whose events start at start.
func New(seed uint64, start time.Time) *Generator {
	g := &Generator{rng: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)), t: start}
	for i := range 50 {
		g.hosts = append(g.hosts, fmt.Sprintf("WKS-%04d", i))
	}
	for i := range 40 {
		g.users = append(g.users, fmt.Sprintf("user%02d", i))
	}
	return g
}

var images = []struct{ dir, name, orig string }{
	{`C:\Windows\System32\`, "svchost.exe", "svchost.exe"},
	{`C:\Windows\System32\`, "cmd.exe", "Cmd.Exe"},
	{`C:\Windows\System32\WindowsPowerShell\v1.0\`, "powershell.exe", "PowerShell.EXE"},
	{`C:\Program Files\Google\Chrome\Application\`, "chrome.exe", "chrome.exe"},
	{`C:\Windows\`, "explorer.exe", "EXPLORER.EXE"},
	{`C:\Windows\System32\`, "conhost.exe", "CONHOST.EXE"},
	{`C:\Program Files\Microsoft Office\root\Office16\`, "WINWORD.EXE", "WinWord.exe"},
	{`C:\Windows\System32\`, "rundll32.exe", "RUNDLL32.EXE"},
	{`C:\Windows\System32\`, "taskhostw.exe", "taskhostw.exe"},
	{`C:\Users\Public\`, "update.exe", "update.exe"},
}

var argSets = [][]string{
	{"-k", "netsvcs", "-p", "-s", "Schedule"},
	{"/c", "dir", `C:\Users`},
	{"-NoProfile", "-ExecutionPolicy", "Bypass", "-File", `C:\scripts\inventory.ps1`},
	{"--type=renderer", "--field-trial-handle=1234"},
	{},
	{"0xffffffff", "-ForceV1"},
	{"/n", `C:\Users\Public\report.docx`},
	{`C:\Windows\System32\shell32.dll,Control_RunDLL`},
}

// Next returns the next event as an ECS JSON document (appended to dst).
func (g *Generator) Next(dst []byte) []byte {
	g.Doc()
	return g.doc.AppendJSON(dst)
}

// Doc builds the next event as a Doc, owned by the generator and valid until
// the next call.
func (g *Generator) Doc() *event.Doc {
	g.n++
	g.t = g.t.Add(time.Duration(g.rng.IntN(20)+1) * time.Millisecond)
	d := &g.doc
	d.Reset()
	host := g.hosts[g.rng.IntN(len(g.hosts))]
	user := g.users[g.rng.IntN(len(g.users))]
	d.Set("@timestamp", event.Str(g.t.UTC().Format("2006-01-02T15:04:05.000Z")))
	d.Set("agent.type", event.Str("endpoint"))
	d.Set("agent.version", event.Str("8.15.0"))
	d.Set("ecs.version", event.Str("8.11.0"))
	d.Set("host.name", event.Str(host))
	d.Set("host.hostname", event.Str(host))
	d.Set("host.os.type", event.Str("windows"))
	d.Set("host.os.family", event.Str("windows"))
	d.Set("host.os.name", event.Str("Windows 10 Pro"))
	d.Set("host.os.version", event.Str("22H2"))
	d.Set("host.id", event.Str(fmt.Sprintf("b1c2%028x", g.rng.Uint64()%50)))
	d.Set("user.name", event.Str(user))
	d.Set("user.domain", event.Str("CORP"))
	d.Set("user.id", event.Str("S-1-5-21-1004336348-1177238915-682003330-"+strconv.Itoa(1000+g.rng.IntN(40))))
	d.Set("event.id", event.Str(fmt.Sprintf("N%015x", g.rng.Uint64())))
	d.Set("event.kind", event.Str("event"))
	img := images[g.rng.IntN(len(images))]
	pid := 1000 + g.rng.IntN(60000)
	entity := fmt.Sprintf("YjFjMmQzZTQtZjU2Ny00ODkwLWExYjItYzNkNGU1ZjY3ODkw-%d-%d", pid, g.n)
	d.Set("process.pid", event.Int(int64(pid)))
	d.Set("process.entity_id", event.Str(entity))
	d.Set("process.name", event.Str(img.name))
	d.Set("process.executable", event.Str(img.dir+img.name))
	d.Set("process.pe.original_file_name", event.Str(img.orig))
	d.Set("process.parent.name", event.Str(images[g.rng.IntN(len(images))].name))
	d.Set("process.parent.pid", event.Int(int64(4+g.rng.IntN(10000))))
	d.Set("process.parent.entity_id", event.Str(fmt.Sprintf("YjFjMmQzZTQ-parent-%d", g.rng.IntN(100000))))
	d.Set("process.hash.sha256", event.Str(fmt.Sprintf("%016x%016x%016x%016x", g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64(), g.rng.Uint64())))
	d.Set("process.code_signature.trusted", event.Bool(g.rng.IntN(10) > 1))
	d.Set("process.code_signature.subject_name", event.Str("Microsoft Windows"))
	switch r := g.rng.IntN(10); {
	case r < 4:
		args := argSets[g.rng.IntN(len(argSets))]
		all := []event.Value{event.Str(img.dir + img.name)}
		cmd := `"` + img.dir + img.name + `"`
		for _, a := range args {
			all = append(all, event.Str(a))
			cmd += " " + a
		}
		d.Set("event.category", event.Array(event.Str("process")))
		d.Set("event.type", event.Array(event.Str("start")))
		d.Set("event.action", event.Str("start"))
		d.Set("event.dataset", event.Str("endpoint.events.process"))
		d.Set("data_stream.dataset", event.Str("endpoint.events.process"))
		d.Set("process.args", event.Array(all...))
		d.Set("process.args_count", event.Int(int64(len(all))))
		d.Set("process.command_line", event.Str(cmd))
		d.Set("process.working_directory", event.Str(`C:\Windows\system32\`))
	case r < 7:
		d.Set("event.category", event.Array(event.Str("network")))
		d.Set("event.type", event.Array(event.Str("start")))
		d.Set("event.action", event.Str("connection_attempted"))
		d.Set("event.dataset", event.Str("endpoint.events.network"))
		d.Set("data_stream.dataset", event.Str("endpoint.events.network"))
		d.Set("source.ip", event.Str("10.0.1."+strconv.Itoa(g.rng.IntN(250)+1)))
		d.Set("source.port", event.Int(int64(49152+g.rng.IntN(16000))))
		d.Set("destination.ip", event.Str(fmt.Sprintf("%d.%d.%d.%d", 20+g.rng.IntN(200), g.rng.IntN(256), g.rng.IntN(256), 1+g.rng.IntN(254))))
		d.Set("destination.port", event.Int([]int64{443, 80, 445, 135, 53, 3389}[g.rng.IntN(6)]))
		d.Set("network.transport", event.Str("tcp"))
		d.Set("network.direction", event.Str("egress"))
	case r < 9:
		d.Set("event.category", event.Array(event.Str("file")))
		d.Set("event.type", event.Array(event.Str("creation")))
		d.Set("event.action", event.Str("creation"))
		d.Set("event.dataset", event.Str("endpoint.events.file"))
		d.Set("data_stream.dataset", event.Str("endpoint.events.file"))
		name := fmt.Sprintf("tmp%06d.%s", g.rng.IntN(1000000), []string{"tmp", "log", "dll", "exe", "ps1", "docx"}[g.rng.IntN(6)])
		d.Set("file.name", event.Str(name))
		d.Set("file.path", event.Str(`C:\Users\`+user+`\AppData\Local\Temp\`+name))
		d.Set("file.extension", event.Str(name[len(name)-3:]))
	default:
		d.Set("event.category", event.Array(event.Str("registry")))
		d.Set("event.type", event.Array(event.Str("change")))
		d.Set("event.action", event.Str("modification"))
		d.Set("event.dataset", event.Str("endpoint.events.registry"))
		d.Set("data_stream.dataset", event.Str("endpoint.events.registry"))
		d.Set("registry.path", event.Str(`HKLM\SOFTWARE\Microsoft\Windows\CurrentVersion\Run\Updater`+strconv.Itoa(g.rng.IntN(100))))
		d.Set("registry.value", event.Str("Updater"))
		d.Set("registry.data.strings", event.Array(event.Str(`C:\Users\Public\update.exe`)))
	}
	d.Set("data_stream.type", event.Str("logs"))
	d.Set("data_stream.namespace", event.Str("default"))
	d.Set("message", event.Str("Endpoint event for "+host))
	return d
}

// NDJSON returns n events as newline-delimited JSON.
func (g *Generator) NDJSON(n int) []byte {
	var out []byte
	for range n {
		out = g.Next(out)
		out = append(out, '\n')
	}
	return out
}
