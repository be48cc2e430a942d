package frameworkcheck_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// limpetBin is the limpet command built for the CLI checks.
var limpetBin string

// TestMain builds the limpet command, starts each fixture once and shares it between the tests of this package.
func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	dir, err := os.MkdirTemp("", "frameworkcheck-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	limpetBin = filepath.Join(dir, "limpet")
	build := exec.Command("go", "build", "-o", limpetBin, "github.com/limpet-http/limpet/cmd/limpet")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building limpet:", err)
		return 1
	}
	return frameworks.Main(m)
}
