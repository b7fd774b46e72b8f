package main

import (
	"bytes"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"syscall"
	"time"
)

// The epoll client: one locked OS thread, non-blocking sockets, level-
// triggered epoll. Connection k sends at epoch + c*interval + k*interval/N
// for cycle c; that costs about one write and one read per request, a small
// fraction of what a goroutine, a timer and the netpoller cost, so one
// client core keeps up with tens of thousands of connections.

const (
	stConnecting = iota
	stIdle
	stWaiting
	stDead
)

type econn struct {
	fd    int
	idx   int32
	state uint8
	sent  time.Time
	n     int
	buf   [512]byte
}

type epollClient struct {
	g       *gen
	ep      int
	conns   []econn
	stop    atomic.Bool
	pending int
}

// runEpoll connects every connection (dialPar at a time), closes connected,
// then sends on schedule until stop is set. Blocking; run it in a goroutine.
func (e *epollClient) run(connected chan<- struct{}) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	g := e.g
	var err error
	if e.ep, err = syscall.EpollCreate1(syscall.EPOLL_CLOEXEC); err != nil {
		g.fail(&g.dialErrs, err)
		close(connected)
		return
	}
	defer syscall.Close(e.ep)
	e.conns = make([]econn, *conns)
	defer func() {
		for i := range e.conns {
			if c := &e.conns[i]; c.state != stDead && c.fd > 0 {
				_ = syscall.Close(c.fd)
			}
		}
	}()
	events := make([]syscall.EpollEvent, 1024)
	dst, err := net.ResolveTCPAddr("tcp4", *addr)
	if err != nil {
		g.fail(&g.dialErrs, err)
		close(connected)
		return
	}
	sa := &syscall.SockaddrInet4{Port: dst.Port}
	copy(sa.Addr[:], dst.IP.To4())
	deadline := time.Now().Add(*connTO)
	for i := range e.conns {
		for e.pending >= *dialPar && time.Now().Before(deadline) {
			e.poll(events, 100)
		}
		e.dial(i, sa)
	}
	for e.pending > 0 && time.Now().Before(deadline) {
		e.poll(events, 100)
	}
	close(connected)

	n := int64(len(e.conns))
	iv := int64(*interval)
	epoch := time.Now()
	var cyc int64
	k := 0
	due := func() time.Time { return epoch.Add(time.Duration(cyc*iv + iv*int64(k)/n)) }
	for !e.stop.Load() {
		now := time.Now()
		for d := due(); !d.After(now); d = due() {
			switch c := &e.conns[k]; c.state {
			case stIdle:
				e.send(c)
			case stWaiting:
				g.late.Add(1) // the previous response has not come in a whole interval
			}
			if k++; k == len(e.conns) {
				k, cyc = 0, cyc+1
			}
		}
		wait := int(time.Until(due())/time.Millisecond) + 1
		e.poll(events, min(wait, 50))
	}
}

func (e *epollClient) dial(i int, sa *syscall.SockaddrInet4) {
	g := e.g
	c := &e.conns[i]
	c.idx, c.state = int32(i), stDead
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		g.fail(&g.dialErrs, fmt.Errorf("socket: %w", err))
		return
	}
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_IP, 24 /* IP_BIND_ADDRESS_NO_PORT */, 1)
	_ = syscall.SetsockoptInt(fd, syscall.IPPROTO_TCP, syscall.TCP_NODELAY, 1)
	src := &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, byte(2 + i%max(*srcs, 1))}}
	if err := syscall.Bind(fd, src); err != nil {
		_ = syscall.Close(fd)
		g.fail(&g.dialErrs, fmt.Errorf("bind %v: %w", src.Addr, err))
		return
	}
	if err := syscall.Connect(fd, sa); err != nil && !errors.Is(err, syscall.EINPROGRESS) {
		_ = syscall.Close(fd)
		g.fail(&g.dialErrs, fmt.Errorf("connect: %w", err))
		return
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLOUT | syscall.EPOLLIN, Fd: int32(i)}
	if err := syscall.EpollCtl(e.ep, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
		_ = syscall.Close(fd)
		g.fail(&g.dialErrs, fmt.Errorf("epoll_ctl: %w", err))
		return
	}
	c.fd, c.state = fd, stConnecting
	e.pending++
}

