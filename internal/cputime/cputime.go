// Package cputime reads the CPU time the process has used, for benchmarks
// that compare two clients in one run on a machine that other processes
// share: CPU time does not grow while the process waits for the CPU, as
// wall-clock time does.
package cputime

import "time"

// Process returns the CPU time (user and system) the process has used so
// far, or 0 where the platform does not tell (Supported is false then).
// It is safe for concurrent use.
func Process() time.Duration { return process() }

// Supported reports whether Process measures anything on this platform.
const Supported = supported
