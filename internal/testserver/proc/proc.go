// Package proc runs the server processes of the test fixtures (a start.sh
// script, redis-server): it starts one with its output kept for error
// messages, waits until it is ready (the first line it prints, or a probe
// that answers), tells when it exits, and stops it, by a signal and then,
// past a timeout, by killing it. The packages of internal/testserver use it.
package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options configures Start. The zero value is valid.
type Options struct {
	// ReadyLine: the process prints a line on its standard output once it
	// is ready (start.sh prints its URL); WaitLine returns that line.
	// Without it, standard output is kept with standard error.
	ReadyLine bool
	// DeathSignal, where the kernel offers it (Linux), is sent to the
	// process when the thread that started it exits (with the test
	// binary, in practice), so that a killed test run leaves no server
	// behind. Zero sends none.
	DeathSignal syscall.Signal
}

// Process is a started process. Its methods are safe for concurrent use.
type Process struct {
	cmd   *exec.Cmd
	out   *Buffer
	lines chan string   // the ready line; closed without one when the output ended first
	done  chan struct{} // closed once cmd.Wait has returned
	err   error         // cmd.Wait's result; read only after done is closed
}

// Start starts cmd (whose Stdout and Stderr must be unset) and reaps it
// when it exits.
func Start(cmd *exec.Cmd, o Options) (*Process, error) {
	p := &Process{cmd: cmd, out: &Buffer{}, done: make(chan struct{})}
	cmd.Stderr = p.out
	var stdout io.ReadCloser
	if o.ReadyLine {
		var err error
		if stdout, err = cmd.StdoutPipe(); err != nil {
			return nil, fmt.Errorf("proc: %w", err)
		}
		p.lines = make(chan string, 1)
	} else {
		cmd.Stdout = p.out
	}
	if o.DeathSignal != 0 {
		setDeathSignal(cmd, o.DeathSignal)
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("proc: starting %s: %w", filepath.Base(cmd.Path), err)
	}
	go func() {
		if stdout != nil {
			// The first line is the ready line; the rest is read (and
			// dropped) until the process closes its output.
			sc := bufio.NewScanner(stdout)
			if sc.Scan() {
				p.lines <- sc.Text()
			} else {
				close(p.lines)
			}
			_, _ = io.Copy(io.Discard, stdout)
		}
		p.err = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// ErrExited is wrapped by the errors of WaitLine and WaitReady when the
// process exited before it was ready.
var ErrExited = errors.New("proc: the process exited before it was ready")

// WaitLine waits for the ready line (Options.ReadyLine), the exit of the
// process (an error wrapping ErrExited; Err gives the exit status), or the
// end of ctx.
func (p *Process) WaitLine(ctx context.Context) (string, error) {
	if p.lines == nil {
		return "", errors.New("proc: WaitLine without Options.ReadyLine")
	}
	select {
	case line, ok := <-p.lines:
		if ok {
			return line, nil
		}
		<-p.done
		return "", fmt.Errorf("%w (%v)", ErrExited, p.err)
	case <-ctx.Done():
		return "", fmt.Errorf("proc: waiting for the ready line: %w", ctx.Err())
	}
}

// WaitReady calls probe every interval until it returns nil, the process
// exits (an error wrapping ErrExited), or ctx ends (an error wrapping the
// probe's last error).
func (p *Process) WaitReady(ctx context.Context, interval time.Duration, probe func(context.Context) error) error {
	for {
		select {
		case <-p.done:
			return fmt.Errorf("%w (%v)", ErrExited, p.err)
		default:
		}
		err := probe(ctx)
		if err == nil {
			return nil
		}
		select {
		case <-p.done:
			return fmt.Errorf("%w (%v)", ErrExited, p.err)
		case <-ctx.Done():
			return fmt.Errorf("proc: not ready: %w (last probe: %w)", ctx.Err(), err)
		case <-time.After(interval):
		}
	}
}

// Exited is closed when the process has exited and been reaped.
func (p *Process) Exited() <-chan struct{} { return p.done }

// Err returns the result of waiting for the process (nil for a clean
// exit), once Exited is closed; nil before.
func (p *Process) Err() error {
	select {
	case <-p.done:
		return p.err
	default:
		return nil
	}
}

// ErrKilled is wrapped by Stop's error when the process outlived the
// timeout and was killed.
var ErrKilled = errors.New("proc: the process did not stop in time and was killed")

// Stop sends sig to the process and waits up to timeout for it to exit,
// then kills it and waits (the error wraps ErrKilled then). It reports
// whether the process had already exited before Stop was called.
func (p *Process) Stop(sig os.Signal, timeout time.Duration) (exitedBefore bool, err error) {
	select {
	case <-p.done:
		return true, nil
	default:
	}
	_ = p.cmd.Process.Signal(sig)
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case <-p.done:
		return false, nil
	case <-t.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return false, fmt.Errorf("%w (after %v)", ErrKilled, timeout)
	}
}

// Kill kills the process (SIGKILL) and waits for it to exit. It does
// nothing when the process has exited.
func (p *Process) Kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = p.cmd.Process.Kill()
	<-p.done
}

// Output returns everything the process wrote to its standard error (and
// standard output, without Options.ReadyLine).
func (p *Process) Output() string { return p.out.String() }

// Tail returns the end of Output, for an error message.
func (p *Process) Tail() string { return p.out.Tail() }

// Buffer collects a process's output: an io.Writer safe for the copier and
// for readers at once.
type Buffer struct {
	mu sync.Mutex // guards b
	b  strings.Builder
}

// Write implements io.Writer.
func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns what was written.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// maxTail is how much of the output Tail returns.
const maxTail = 4000

// Tail returns the last maxTail bytes written, trimmed, or "(no output)".
func (b *Buffer) Tail() string {
	s := strings.TrimSpace(b.String())
	if len(s) > maxTail {
		s = "..." + s[len(s)-maxTail:]
	}
	if s == "" {
		return "(no output)"
	}
	return s
}

// LoopbackURL accepts the line a start.sh prints when its server is
// ready, http://127.0.0.1:PORT (a trailing slash allowed), and returns it
// without the slash.
func LoopbackURL(line string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(line))
	if err != nil {
		return "", fmt.Errorf("proc: start.sh printed %q: %w", line, err)
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || u.Scheme != "http" || host != "127.0.0.1" || port == "" || port == "0" ||
		(u.Path != "" && u.Path != "/") {
		return "", fmt.Errorf("proc: start.sh printed %q, want http://127.0.0.1:PORT", line)
	}
	return "http://" + u.Host, nil
}

// ModuleDir locates the directory rel (slash-separated, from the module's
// root) that holds the file marker: in the module this package's source
// is in, when the build kept source paths, else above the working
// directory (go test runs in the package directory).
func ModuleDir(rel, marker string) (string, error) {
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		dir := filepath.Join(filepath.Dir(file), "..", "..", "..", filepath.FromSlash(rel))
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return dir, nil
		}
	}
	wd, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("proc: locating %s: %w", rel, err)
	}
	for d := wd; ; d = filepath.Dir(d) {
		dir := filepath.Join(d, filepath.FromSlash(rel))
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return dir, nil
		}
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", fmt.Errorf("proc: no %s/%s above %s", rel, marker, wd)
}
