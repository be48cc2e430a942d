package proc

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel send sig to the process when the thread
// that started it exits.
func setDeathSignal(cmd *exec.Cmd, sig syscall.Signal) {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Pdeathsig = sig
}
