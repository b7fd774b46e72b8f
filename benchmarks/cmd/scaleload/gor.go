package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The goroutine client (-client goroutine): one goroutine, timer and
// net.Conn per connection. Simple, but at ~20k requests/s its scheduling
// and netpoll costs saturate one core before the server is busy.

// conn dials from src, then sends one request per interval at its own
// offset in the interval until stopped.
func (g *gen) conn(ctx context.Context, i int, src net.IP, sem chan struct{}, dialed, wg *sync.WaitGroup) {
	defer wg.Done()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: src}, Control: bindNoPort}
	c, err := d.DialContext(ctx, "tcp", *addr)
	<-sem
	if err != nil {
		g.fail(&g.dialErrs, fmt.Errorf("dial from %v: %w", src, err))
		dialed.Done()
		return
	}
	g.live.Add(1)
	dialed.Done()
	defer c.Close()
	br := bufio.NewReaderSize(c, 512)
	offset := time.Duration(int64(*interval) * int64(i) / int64(*conns))
	next := g.epoch.Add(offset)
	for now := time.Now(); next.Before(now); {
		next = next.Add(*interval)
	}
	t := time.NewTimer(time.Until(next))
	defer t.Stop()
	for {
		select {
		case <-g.stop:
			return
		case <-t.C:
		}
		start := time.Now()
		if start.Sub(next) > *interval {
			g.late.Add(1)
		}
		if err := g.roundTrip(c, br); err != nil {
			select {
			case <-g.stop: // closing down: not a server error
			default:
				g.live.Add(-1)
				g.fail(&g.reqErrs, err)
			}
			return
		}
		g.lat.add(time.Since(start))
		g.reqs.Add(1)
		next = next.Add(*interval)
		if now := time.Now(); next.Before(now) {
			next = now
		}
		t.Reset(time.Until(next))
	}
}

// roundTrip sends the request and reads and checks one response: status
// 200, Content-Length framing, the expected body, no Connection: close.
func (g *gen) roundTrip(c net.Conn, br *bufio.Reader) error {
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.Write(g.req); err != nil {
		return fmt.Errorf("write: %w", err)
	}
	line, err := br.ReadSlice('\n')
	if err != nil {
		return fmt.Errorf("read status: %w", err)
	}
	if !bytes.HasPrefix(line, []byte("HTTP/1.1 200 ")) {
		return fmt.Errorf("status line %q", line)
	}
	clen := -1
	for {
		h, err := br.ReadSlice('\n')
		if err != nil {
			return fmt.Errorf("read header: %w", err)
		}
		h = bytes.TrimRight(h, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch strings.ToLower(string(k)) {
		case "content-length":
			clen, _ = strconv.Atoi(string(v))
		case "connection":
			if bytes.EqualFold(v, []byte("close")) {
				return errors.New("server said Connection: close")
			}
		}
	}
	if clen != len(g.want) {
		return fmt.Errorf("Content-Length %d, want %d", clen, len(g.want))
	}
	body, err := br.Peek(clen)
	if err != nil {
		return fmt.Errorf("read body: %w", err)
	}
	if !bytes.Equal(body, g.want) {
		return fmt.Errorf("body %q", body)
	}
	_, _ = br.Discard(clen)
	return nil
}

// bindNoPort sets IP_BIND_ADDRESS_NO_PORT: binding a source address then
// picks the port at connect time, per destination, instead of reserving
// one of the source address's ephemeral ports for any destination.
func bindNoPort(_, _ string, rc syscall.RawConn) error {
	var serr error
	err := rc.Control(func(fd uintptr) {
		serr = syscall.SetsockoptInt(int(fd), syscall.IPPROTO_IP, 24 /* IP_BIND_ADDRESS_NO_PORT */, 1)
	})
	if err != nil {
		return err
	}
	return serr
}

// dialAll starts one goroutine per connection, waits until each has
// connected or failed, and returns the function that stops them.
func (g *gen) dialAll() func() {
	g.epoch = time.Now()
	var wg, dialed sync.WaitGroup
	sem := make(chan struct{}, *dialPar)
	ctx, cancel := context.WithTimeout(context.Background(), *connTO)
	for i := 0; i < *conns; i++ {
		src := net.IPv4(127, 0, 0, byte(2+i%max(*srcs, 1)))
		wg.Add(1)
		dialed.Add(1)
		sem <- struct{}{}
		go g.conn(ctx, i, src, sem, &dialed, &wg)
	}
	dialed.Wait()
	return func() {
		close(g.stop)
		wg.Wait()
		cancel()
	}
}
