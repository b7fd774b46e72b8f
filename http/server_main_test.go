package http

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package if any test leaves a goroutine behind: every
// server, loop, worker and timer must be gone once its test has closed it.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
