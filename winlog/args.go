package winlog

import (
	"unicode"
	"unicode/utf8"
)

// SplitCommandLine splits a command line into arguments the way Elastic's
// Sysmon and PowerShell pipelines do: a port of Go's CommandLineToArgvW
// emulation (syscall readNextArg, golang/go 39c8d2b7). Arguments are
// separated by spaces or tabs outside double quotes; 2n backslashes before
// a quote give n backslashes and toggle quoting, 2n+1 give n backslashes
// and a literal quote; other backslashes are literal; and inside quotes a
// doubled quote ("") is a literal quote (the "prior to 2008" rule).
func SplitCommandLine(cmd string) []string {
	var a arena
	a.detached = true
	return splitCommandLine(&a, cmd, nil)
}

func splitCommandLine(a *arena, cmd string, dst []string) []string {
	for len(cmd) > 0 {
		if cmd[0] == ' ' || cmd[0] == '\t' {
			cmd = cmd[1:]
			continue
		}
		// Without a double quote an argument is its text up to the next
		// space or tab: backslashes are literal unless a quote follows.
		end := 0
		for end < len(cmd) && cmd[end] != ' ' && cmd[end] != '\t' && cmd[end] != '"' {
			end++
		}
		if end == len(cmd) || cmd[end] != '"' {
			dst = append(dst, cmd[:end])
			cmd = cmd[end:]
			continue
		}
		var arg []byte
		arg, cmd = readNextArg(a.scratch[:0], cmd)
		a.scratch = arg[:0]
		dst = append(dst, a.str(arg))
	}
	return dst
}

func appendBackslashes(b []byte, n int) []byte {
	for ; n > 0; n-- {
		b = append(b, '\\')
	}
	return b
}

func readNextArg(b []byte, cmd string) (arg []byte, rest string) {
	inquote := false
	nslash := 0
	for ; len(cmd) > 0; cmd = cmd[1:] {
		c := cmd[0]
		switch c {
		case ' ', '\t':
			if !inquote {
				return appendBackslashes(b, nslash), cmd[1:]
			}
		case '"':
			b = appendBackslashes(b, nslash/2)
			if nslash%2 == 0 {
				if inquote && len(cmd) > 1 && cmd[1] == '"' {
					b = append(b, c)
					cmd = cmd[1:]
				}
				inquote = !inquote
			} else {
				b = append(b, c)
			}
			nslash = 0
			continue
		case '\\':
			nslash++
			continue
		}
		b = appendBackslashes(b, nslash)
		nslash = 0
		b = append(b, c)
	}
	return appendBackslashes(b, nslash), ""
}

// SplitCommandLineNaive splits a command line the way Elastic's Security
// pipeline does for event 4688: at every whitespace character
// (Java's Character.isWhitespace) outside double quotes, keeping the quotes
// in the arguments. Repeated whitespace gives empty arguments, and a
// trailing whitespace a trailing empty argument.
func SplitCommandLineNaive(cmd string) []string { return splitNaive(cmd, nil) }

func splitNaive(cmd string, dst []string) []string {
	start := 0
	inQuote := false
	for i := 0; i < len(cmd); {
		r, size := rune(cmd[i]), 1
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(cmd[i:])
		}
		if r == '"' {
			inQuote = !inQuote
		}
		if !inQuote && javaWhitespace(r) {
			dst = append(dst, cmd[start:i])
			start = i + size
		}
		if i+size == len(cmd) {
			dst = append(dst, cmd[start:])
		}
		i += size
	}
	return dst
}

// javaWhitespace is Java's Character.isWhitespace.
func javaWhitespace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', 0x1c, 0x1d, 0x1e, 0x1f:
		return true
	case 0xa0, 0x2007, 0x202f:
		return false
	}
	return r > 0x7f && unicode.In(r, unicode.Zs, unicode.Zl, unicode.Zp)
}
