// Command vigil runs Elastic detection rules (EQL, KQL) over endpoint telemetry:
// EVTX files, ECS NDJSON, or events streamed to it.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	// The first interrupt cancels ctx: commands stop reading, finish what
	// is pending and report. Then the default handling comes back, so a
	// second interrupt ends the process at once.
	context.AfterFunc(ctx, stop)
	err := run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps an error returned by a subcommand to the process exit status:
// 0 success, 1 bad usage or unreadable input, 2 rule errors (hunt --strict),
// 130 interrupted (as a shell reports a process ended by SIGINT).
func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil && !errors.Is(ee.err, errSilent) {
			fmt.Fprintln(os.Stderr, "vigil:", ee.err)
		}
		return ee.code
	}
	if !errors.Is(err, errSilent) {
		fmt.Fprintln(os.Stderr, "vigil:", err)
	}
	return 1
}
