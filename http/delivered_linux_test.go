//go:build linux

package http

import (
	"fmt"
	"net"
	"time"

	"golang.org/x/sys/unix"
)

// waitDelivered waits until every byte written on nc has been acknowledged
// by the peer's kernel (SIOCOUTQ is 0): the bytes are then in the server's
// receive queue, or read already. A test proves with it that bytes arrived
// before some later step, rather than sleeping for them.
func waitDelivered(nc net.Conn) error {
	rc, err := nc.(*net.TCPConn).SyscallConn()
	if err != nil {
		return err
	}
	deadline := time.Now().Add(guard)
	for {
		var outq int
		var qerr error
		if err := rc.Control(func(fd uintptr) { outq, qerr = unix.IoctlGetInt(int(fd), unix.SIOCOUTQ) }); err != nil {
			return err
		}
		if qerr != nil {
			return qerr
		}
		if outq == 0 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%d bytes still unacknowledged by the server", outq)
		}
		time.Sleep(time.Millisecond) // polling the kernel's queue
	}
}
