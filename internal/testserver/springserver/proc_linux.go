package springserver

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel kill the JVM when the thread that started it exits (with the test binary, in
// practice), so that a killed test run leaves no JVM behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
