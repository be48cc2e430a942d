package cputime_test

import (
	"testing"

	"github.com/limpet-http/limpet/internal/cputime"
)

// Work makes the CPU time grow, and it never goes back.
func TestProcessGrows(t *testing.T) {
	if !cputime.Supported {
		t.Skip("no CPU time on this platform")
	}
	start := cputime.Process()
	x := 0
	for i := 0; cputime.Process() == start; i++ {
		x += i * i // spin until the clock ticks
	}
	if got := cputime.Process(); got <= start {
		t.Errorf("CPU time went from %v to %v (%d)", start, got, x)
	}
}
