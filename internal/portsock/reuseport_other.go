//go:build !unix

package portsock

import (
	"errors"
	"runtime"
	"syscall"
)

// ErrReusePort says SO_REUSEPORT does not exist on this system (Windows
// has no equivalent that spreads connections between listeners).
var ErrReusePort = errors.New("portsock: SO_REUSEPORT is not available on " + runtime.GOOS)

func reusePortControl(network, address string, c syscall.RawConn) error { return ErrReusePort }
