package springserver

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/proc"
)

// fakeJava writes a script that stands in for java: it reads the ready file and the pinned port from the
// arguments the launcher gives the JVM, says which port it has on standard error, writes the ready file (by
// rename, as the fixture does) and waits to be stopped. With fail set it exits at once instead.
func fakeJava(t *testing.T, fail bool) string {
	t.Helper()
	script := `#!/bin/sh
ready= port=4242
for a in "$@"; do
	case $a in
	--limpet.ready-file=*) ready=${a#*=} ;;
	--server.port=*) port=${a#*=} ;;
	esac
done
`
	if fail {
		script += "echo 'fake jvm: cannot start' >&2\nexit 3\n"
	} else {
		script += `echo "fake jvm on $port" >&2
printf '{"pid":%d,"port":%d,"connectors":{"form":%d}}' $$ "$port" $((port+1)) >"$ready.tmp" && mv "$ready.tmp" "$ready"
exec sleep 600
`
	}
	path := filepath.Join(t.TempDir(), "java")
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestProcessLifecycle starts, restarts and stops a stand-in for the JVM: the ready file gives the ports, a restart
// pins them, the output of every run stays readable, and stop ends the process and removes its directory.
func TestProcessLifecycle(t *testing.T) {
	p, err := launch(Boot3, "chains", filepath.Join(t.TempDir(), "fake.jar"), fakeJava(t, false))
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	t.Cleanup(p.stop)
	if info := p.currentInfo(); info.Port != 4242 || info.Connectors["form"] != 4243 {
		t.Fatalf("info = %+v, want port 4242 and form 4243", info)
	}
	first := p.run

	p.info.Port = 5000 // the port a real JVM would have bound, pinned by restart
	if err := p.restart(); err != nil {
		t.Fatalf("restart: %v", err)
	}
	select {
	case <-first.Exited():
	default:
		t.Fatal("restart left the first process running")
	}
	if info := p.currentInfo(); info.Port != 5000 {
		t.Fatalf("after restart: port %d, want 5000", info.Port)
	}
	if got, want := p.logTail(2), "fake jvm on 4242\nfake jvm on 5000"; got != want {
		t.Fatalf("logTail(2) = %q, want %q", got, want)
	}
	if got := p.logTail(1); got != "fake jvm on 5000" {
		t.Fatalf("logTail(1) = %q", got)
	}

	second := p.run
	p.stop()
	select {
	case <-second.Exited():
	default:
		t.Fatal("stop left the process running")
	}
	if _, err := os.Stat(p.dir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("stop left %s: %v", p.dir, err)
	}
	p.stop() // stopping twice is harmless
}

// TestProcessExitsBeforeReady checks that a JVM that exits without writing its ready file is reported as such, with
// its output kept for the failure message.
func TestProcessExitsBeforeReady(t *testing.T) {
	p, err := launch(Boot4, "secure", filepath.Join(t.TempDir(), "fake.jar"), fakeJava(t, true))
	if p == nil {
		t.Fatalf("launch returned no process: %v", err)
	}
	t.Cleanup(p.stop)
	if !errors.Is(err, proc.ErrExited) || !strings.Contains(err.Error(), "exit status 3") {
		t.Fatalf("launch: %v; want the exit (status 3) reported", err)
	}
	if got := p.logTail(5); got != "fake jvm: cannot start" {
		t.Fatalf("logTail = %q", got)
	}
}
