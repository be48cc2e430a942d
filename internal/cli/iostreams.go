package cli

import (
	"bytes"
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// IOStreams is where a command reads and writes: every byte of output goes
// through it, never through os.Stdout directly, so that tests can run the
// commands against buffers and pretend to be a terminal.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	inTTY, outTTY, errTTY bool
	noColor               bool
	// readPassword reads a line from the terminal without echo.
	readPassword func() ([]byte, error)
	// inPending reports whether In holds data that could be read now,
	// without waiting for it.
	inPending func() bool
	inUsed    bool
	inData    []byte
	inErr     error
	// warnedInsecure is set once --verify=no has been warned about.
	warnedInsecure bool
}

// System returns the process's streams.
func System() *IOStreams {
	return &IOStreams{
		In:     os.Stdin,
		Out:    os.Stdout,
		ErrOut: os.Stderr,
		inTTY:  term.IsTerminal(int(os.Stdin.Fd())),
		outTTY: term.IsTerminal(int(os.Stdout.Fd())),
		errTTY: term.IsTerminal(int(os.Stderr.Fd())),
		// NO_COLOR (https://no-color.org): any non-empty value.
		noColor:      os.Getenv("NO_COLOR") != "",
		readPassword: func() ([]byte, error) { return term.ReadPassword(int(os.Stdin.Fd())) },
		inPending:    func() bool { return pending(os.Stdin) },
	}
}

// pending reports whether f holds data that a read would return now: a
// regular file not read to its end, or a pipe with bytes in it. A terminal
// or /dev/null holds none.
func pending(f *os.File) bool {
	fi, err := f.Stat()
	if err != nil {
		return false
	}
	switch m := fi.Mode(); {
	case m.IsRegular():
		off, err := f.Seek(0, io.SeekCurrent)
		return err == nil && fi.Size() > off
	case m&(os.ModeNamedPipe|os.ModeSocket) != 0:
		return pipedBytes(f) > 0
	}
	return false
}

// ReadIn reads all of standard input; later calls return the same bytes.
func (s *IOStreams) ReadIn() ([]byte, error) {
	if !s.inUsed {
		s.inUsed = true
		s.inData, s.inErr = io.ReadAll(s.In)
		if s.inErr != nil {
			s.inErr = fmt.Errorf("reading standard input: %w", s.inErr)
		}
	}
	return s.inData, s.inErr
}

// UnreadInput reports whether standard input holds data that nothing read.
func (s *IOStreams) UnreadInput() bool {
	return !s.inUsed && s.inPending != nil && s.inPending()
}

// TestStreams returns streams on buffers; tty says whether they pretend to
// be terminals.
func TestStreams(stdin string, tty bool) (*IOStreams, *bytes.Buffer, *bytes.Buffer) {
	out, errOut := &bytes.Buffer{}, &bytes.Buffer{}
	in := bytes.NewBufferString(stdin)
	return &IOStreams{
		In: in, Out: out, ErrOut: errOut,
		inTTY: tty, outTTY: tty, errTTY: tty,
		readPassword: func() ([]byte, error) {
			line, err := in.ReadBytes('\n')
			return bytes.TrimRight(line, "\r\n"), err
		},
		inPending: func() bool { return in.Len() > 0 },
	}, out, errOut
}

// IsStdoutTTY reports whether standard output is a terminal.
func (s *IOStreams) IsStdoutTTY() bool { return s.outTTY }

// IsStderrTTY reports whether standard error is a terminal.
func (s *IOStreams) IsStderrTTY() bool { return s.errTTY }

// IsStdinTTY reports whether standard input is a terminal.
func (s *IOStreams) IsStdinTTY() bool { return s.inTTY }

// ColorEnabled reports whether output to stdout may use colours: a
// terminal and no NO_COLOR.
func (s *IOStreams) ColorEnabled() bool { return s.outTTY && !s.noColor }
