package fileserver

import (
	"errors"
	"io"
	"io/fs"
	nethttp "net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// file is an open regular file and what serving it needs. It is shared by
// the responses in flight and the cache: refs counts the holders (the
// cache's own hold included while it is cached), and the descriptor is
// closed when the last lets go.
type file struct {
	name    string
	f       fs.File
	osFile  *os.File // f when it is an *os.File: sent by sendfile(2)
	info    fs.FileInfo
	etag    string
	missing bool // a cached "does not exist" (precompressed siblings)

	// Made once per open file, so that serving it allocates nothing:
	lastModified string                 // Last-Modified ("": none)
	siblings     [len(encodings)]string // names of the precompressed siblings
	release      func(error)            // gives a hold back: a transfer's done

	// Under the cache's mu:
	refs    int
	cached  bool
	checked time.Time // when the entry was last found to match the file system

	ctypeOnce sync.Once
	ctype     string // Content-Type by extension or sniffing; set by contentType
}

// etagOf makes a strong validator from what stat says, as nginx does: the
// modification time and the size. A file changed in place within the
// clock's resolution without changing size would keep it, which a strong
// validator of a static file tolerates (RFC 9110 8.8.1).
func etagOf(info fs.FileInfo) string {
	b := make([]byte, 0, 40)
	b = append(b, '"')
	b = strconv.AppendInt(b, info.ModTime().UnixNano(), 16)
	b = append(b, '-')
	b = strconv.AppendInt(b, info.Size(), 16)
	return string(append(b, '"'))
}

// readAt reads the file at off without moving a shared offset: pread for
// an *os.File, ReadAt where the fs.FS file has it.
func (f *file) readerAt() (io.ReaderAt, bool) {
	ra, ok := f.f.(io.ReaderAt)
	return ra, ok
}

// fileCache keeps recently served files open, bounded to max entries, and
// rechecks an entry against the file system once it is older than
// validity. Safe from any goroutine (one mutex: held only for map work).
type fileCache struct {
	src      source
	max      int
	validity time.Duration

	mu      sync.Mutex
	entries map[string]*file
}

func newFileCache(src source, max int, validity time.Duration) *fileCache {
	return &fileCache{src: src, max: max, validity: validity, entries: make(map[string]*file)}
}

// errIsDir is acquire's answer for a directory: dir holds it, open.
var errIsDir = errors.New("fileserver: directory")

// acquire returns the regular file at name with a hold the caller gives
// back with release. For a directory it returns errIsDir and the open
// directory in dir (not cached; the caller closes it). name may alias the
// request's bytes: what is kept is a copy.
func (c *fileCache) acquire(name string) (f *file, dir fs.File, err error) {
	now := time.Now()
	if c.max > 0 {
		c.mu.Lock()
		e := c.entries[name]
		if e != nil && now.Sub(e.checked) < c.validity {
			if e.missing {
				c.mu.Unlock()
				return nil, nil, fs.ErrNotExist
			}
			e.refs++
			c.mu.Unlock()
			return e, nil, nil
		}
		c.mu.Unlock()
		if e != nil && c.stillValid(e) {
			c.mu.Lock()
			if c.entries[name] == e { // not evicted meanwhile
				e.checked = now
				if e.missing {
					c.mu.Unlock()
					return nil, nil, fs.ErrNotExist
				}
				e.refs++
				c.mu.Unlock()
				return e, nil, nil
			}
			c.mu.Unlock()
		}
	}
	f, dir, err = c.open(name)
	if c.max == 0 || dir != nil || (err != nil && !errors.Is(err, fs.ErrNotExist)) {
		return f, dir, err
	}
	if f != nil && f.osFile == nil {
		return f, nil, nil // only descriptors are shared: an fs.FS file may keep a read offset
	}
	if f == nil {
		f = &file{name: strings.Clone(name), missing: true}
	}
	c.mu.Lock()
	if old := c.entries[name]; old != nil {
		c.dropLocked(old)
	} else if len(c.entries) >= c.max {
		c.evictLocked()
	}
	f.cached, f.checked = true, now
	f.refs++ // the cache's hold
	c.entries[f.name] = f
	c.mu.Unlock()
	if f.missing {
		return nil, nil, err
	}
	return f, nil, nil
}

// open opens name without the cache; a regular file comes with one hold.
func (c *fileCache) open(name string) (*file, fs.File, error) {
	h, err := c.src.open(name)
	if err != nil {
		return nil, nil, err
	}
	info, err := h.Stat()
	if err != nil {
		_ = h.Close()
		return nil, nil, err
	}
	if info.IsDir() {
		return nil, h, errIsDir
	}
	if !info.Mode().IsRegular() {
		_ = h.Close()
		return nil, nil, fs.ErrNotExist // devices, pipes, sockets are not served
	}
	f := &file{name: strings.Clone(name), f: h, info: info, etag: etagOf(info), refs: 1}
	f.osFile, _ = h.(*os.File)
	if mt := info.ModTime(); !isZeroTime(mt) {
		f.lastModified = mt.UTC().Format(nethttp.TimeFormat)
	}
	for i, e := range encodings {
		f.siblings[i] = f.name + e.suffix
	}
	f.release = func(error) { c.release(f) }
	return f, nil, nil
}

// stillValid reports whether name still is the file e was made from.
func (c *fileCache) stillValid(e *file) bool {
	info, err := c.src.stat(e.name)
	if e.missing {
		return errors.Is(err, fs.ErrNotExist)
	}
	return err == nil && info.Mode().IsRegular() && info.Size() == e.info.Size() &&
		info.ModTime().Equal(e.info.ModTime()) && os.SameFile(info, e.info)
}

// release gives back a hold from acquire.
func (c *fileCache) release(f *file) {
	c.mu.Lock()
	f.refs--
	last := f.refs == 0
	c.mu.Unlock()
	if last {
		_ = f.f.Close()
	}
}

// dropLocked takes e out of the cache; its descriptor closes with the last
// response using it.
func (c *fileCache) dropLocked(e *file) {
	delete(c.entries, e.name)
	e.cached = false
	if e.missing {
		return
	}
	e.refs--
	if e.refs == 0 {
		_ = e.f.Close()
	}
}

// evictLocked makes room: an entry no response is using if one is found
// among the first few of the map's (random) order, else the first.
func (c *fileCache) evictLocked() {
	var victim *file
	i := 0
	for _, e := range c.entries {
		if victim == nil || e.missing || e.refs == 1 {
			victim = e
			if e.missing || e.refs == 1 {
				break
			}
		}
		if i++; i == 8 {
			break
		}
	}
	if victim != nil {
		c.dropLocked(victim)
	}
}

// close empties the cache (the Handler's Close).
func (c *fileCache) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, e := range c.entries {
		c.dropLocked(e)
	}
}

// openFiles reports the cached entries that hold a descriptor (tests).
func (c *fileCache) openFiles() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, e := range c.entries {
		if !e.missing {
			n++
		}
	}
	return n
}

// retain adds a hold on f, which the caller holds already.
func (c *fileCache) retain(f *file) {
	c.mu.Lock()
	f.refs++
	c.mu.Unlock()
}
