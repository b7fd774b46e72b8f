package portsock

import (
	"context"
	"errors"
	"io"
	"syscall"
	"time"
)

// contextUntilClosed returns a context cancelled when done is closed (the
// handle was closed while its connect was in progress).
func contextUntilClosed(done chan struct{}) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		select {
		case <-done:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// readLoop reads ahead of the loop up to readAhead bytes: it keeps reading
// while fewer are waiting, so that a reset or a FIN that follows unread
// bytes is seen (epoll sees them in the kernel), and stops reading beyond
// that, so that TCP flow control still slows a peer the loop does not
// read from.
func (s *sock) readLoop() {
	buf := make([]byte, readSize)
	for {
		n, err := s.conn.Read(buf)
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return
		}
		if n > 0 {
			if s.rpos > 0 && len(s.rq)+n > cap(s.rq) {
				s.rq = s.rq[:copy(s.rq, s.rq[s.rpos:])]
				s.rpos = 0
			}
			s.rq = append(s.rq, buf[:n]...)
		}
		if err != nil {
			s.rerr = err
		}
		full := len(s.rq)-s.rpos >= readAhead
		s.mu.Unlock()
		s.notify()
		if err != nil {
			return
		}
		for full {
			select {
			case <-s.rmore:
			case <-s.done:
				return
			}
			s.mu.Lock()
			full = len(s.rq)-s.rpos >= readAhead
			s.mu.Unlock()
		}
	}
}

// Read takes up to len(p) received bytes. It returns syscall.EAGAIN when
// none are there yet, 0 and nil at the peer's FIN (after every byte sent
// before it), and the connection's error (such as ECONNRESET) after a
// failure.
func Read(fd int, p []byte) (int, error) {
	s, err := lookup(fd)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != kindConn {
		return 0, syscall.ENOTCONN
	}
	if s.rpos < len(s.rq) {
		n := copy(p, s.rq[s.rpos:])
		s.rpos += n
		if s.rpos == len(s.rq) {
			s.rq, s.rpos = s.rq[:0], 0
		}
		signal(s.rmore)
		return n, nil
	}
	switch {
	case s.rerr == nil:
		return 0, syscall.EAGAIN
	case errors.Is(s.rerr, io.EOF):
		return 0, nil
	}
	return 0, readError(s.rerr)
}

// readError turns a read failure into an errno where one is known; a
// connection reset without an errno (some platforms) reads as ECONNRESET.
func readError(err error) error {
	if e := errnoOf(err); e != err {
		return e
	}
	return syscall.ECONNRESET
}

// Write queues up to len(p) bytes for the writer goroutine, which sends
// them in order. It returns syscall.EAGAIN when the send buffer is full
// (the handle turns writable when there is room), and syscall.EPIPE after
// the write side failed or was shut down.
func Write(fd int, p []byte) (int, error) {
	s, err := lookup(fd)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.writeLocked(p)
}

func (s *sock) writeLocked(p []byte) (int, error) {
	if s.kind != kindConn {
		return 0, syscall.ENOTCONN
	}
	if s.werr != nil || s.shutWrite {
		return 0, syscall.EPIPE
	}
	room := sendBuffer - len(s.wbuf)
	if room <= 0 {
		return 0, syscall.EAGAIN
	}
	p = p[:min(room, len(p))]
	s.wbuf = append(s.wbuf, p...)
	signal(s.wmore)
	return len(p), nil
}

// Writev is Write of the slices back to back.
func Writev(fd int, bufs [][]byte) (int, error) {
	s, err := lookup(fd)
	if err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	total := 0
	for _, b := range bufs {
		if len(b) == 0 {
			continue
		}
		n, err := s.writeLocked(b)
		total += n
		if err != nil {
			if total > 0 {
				return total, nil
			}
			return 0, err
		}
		if n < len(b) {
			break
		}
	}
	return total, nil
}

// writeLoop sends what Write queued, batch by batch, then shuts down the
// write side or closes the connection when that was asked for after the
// bytes.
func (s *sock) writeLoop() {
	shut := false
	for {
		s.mu.Lock()
		if len(s.wbuf) > 0 && s.werr == nil {
			out := s.wbuf
			s.wbuf = s.wspare[:0]
			s.mu.Unlock()
			s.notify() // room again
			_, err := s.conn.Write(out)
			s.mu.Lock()
			s.wspare = out[:0]
			if err != nil && s.werr == nil {
				s.werr = err
			}
			s.mu.Unlock()
			if err != nil {
				s.notify()
			}
			continue
		}
		closed, shutWrite, failed := s.closed, s.shutWrite, s.werr != nil
		s.mu.Unlock()
		if closed {
			// Every byte queued before the close has been handed to the
			// kernel (or failed): close, which sends the FIN after them.
			s.conn.Close()
			return
		}
		if shutWrite && !shut && !failed {
			shut = true
			_ = s.conn.CloseWrite()
		}
		select {
		case <-s.wmore:
		case <-s.done:
		}
	}
}

// ShutdownWrite half-closes the connection after the bytes already queued:
// the peer reads them, then EOF.
func ShutdownWrite(fd int) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != kindConn {
		return syscall.ENOTCONN
	}
	s.shutWrite = true
	signal(s.wmore)
	return nil
}

// SetLinger0 makes Close reset the connection, dropping unsent bytes.
func SetLinger0(fd int) error {
	s, err := lookup(fd)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kind != kindConn {
		return syscall.ENOTCONN
	}
	s.abort = true
	return s.conn.SetLinger(0)
}

// SetNoDelay sets TCP_NODELAY on a connected handle.
func SetNoDelay(fd int, on bool) error {
	c, err := TCPConn(fd)
	if err != nil {
		return err
	}
	return c.SetNoDelay(on)
}

// SetKeepAlive turns keepalive on or off; with on and period > 0 it also
// sets the idle time and the probe interval to period.
func SetKeepAlive(fd int, on bool, period time.Duration) error {
	c, err := TCPConn(fd)
	if err != nil {
		return err
	}
	if err := c.SetKeepAlive(on); err != nil || !on || period <= 0 {
		return err
	}
	return c.SetKeepAlivePeriod(period)
}
