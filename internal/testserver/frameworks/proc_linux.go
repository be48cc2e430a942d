package frameworks

import (
	"os/exec"
	"syscall"
)

// setDeathSignal has the kernel send SIGTERM to start.sh when the thread that started it exits (with the test
// binary, in practice); start.sh then stops the server, so that a killed test run leaves none behind.
func setDeathSignal(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
