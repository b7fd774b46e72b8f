// Package socket is the system-call layer under net/tcp and the reactor's
// tests: non-blocking TCP sockets as plain fds (socket, listen with
// net.Listen's dual-stack rules, accept, connect, the options muduo's
// SocketsOps sets), with conversions between netip.AddrPort and sockaddrs.
// On the portable backend the same functions work on internal/portsock's
// handles. It is internal, as muduo's SocketsOps.h is: a user reaches
// sockets through tcp.Server, tcp.Client and tcp.Conn.
package socket
