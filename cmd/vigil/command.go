package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"strings"
)

// command is one vigil subcommand. Each is a small type that owns its flags
// and usage text; main only dispatches to it.
type command interface {
	// Name is the word that selects the command on the command line.
	Name() string
	// Synopsis is the one-line summary shown by "vigil help".
	Synopsis() string
	// Run parses args (everything after the command name) and does the work.
	Run(ctx context.Context, args []string) error
}

// errSilent marks an error whose message has already been printed.
var errSilent = errors.New("silent")

// exitError carries a specific exit code out of a command.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func (e *exitError) Unwrap() error { return e.err }

// usageError reports bad usage (exit code 1) with a message.
func usageError(format string, args ...any) error {
	return &exitError{code: 1, err: fmt.Errorf(format, args...)}
}

// stdout and stderr are variables so tests can capture command output.
var (
	stdout io.Writer = os.Stdout
	stderr io.Writer = os.Stderr
	stdin  io.Reader = os.Stdin
)

// commands lists every subcommand; help and version are handled here too.
func commands() []command {
	return []command{
		&eqlCmd{},
		&esqlCmd{},
		&huntCmd{},
		&rulesCmd{},
		&dumpCmd{},
		&serveCmd{},
		&versionCmd{},
	}
}

func run(ctx context.Context, args []string) error {
	if len(args) == 0 {
		printHelp(stderr)
		return &exitError{code: 1, err: errSilent}
	}
	name := args[0]
	switch name {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			for _, c := range commands() {
				if c.Name() == args[1] {
					return c.Run(ctx, []string{"-h"})
				}
			}
			return usageError("help: unknown command %q", args[1])
		}
		printHelp(stdout)
		return nil
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.Name() == name {
			return c.Run(ctx, args[1:])
		}
	}
	return usageError("unknown command %q (run 'vigil help')", name)
}

func printHelp(w io.Writer) {
	fmt.Fprintln(w, "vigil runs Elastic detection rules (EQL, KQL) over endpoint telemetry.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage:")
	fmt.Fprintln(w, "  vigil <command> [flags] [arguments]")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Commands:")
	cs := commands()
	sort.Slice(cs, func(i, j int) bool { return cs[i].Name() < cs[j].Name() })
	for _, c := range cs {
		fmt.Fprintf(w, "  %-10s %s\n", c.Name(), c.Synopsis())
	}
	fmt.Fprintf(w, "  %-10s %s\n", "help", "show help for vigil or a command")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run 'vigil <command> -h' for a command's flags.")
}

// newFlagSet returns a flag set whose -h prints the usage text and the flags.
func newFlagSet(name, usage string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), strings.TrimSpace(usage))
		fmt.Fprintln(fs.Output())
		fmt.Fprintln(fs.Output(), "Flags:")
		fs.PrintDefaults()
	}
	return fs
}

// parseFlags parses args and converts -h into a successful exit and any other
// flag error into a usage error (exit code 1). Flags may come after
// arguments (vigil hunt logs/ --format csv); "--" ends the flags.
func parseFlags(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		if err := parseQuietly(fs, args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				fs.Usage()
				return &exitError{code: 0, err: errSilent}
			}
			// The error and one hint, not the whole usage.
			fmt.Fprintf(fs.Output(), "vigil %s: %v\nRun 'vigil %s -h' for the flags.\n", fs.Name(), err, fs.Name())
			return &exitError{code: 1, err: errSilent}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		// A "--" that flag consumed leaves the rest as arguments.
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Re-parse nothing but the arguments so that fs.Args returns them.
	return fs.Parse(append([]string{"--"}, positional...))
}

// parseQuietly parses args without the flag package's own printing (it
// prints the error and the whole usage); parseFlags prints instead.
func parseQuietly(fs *flag.FlagSet, args []string) error {
	out, usage := fs.Output(), fs.Usage
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	defer func() { fs.SetOutput(out); fs.Usage = usage }()
	return fs.Parse(args)
}

// startCPUProfile writes a CPU profile to path (none when path is empty)
// until the returned function is called.
func startCPUProfile(cmd, path string) (stop func(), err error) {
	return startRecording(cmd, path, pprof.StartCPUProfile, pprof.StopCPUProfile)
}

// startTrace writes an execution trace to path (none when path is
// empty) until the returned function is called.
func startTrace(cmd, path string) (stop func(), err error) {
	return startRecording(cmd, path, trace.Start, trace.Stop)
}

// startRecording creates path, unless it is empty, and has start write
// into it until the returned function calls end and closes the file.
func startRecording(cmd, path string, start func(io.Writer) error, end func()) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, usageError("%s: %v", cmd, err)
	}
	if err := start(f); err != nil {
		f.Close()
		return nil, usageError("%s: %v", cmd, err)
	}
	return func() { end(); f.Close() }, nil
}
