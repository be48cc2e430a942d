package springserver_test

import (
	"os"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/springserver"
)

// TestMain shares one JVM per (version, JVM) between the tests of this package.
func TestMain(m *testing.M) { os.Exit(springserver.Main(m)) }
