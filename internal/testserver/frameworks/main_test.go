package frameworks_test

import (
	"os"
	"testing"

	"github.com/limpet-http/limpet/internal/testserver/frameworks"
)

// TestMain starts each fixture once and shares it between the tests of this package.
func TestMain(m *testing.M) { os.Exit(frameworks.Main(m)) }
