package cli

import (
	"bytes"
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
	getenv       func(string) string
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
		getenv:       os.Getenv,
	}
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
		getenv: func(string) string { return "" },
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

// Getenv reads an environment variable.
func (s *IOStreams) Getenv(k string) string {
	if s.getenv == nil {
		return ""
	}
	return s.getenv(k)
}
