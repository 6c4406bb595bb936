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
	err := run(ctx, os.Args[1:])
	stop()
	os.Exit(exitCode(err))
}

// exitCode maps an error returned by a subcommand to the process exit status:
// 0 success, 1 bad usage or unreadable input, 2 rule errors (hunt --strict).
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
