package fileserver

import (
	"io"
	"log/slog"
	"time"
)

// guard bounds every wait in these tests; it is a failure guard only.
const guard = 30 * time.Second

var quietLogger = slog.New(slog.NewTextHandler(io.Discard, nil))
