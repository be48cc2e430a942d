//go:build !linux

package proc

import (
	"os/exec"
	"syscall"
)

// setDeathSignal does nothing where the kernel offers no parent-death
// signal; Stop and the fixtures' cleanups still stop the process.
func setDeathSignal(*exec.Cmd, syscall.Signal) {}
