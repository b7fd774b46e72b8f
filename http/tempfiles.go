package http

import (
	"errors"
	"os"
	"sync"
)

// errTempFilesDone is what creating a spill file returns once the response
// it belongs to is finished or its connection has closed.
var errTempFilesDone = errors.New("http: response finished or connection closed: no more temporary files")

// tempFiles are the files one response's forms spilled to disk. They are
// removed when the response is finished (the handler returned, or Finish
// for a detached one) or when the connection closes, whichever comes
// first; a file created after that is removed at once. Safe from any
// goroutine.
type tempFiles struct {
	mu    sync.Mutex
	paths []string
	done  bool
}

// create makes a new temporary file in dir ("" for os.TempDir) that is
// removed with the set.
func (t *tempFiles) create(dir string) (*os.File, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.done {
		return nil, errTempFilesDone
	}
	f, err := os.CreateTemp(dir, "muduo-multipart-")
	if err != nil {
		return nil, err
	}
	t.paths = append(t.paths, f.Name())
	return f, nil
}

// removeAll removes the files and refuses new ones. Files still open keep
// working until closed (POSIX unlink semantics); only new opens fail.
func (t *tempFiles) removeAll() {
	t.mu.Lock()
	paths := t.paths
	t.paths, t.done = nil, true
	t.mu.Unlock()
	for _, p := range paths {
		_ = os.Remove(p)
	}
}

func (t *tempFiles) isDone() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.done
}

// tempFileSet returns w's set of spill files, making it on first use and
// registering it with the connection, which removes the files if it closes
// before the response is finished. Called by the goroutine that owns w.
func (w *ResponseWriter) tempFileSet() *tempFiles {
	if t := w.temps.Load(); t != nil {
		return t
	}
	t := &tempFiles{}
	w.temps.Store(t)
	c := w.c
	if c == nil {
		return t
	}
	if c.ls.loop.InLoop() {
		c.addTempFiles(t)
	} else {
		c.ls.loop.RunInLoop(func() { c.addTempFiles(t) })
	}
	return t
}

// removeTempFiles removes the files w's forms spilled; when its response
// is finished.
func (w *ResponseWriter) removeTempFiles() {
	if t := w.temps.Load(); t != nil {
		t.removeAll()
	}
}

// addTempFiles remembers t for the connection's close, dropping the sets
// of responses already finished. Loop only.
func (c *conn) addTempFiles(t *tempFiles) {
	if c.isClosed() {
		t.removeAll()
		return
	}
	r := c.rareState()
	kept := r.tempFiles[:0]
	for _, o := range r.tempFiles {
		if !o.isDone() {
			kept = append(kept, o)
		}
	}
	clear(r.tempFiles[len(kept):])
	r.tempFiles = append(kept, t)
}

// removeAllTempFiles removes the spill files of every response still being
// made on the connection; when it closes. Loop only.
func (c *conn) removeAllTempFiles() {
	if c.rare == nil {
		return
	}
	for _, t := range c.rare.tempFiles {
		t.removeAll()
	}
	c.rare.tempFiles = nil
}
