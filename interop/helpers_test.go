package interop

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// guard bounds every wait of a test that fails.
const guard = 10 * time.Second

func startServer(t testing.TB, h http.Handler) *http.Server {
	t.Helper()
	s := http.NewServer(h, http.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	if err := s.Start("127.0.0.1:0"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}
