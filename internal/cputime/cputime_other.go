//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package cputime

import "time"

const supported = false

func process() time.Duration { return 0 }
