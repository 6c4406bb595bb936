package input

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// errTooLong reports a record beyond the cap; the record is skipped.
type errTooLong struct{ max int }

func (e errTooLong) Error() string {
	return fmt.Sprintf("record longer than %d MiB skipped", e.max>>20)
}

// lineSplitter yields the lines of a stream without their newline, at most
// max bytes each; a longer line is skipped whole and reported.
type lineSplitter struct {
	br   *bufio.Reader
	max  int
	line int64 // number of the line last returned
	long []byte
}

// next returns the next line. A read error of the stream is returned as
// it is; the caller ends the input.
func (s *lineSplitter) next() ([]byte, error) {
	s.long = s.long[:0]
	tooLong := false
	for {
		chunk, err := s.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			if !tooLong {
				if len(s.long)+len(chunk) > s.max {
					tooLong = true
					s.long = s.long[:0]
				} else {
					s.long = append(s.long, chunk...)
				}
			}
			continue
		}
		if err != nil && err != io.EOF {
			return nil, err
		}
		if err == io.EOF && len(chunk) == 0 && len(s.long) == 0 && !tooLong {
			return nil, io.EOF
		}
		s.line++
		if !tooLong && len(s.long)+len(chunk) > s.max {
			tooLong = true
		}
		if tooLong {
			return nil, errTooLong{s.max}
		}
		if len(s.long) > 0 {
			s.long = append(s.long, chunk...)
			return s.long, nil
		}
		return chunk, nil
	}
}

// arraySplitter yields the elements of a JSON array one at a time, as raw
// bytes, without decoding them: it tracks nesting and strings only. An
// element longer than max is skipped and reported; the array's syntax
// between elements is checked.
type arraySplitter struct {
	br    *bufio.Reader
	max   int
	line  int64 // line of the element last returned (1-based)
	cur   int64 // current line
	buf   []byte
	ended bool
	err   error // to return after the element just returned
}

// errArraySyntax is a JSON array that cannot be split further.
var errArraySyntax = errors.New("invalid JSON array")

// start consumes the opening bracket.
func (s *arraySplitter) start() error {
	s.cur = 1
	c, err := s.skipSpace()
	if err != nil {
		return err
	}
	if c != '[' {
		return errArraySyntax
	}
	c, err = s.skipSpace()
	if err == io.EOF {
		return fmt.Errorf("%w: unexpected end", errArraySyntax)
	}
	if err != nil {
		return err
	}
	if c == ']' {
		s.ended = true
		return nil
	}
	return s.br.UnreadByte()
}

func (s *arraySplitter) skipSpace() (byte, error) {
	for {
		c, err := s.br.ReadByte()
		if err != nil {
			return 0, err
		}
		switch c {
		case '\n':
			s.cur++
		case ' ', '\t', '\r':
		default:
			return c, nil
		}
	}
}

// next returns the next element; io.EOF after the closing bracket. A
// syntax error between elements, or a read error, ends the array.
func (s *arraySplitter) next() ([]byte, error) {
	if s.err != nil {
		err := s.err
		s.err, s.ended = nil, true
		return nil, err
	}
	if s.ended {
		return nil, io.EOF
	}
	c, err := s.skipSpace()
	if err != nil {
		return nil, s.eof(err)
	}
	s.line = s.cur
	s.buf = s.buf[:0]
	tooLong := false
	depth, inStr, esc := 0, false, false
	for {
		if !tooLong {
			if len(s.buf) >= s.max {
				tooLong, s.buf = true, s.buf[:0]
			} else {
				s.buf = append(s.buf, c)
			}
		}
		switch {
		case c == '\n':
			s.cur++
		case inStr:
			switch {
			case esc:
				esc = false
			case c == '\\':
				esc = true
			case c == '"':
				inStr = false
			}
		case c == '"':
			inStr = true
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			depth--
		}
		if depth < 0 {
			return nil, fmt.Errorf("%w: unexpected %q", errArraySyntax, c)
		}
		if depth == 0 && !inStr {
			// The element ends at a closing bracket or quote, or
			// before a separator (a scalar element).
			p, err := s.br.Peek(1)
			if err != nil && err != io.EOF {
				return nil, err
			}
			if err == io.EOF || isSpaceOrSep(p[0]) {
				break
			}
		}
		if c, err = s.br.ReadByte(); err != nil {
			return nil, s.eof(err)
		}
	}
	// What follows the element is checked now; an error there is
	// returned on the next call, after the element.
	c, err = s.skipSpace()
	switch {
	case err != nil:
		s.err = s.eof(err)
	case c == ',':
	case c == ']':
		s.ended = true
	default:
		s.err = fmt.Errorf("%w: unexpected %q after an element", errArraySyntax, c)
	}
	if tooLong {
		return nil, errTooLong{s.max}
	}
	return s.buf, nil
}

func (s *arraySplitter) eof(err error) error {
	if err == io.EOF {
		return fmt.Errorf("%w: unexpected end", errArraySyntax)
	}
	return err
}

func isSpaceOrSep(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ',', ']':
		return true
	}
	return false
}
