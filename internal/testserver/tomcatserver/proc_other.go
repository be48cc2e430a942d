//go:build !linux

package tomcatserver

import "os/exec"

// setDeathSignal does nothing where the kernel offers no parent-death
// signal; Stop and Run still stop Tomcat.
func setDeathSignal(*exec.Cmd) {}
