// Package web owns the analyst's page: the static files of the alert
// triage page (embedded in the binary: no build step, no CDN), the handler
// that serves them for vigil serve, the ATT&CK heat map data both the
// service and a hunt show, and the self-contained HTML report of a hunt
// (vigil hunt --html), which is the same page with its data embedded.
package web
