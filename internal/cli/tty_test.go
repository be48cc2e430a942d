package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// requireTool finds a binary or skips (fails under LIMPET_INTEROP=require).
func requireTool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("LIMPET_INTEROP") == "require" {
			t.Fatalf("%s is required (scripts/setup installs it): %v", name, err)
		}
		t.Skipf("%s not installed (scripts/setup installs it)", name)
	}
	return p
}

// buildLimpet builds the command into a temporary directory.
func buildLimpet(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "limpet")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/limpet-http/limpet/cmd/limpet")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// TestPasswordPromptInATerminal runs limpet in a real terminal (tmux), types
// the password at its prompt, and checks that it is not echoed, that the
// request succeeds with it, and that the output is formatted for a terminal.
func TestPasswordPromptInATerminal(t *testing.T) {
	tmux := requireTool(t, "tmux")
	bin := buildLimpet(t)
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	sock := filepath.Join(t.TempDir(), "tmux.sock")
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cfg := t.TempDir()
	command := "LIMPET_CONFIG_DIR=" + cfg + " NO_COLOR=1 " + bin + " -a alice " + srv.URL + "/basic-auth/alice/typed-secret-42; echo EXIT=$?; sleep 30"
	tm("new-session", "-d", "-x", "200", "-y", "50", "sh", "-c", command)
	defer exec.Command(tmux, "-S", sock, "kill-server").Run()

	waitFor := func(what string) string {
		deadline := time.Now().Add(20 * time.Second)
		for {
			screen := tm("capture-pane", "-p")
			if strings.Contains(screen, what) {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %q; screen:\n%s", what, screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	waitFor("password for alice@")
	tm("send-keys", "typed-secret-42", "Enter")
	screen := waitFor("EXIT=")
	if strings.Contains(screen, "typed-secret-42\n") || strings.Count(screen, "typed-secret-42") > 1 {
		t.Errorf("the password was echoed:\n%s", screen)
	}
	for _, want := range []string{"HTTP/1.1 200 OK", `"authenticated": true`, "EXIT=0"} {
		if !strings.Contains(screen, want) {
			t.Errorf("screen lacks %q (terminal output shows headers and formatted JSON):\n%s", want, screen)
		}
	}
}

// TestDownloadProgressInATerminal checks that --download draws a progress
// bar on a terminal and saves the whole body.
func TestDownloadProgressInATerminal(t *testing.T) {
	tmux := requireTool(t, "tmux")
	bin := buildLimpet(t)
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	dir := t.TempDir()
	sock := filepath.Join(dir, "tmux.sock")
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	command := "cd " + dir + " && LIMPET_CONFIG_DIR=" + dir + " " + bin + " --download " + srv.URL + "/slow-download; echo EXIT=$?; sleep 30"
	tm("new-session", "-d", "-x", "150", "-y", "20", "sh", "-c", command)
	defer exec.Command(tmux, "-S", sock, "kill-server").Run()
	sawBar := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		screen := tm("capture-pane", "-p")
		if strings.Contains(screen, "Downloading to") && strings.Contains(screen, "%") {
			sawBar = true
		}
		if strings.Contains(screen, "EXIT=") {
			if !strings.Contains(screen, "EXIT=0") || !strings.Contains(screen, "1000000 bytes saved") {
				t.Fatalf("download failed:\n%s", screen)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the download did not finish; screen:\n%s", screen)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !sawBar {
		t.Error("no progress bar was drawn on the terminal")
	}
	fi, err := os.Stat(filepath.Join(dir, "slow-download.bin")) // the extension from Content-Type, as HTTPie
	if err != nil || fi.Size() != 1000000 {
		t.Errorf("saved file: %v, %v", fi, err)
	}
}

// TestStreamInATerminal checks that server-sent events show on a terminal
// as they come: the first event is on the screen while the server still
// holds the stream open, and the rest follows when it sends it.
func TestStreamInATerminal(t *testing.T) {
	tmux := requireTool(t, "tmux")
	bin := buildLimpet(t)
	srv := httptest.NewServer(testHandler())
	defer srv.Close()
	dir := t.TempDir()
	sock := filepath.Join(dir, "tmux.sock")
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-S", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	url := srv.URL + "/gate?type=text/event-stream&first=data:+first-event&last=data:+last-event"
	command := "LIMPET_CONFIG_DIR=" + dir + " " + bin + " -b '" + url + "'; echo EXIT=$?; sleep 30"
	tm("new-session", "-d", "-x", "150", "-y", "20", "sh", "-c", command)
	defer exec.Command(tmux, "-S", sock, "kill-server").Run()
	waitFor := func(what string) string {
		deadline := time.Now().Add(20 * time.Second)
		for {
			screen := tm("capture-pane", "-p")
			if strings.Contains(screen, what) {
				return screen
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %q; screen:\n%s", what, screen)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	screen := waitFor("first-event")
	if strings.Contains(screen, "EXIT=") || strings.Contains(screen, "last-event") {
		t.Fatalf("the stream ended before the server let it:\n%s", screen)
	}
	resp, err := http.Get(srv.URL + "/gate/open")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	screen = waitFor("EXIT=")
	if !strings.Contains(screen, "last-event") || !strings.Contains(screen, "EXIT=0") {
		t.Errorf("the end of the stream:\n%s", screen)
	}
}
