package http

import (
	"runtime"
	"testing"
)

// goroutineTB is the testing.TB to hand the helpers (dial, the client's
// expect methods, checkErrorResponse) on a goroutine other than the
// test's: t.Fatal there would end the wrong goroutine (the testing
// package forbids it). Fatal, Fatalf and FailNow report through Error,
// which any goroutine may call, then end only the calling goroutine with
// runtime.Goexit, whose deferred calls (a WaitGroup's Done) still run; the
// test fails when it returns.
type goroutineTB struct{ testing.TB }

func (g goroutineTB) Fatal(args ...any) {
	g.TB.Helper()
	g.TB.Error(args...)
	runtime.Goexit()
}

func (g goroutineTB) Fatalf(format string, args ...any) {
	g.TB.Helper()
	g.TB.Errorf(format, args...)
	runtime.Goexit()
}

func (g goroutineTB) FailNow() {
	g.TB.Fail()
	runtime.Goexit()
}
