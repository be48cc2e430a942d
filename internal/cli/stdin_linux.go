package cli

import (
	"os"

	"golang.org/x/sys/unix"
)

// pipedBytes reports how many bytes wait unread in a pipe or socket.
func pipedBytes(f *os.File) int {
	n, err := unix.IoctlGetInt(int(f.Fd()), unix.TIOCINQ)
	if err != nil {
		return 0
	}
	return n
}
