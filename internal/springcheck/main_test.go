package springcheck_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// limpetBin is the command-line tool built once for the package's tests.
var limpetBin string

// TestMain builds the limpet command into a temporary directory, then runs the tests with the fixture JVMs
// shared between them (springserver.Main stops them at the end).
func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "springcheck-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, "springcheck:", err)
		os.Exit(1)
	}
	limpetBin = filepath.Join(dir, "limpet")
	build := exec.Command("go", "build", "-o", limpetBin, "github.com/limpet-http/limpet/cmd/limpet")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "springcheck: building the limpet command:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := springserver.Main(m)
	os.RemoveAll(dir)
	os.Exit(code)
}
