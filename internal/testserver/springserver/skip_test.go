package springserver_test

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// childEnv marks the run of this package's own test binary that TestSkipsWithoutFixture starts.
const childEnv = "LIMPET_SPRINGSERVER_SKIP_CHILD"

// TestSkipsWithoutFixture runs every test of this package again, in a child process of this test binary, with
// the fixture unreachable (LIMPET_SPRING_DIR names an empty directory) and LIMPET_INTEROP unset: the tests must
// skip, and the run succeed. A test that calls Skip or Fatal on a parent test from inside a subtest makes the run
// fail ("subtest may have called FailNow on a parent test"). With LIMPET_INTEROP=require the same run must fail.
func TestSkipsWithoutFixture(t *testing.T) {
	if os.Getenv(childEnv) != "" {
		t.Skip("the child run")
	}
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	run := func(interop string) (string, error) {
		cmd := exec.Command(bin, "-test.count=1", "-test.v")
		var env []string
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, springserver.InteropEnv+"=") && !strings.HasPrefix(kv, "LIMPET_SPRING_DIR=") {
				env = append(env, kv)
			}
		}
		env = append(env, childEnv+"=1", "LIMPET_SPRING_DIR="+t.TempDir())
		if interop != "" {
			env = append(env, springserver.InteropEnv+"="+interop)
		}
		cmd.Env = env
		out, err := cmd.CombinedOutput()
		return string(out), err
	}

	out, err := run("")
	if err != nil || strings.Contains(out, "parent test") {
		t.Fatalf("without the fixture the tests must skip, got %v:\n%s", err, out)
	}
	if !strings.Contains(out, "--- SKIP: TestChains/") || !strings.Contains(out, "fixture jar not built") {
		t.Fatalf("without the fixture TestChains must report skipped subtests:\n%s", out)
	}

	out, err = run("require")
	if err == nil {
		t.Fatalf("with %s=require and no fixture the run must fail:\n%s", springserver.InteropEnv, out)
	}
	if strings.Contains(out, "parent test") || !strings.Contains(out, "--- FAIL: TestChains/") {
		t.Fatalf("with %s=require each subtest must fail on its own:\n%s", springserver.InteropEnv, out)
	}
}
