package frameworks_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// childEnv marks the run of this package's own test binary that TestSkipsWithoutFixtures starts.
const childEnv = "LIMPET_FRAMEWORKS_SKIP_CHILD"

// TestSkipsWithoutFixtures runs TestFacts and TestSSO again, in a child process of this test binary, with the fixtures
// unreachable (LIMPET_FRAMEWORKS_DIR names an empty directory) and LIMPET_INTEROP unset: every framework's test
// must skip, and the run succeed. With LIMPET_INTEROP=require the same run must fail, each framework on its own.
func TestSkipsWithoutFixtures(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("the child run")
	}
	t.Parallel()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	empty := t.TempDir()
	run := func(interop string) (string, error) {
		cmd := exec.Command(bin, "-test.count=1", "-test.v", "-test.run=^(TestFacts|TestSSO)$")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, frameworks.InteropEnv+"=") && !strings.HasPrefix(kv, frameworks.DirEnv+"=") {
				env = append(env, kv)
			}
		}
		env = append(env, childEnv+"=1", frameworks.DirEnv+"="+empty)
		if interop != "" {
			env = append(env, frameworks.InteropEnv+"="+interop)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("")
	if err != nil || strings.Contains(out, "parent test") {
		t.Fatalf("without the fixtures the tests must skip, got %v:\n%s", err, out)
	}
	for _, app := range frameworks.Apps() {
		if !strings.Contains(out, "--- SKIP: TestFacts/"+app+" ") {
			t.Errorf("without the fixtures TestFacts/%s must be skipped:\n%s", app, out)
		}
	}
	if !strings.Contains(out, "--- SKIP: TestSSO ") {
		t.Errorf("without the fixtures TestSSO must be skipped:\n%s", out)
	}
	if !strings.Contains(out, frameworks.SetupCommand) {
		t.Errorf("the skip message must name %s:\n%s", frameworks.SetupCommand, out)
	}

	out, err = run("require")
	if err == nil {
		t.Fatalf("with %s=require and no fixtures the run must fail:\n%s", frameworks.InteropEnv, out)
	}
	for _, app := range frameworks.Apps() {
		if !strings.Contains(out, "--- FAIL: TestFacts/"+app+" ") {
			t.Errorf("with %s=require TestFacts/%s must fail:\n%s", frameworks.InteropEnv, app, out)
		}
	}
	if !strings.Contains(out, "--- FAIL: TestSSO ") {
		t.Errorf("with %s=require TestSSO must fail:\n%s", frameworks.InteropEnv, out)
	}
}
