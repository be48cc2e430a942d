package proc_test

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

func sh(t *testing.T, script string, o proc.Options) *proc.Process {
	t.Helper()
	p, err := proc.Start(exec.Command("sh", "-c", script), o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Kill)
	return p
}

func TestReadyLineAndStop(t *testing.T) {
	p := sh(t, `echo http://127.0.0.1:8080/; echo more; exec sleep 60`, proc.Options{ReadyLine: true, DeathSignal: syscall.SIGTERM})
	line, err := p.WaitLine(context.Background())
	if err != nil || line != "http://127.0.0.1:8080/" {
		t.Fatalf("WaitLine = %q, %v", line, err)
	}
	before, err := p.Stop(syscall.SIGTERM, time.Minute)
	if before || err != nil {
		t.Fatalf("Stop = %v, %v; want a process stopped by the signal", before, err)
	}
	if !strings.Contains(p.Err().Error(), "terminated") {
		t.Errorf("Err = %v, want the signal", p.Err())
	}
	if before, err := p.Stop(syscall.SIGTERM, time.Minute); !before || err != nil {
		t.Errorf("a second Stop = %v, %v; want exited before, no error", before, err)
	}
}

func TestExitBeforeReady(t *testing.T) {
	p := sh(t, `echo "no such framework" >&2; exit 2`, proc.Options{ReadyLine: true})
	_, err := p.WaitLine(context.Background())
	if !errors.Is(err, proc.ErrExited) {
		t.Fatalf("WaitLine: %v, want ErrExited", err)
	}
	var exit *exec.ExitError
	if !errors.As(p.Err(), &exit) || exit.ExitCode() != 2 {
		t.Errorf("Err = %v, want exit status 2", p.Err())
	}
	if p.Tail() != "no such framework" || !strings.Contains(p.Output(), "no such framework") {
		t.Errorf("Tail = %q, Output = %q", p.Tail(), p.Output())
	}
	if err := p.WaitReady(context.Background(), time.Millisecond, func(context.Context) error { return errors.New("down") }); !errors.Is(err, proc.ErrExited) {
		t.Errorf("WaitReady on an exited process: %v, want ErrExited", err)
	}
}

// A process that ignores the signal is killed after the timeout.
func TestStopKills(t *testing.T) {
	p := sh(t, `trap "" TERM; echo ready; exec sleep 60`, proc.Options{ReadyLine: true})
	if _, err := p.WaitLine(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, err := p.Stop(syscall.SIGTERM, 50*time.Millisecond)
	if before || !errors.Is(err, proc.ErrKilled) {
		t.Fatalf("Stop = %v, %v; want ErrKilled", before, err)
	}
	select {
	case <-p.Exited():
	default:
		t.Error("Stop returned before the process exited")
	}
}

func TestWaitReady(t *testing.T) {
	p := sh(t, `echo started; exec sleep 60`, proc.Options{})
	calls := 0
	err := p.WaitReady(context.Background(), time.Millisecond, func(context.Context) error {
		if calls++; calls < 3 {
			return errors.New("not yet")
		}
		return nil
	})
	if err != nil || calls != 3 {
		t.Fatalf("WaitReady = %v after %d probes, want nil after 3", err, calls)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := p.WaitReady(ctx, time.Millisecond, func(context.Context) error { return errors.New("refused") }); err == nil ||
		!errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "refused") {
		t.Errorf("WaitReady with an ended context: %v", err)
	}
	p.Kill()
	if !strings.Contains(p.Output(), "started") {
		t.Errorf("Output = %q, want the standard output too", p.Output())
	}
	if _, err := p.WaitLine(context.Background()); err == nil {
		t.Error("WaitLine without Options.ReadyLine: no error")
	}
}

func TestLoopbackURL(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{" http://127.0.0.1:8080/\n", "http://127.0.0.1:8080"},
		{"http://localhost:8080", ""},
		{"https://127.0.0.1:8080", ""},
		{"http://127.0.0.1:0", ""},
		{"http://127.0.0.1", ""},
		{"http://127.0.0.1:8080/app", ""},
		{"Starting...", ""},
		{"%zz", ""},
		{"", ""},
		{"http://10.0.0.1:8080", ""},
		{"http://[::1]:80", ""},
		{"start.sh: something failed", ""},
	} {
		got, err := proc.LoopbackURL(tc.in)
		if got != tc.want || (err == nil) != (tc.want != "") {
			t.Errorf("LoopbackURL(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestModuleDir(t *testing.T) {
	dir, err := proc.ModuleDir("internal/testserver/proc", "proc.go")
	if err != nil || !strings.HasSuffix(dir, "proc") {
		t.Errorf("ModuleDir = %q, %v", dir, err)
	}
	if _, err := proc.ModuleDir("internal/testserver/proc", "no-such-file"); err == nil {
		t.Error("ModuleDir found a missing file")
	}
}

func TestBufferTail(t *testing.T) {
	var b proc.Buffer
	if b.Tail() != "(no output)" {
		t.Errorf("empty Tail = %q", b.Tail())
	}
	b.Write([]byte(strings.Repeat("x", 5000) + "end\n"))
	if tail := b.Tail(); len(tail) != 4003 || !strings.HasPrefix(tail, "...") || !strings.HasSuffix(tail, "end") {
		t.Errorf("Tail of 5004 bytes: %d bytes, %q...%q", len(tail), tail[:10], tail[len(tail)-10:])
	}
}

// FuzzLoopbackURL: whatever start.sh prints, LoopbackURL never panics and
// accepts only http://127.0.0.1:PORT.
func FuzzLoopbackURL(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:8080", "http://127.0.0.1:1/\n", "http://[::1]:80", "http://127.0.0.1:0",
		"http://127.0.0.1:1/%zz", "%zz", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		got, err := proc.LoopbackURL(line)
		if err != nil {
			return
		}
		port, ok := strings.CutPrefix(got, "http://127.0.0.1:")
		if !ok || port == "" || port == "0" || strings.ContainsAny(port, "/?#@") {
			t.Fatalf("LoopbackURL(%q) = %q, not http://127.0.0.1:PORT", line, got)
		}
	})
}
