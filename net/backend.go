package net

import "github.com/seed08ffa9f8/muduo-go/net/internal/socket"

// Backend names the I/O backend this build uses: "epoll" on Linux, and
// "portable" (Go's net package underneath) with the muduo_portable build
// tag or on any other system.
const Backend = socket.Backend
