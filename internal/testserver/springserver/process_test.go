package springserver

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

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

// TestRestartWaitsForItsPorts holds one of the stopped JVM's ports as another process's connection may, and
// checks that the restart waits until it is free, and starts the JVM again when a port was taken at its bind.
func TestRestartWaitsForItsPorts(t *testing.T) {
	dir := t.TempDir()
	// The stand-in fails its second start (the restart's first attempt) as a JVM whose port was taken does.
	script := `#!/bin/sh
ready= port=4242
for a in "$@"; do
	case $a in
	--limpet.ready-file=*) ready=${a#*=} ;;
	--server.port=*) port=${a#*=} ;;
	esac
done
n=$(cat ` + dir + `/runs 2>/dev/null || echo 0); n=$((n+1)); echo $n >` + dir + `/runs
if [ $n -eq 2 ]; then echo "Web server failed to start. Port $port was already in use." >&2; exit 1; fi
echo "fake jvm on $port run $n" >&2
printf '{"pid":%d,"port":%d}' $$ "$port" >"$ready.tmp" && mv "$ready.tmp" "$ready"
exec sleep 600
`
	java := filepath.Join(dir, "java")
	if err := os.WriteFile(java, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	p, err := launch(Boot3, "chains", filepath.Join(dir, "fake.jar"), java)
	if err != nil {
		t.Fatalf("launch: %v", err)
	}
	t.Cleanup(p.stop)
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.info.Port = held.Addr().(*net.TCPAddr).Port // the JVM's port, now held by someone else
	released := make(chan struct{})
	go func() {
		time.Sleep(300 * time.Millisecond)
		held.Close()
		close(released)
	}()
	if err := p.restart(); err != nil {
		t.Fatalf("restart: %v\n%s", err, p.logTail(10))
	}
	select {
	case <-released:
	default:
		t.Fatal("restart started the JVM while its port was held")
	}
	if got, want := p.logTail(1), "fake jvm on "+strconv.Itoa(p.info.Port)+" run 3"; got != want {
		t.Fatalf("after restart: %q, want %q", got, want)
	}
}

// TestWaitPortsFreeGivesUp checks that a port held for longer than the wait is reported by number.
func TestWaitPortsFreeGivesUp(t *testing.T) {
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	port := held.Addr().(*net.TCPAddr).Port
	err = waitPortsFree(Info{Port: port}, 200*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), strconv.Itoa(port)) {
		t.Fatalf("waitPortsFree = %v, want an error naming port %d", err, port)
	}
}
