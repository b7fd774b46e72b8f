//go:build linux

package tcp

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// The EMFILE test re-executes this test binary as a server process with
	// a low fd limit; see emfile_test.go.
	if os.Getenv(emfileChildEnv) != "" {
		os.Exit(emfileChild())
	}
	goleak.VerifyTestMain(m)
}