func (e *epollClient) poll(events []syscall.EpollEvent, ms int) {
	n, err := syscall.EpollWait(e.ep, events, ms)
	if err != nil {
		return // EINTR
	}
	for _, ev := range events[:n] {
		c := &e.conns[ev.Fd]
		switch c.state {
		case stConnecting:
			e.connected(c)
		case stIdle, stWaiting:
			e.readable(c)
		}
	}
}

func (e *epollClient) connected(c *econn) {
	v, err := syscall.GetsockoptInt(c.fd, syscall.SOL_SOCKET, syscall.SO_ERROR)
	if err == nil && v != 0 {
		err = syscall.Errno(v)
	}
	if err != nil {
		e.drop(c, &e.g.dialErrs, fmt.Errorf("connect: %w", err))
		return
	}
	ev := syscall.EpollEvent{Events: syscall.EPOLLIN, Fd: c.idx}
	_ = syscall.EpollCtl(e.ep, syscall.EPOLL_CTL_MOD, c.fd, &ev)
	e.pending--
	c.state = stIdle
	e.g.live.Add(1)
}

func (e *epollClient) send(c *econn) {
	c.sent = time.Now()
	n, err := syscall.Write(c.fd, e.g.req)
	if err != nil || n != len(e.g.req) {
		e.drop(c, &e.g.reqErrs, fmt.Errorf("write: n=%d %v", n, err))
		return
	}
	c.state = stWaiting
}

func (e *epollClient) readable(c *econn) {
	n, err := syscall.Read(c.fd, c.buf[c.n:])
	switch {
	case errors.Is(err, syscall.EAGAIN):
		return
	case err != nil:
		e.drop(c, &e.g.reqErrs, fmt.Errorf("read: %w", err))
		return
	case n == 0:
		e.drop(c, &e.g.reqErrs, errors.New("server closed the connection"))
		return
	}
	c.n += n
	if c.state != stWaiting {
		e.drop(c, &e.g.reqErrs, fmt.Errorf("%d bytes with no request outstanding", c.n))
		return
	}
	used, err := parseResponse(c.buf[:c.n], e.g.want)
	if err != nil {
		e.drop(c, &e.g.reqErrs, err)
		return
	}
	if used == 0 {
		if c.n == len(c.buf) {
			e.drop(c, &e.g.reqErrs, errors.New("response over 512 bytes"))
		}
		return // incomplete
	}
	e.g.lat.add(time.Since(c.sent))
	e.g.reqs.Add(1)
	c.n = copy(c.buf[:], c.buf[used:c.n])
	c.state = stIdle
}

func (e *epollClient) drop(c *econn, counter *atomic.Int64, err error) {
	if c.state == stIdle || c.state == stWaiting {
		e.g.live.Add(-1)
	}
	if c.state == stConnecting {
		e.pending--
	}
	if !e.stop.Load() {
		e.g.fail(counter, err)
	}
	_ = syscall.Close(c.fd)
	c.state = stDead
}

// parseResponse checks one response at the start of b: status 200,
// Content-Length framing, the expected body, no Connection: close. It
// returns the bytes it used, or 0 when b holds only part of it.
func parseResponse(b, want []byte) (int, error) {
	end := bytes.Index(b, []byte("\r\n\r\n"))
	if end < 0 {
		return 0, nil
	}
	head := b[:end]
	if !bytes.HasPrefix(head, []byte("HTTP/1.1 200 ")) {
		line, _, _ := bytes.Cut(head, []byte("\r\n"))
		return 0, fmt.Errorf("status line %q", line)
	}
	clen := -1
	for _, h := range bytes.Split(head, []byte("\r\n"))[1:] {
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			clen, _ = strconv.Atoi(string(v))
		case bytes.EqualFold(k, []byte("Connection")) && bytes.EqualFold(v, []byte("close")):
			return 0, errors.New("server said Connection: close")
		}
	}
	if clen != len(want) {
		return 0, fmt.Errorf("Content-Length %d, want %d", clen, len(want))
	}
	body := b[end+4:]
	if len(body) < clen {
		return 0, nil
	}
	if !bytes.Equal(body[:clen], want) {
		return 0, fmt.Errorf("body %q", body[:clen])
	}
	return end + 4 + clen, nil
}
