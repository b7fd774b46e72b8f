package fileserver

import (
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path"
	"strings"
	"syscall"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Handler serves files from a directory or an fs.FS with net/http's
// FileServer rules (see the package documentation). It is an http.Handler
// and may be called from every loop at once.
type Handler struct {
	opts  options
	src   source
	cache *fileCache
}

// New returns a Handler serving the directory dir. The directory is opened
// now (as an os.Root): its files are looked up inside it only, so neither
// ".." nor a symbolic link can lead a request to a file outside it. Close
// releases it and the cached files.
func New(dir string, opts ...Option) (*Handler, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, err
	}
	return newHandler(rootSource{root}, opts), nil
}

// NewFS returns a Handler serving fsys (embed.FS, fstest.MapFS, os.DirFS,
// ...). Files that are *os.File are sent by sendfile(2) and cached like a
// directory's; others are opened per request and copied from.
func NewFS(fsys fs.FS, opts ...Option) *Handler {
	return newHandler(fsSource{fsys}, opts)
}

func newHandler(src source, opts []Option) *Handler {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return &Handler{opts: o, src: src, cache: newFileCache(src, o.cacheEntries, o.cacheValidity)}
}

// Close closes the cached files (those still being sent close when their
// transfer ends) and the directory. The Handler must not serve after it.
func (h *Handler) Close() error {
	h.cache.close()
	return h.src.close()
}

// ServeHTTP serves the file the request's path names. On the loop.
func (h *Handler) ServeHTTP(w *http.ResponseWriter, r *http.Request) {
	method := r.Method()
	if method != "GET" && method != "HEAD" {
		w.Header().Set("Allow", "GET, HEAD")
		serveError(w, "405 method not allowed", http.StatusMethodNotAllowed)
		return
	}
	raw := r.PathString()
	if h.opts.prefix != "" {
		rest, ok := strings.CutPrefix(raw, h.opts.prefix)
		if !ok && raw+"/" == h.opts.prefix {
			// The mount point without its slash: "/static" -> "static/",
			// as net/http's ServeMux redirects to a subtree's root.
			localRedirect(w, r, path.Base(raw)+"/")
			return
		}
		if !ok {
			serveError(w, "404 page not found", http.StatusNotFound)
			return
		}
		raw = rest
	}
	upath, err := url.PathUnescape(raw)
	if err != nil {
		serveError(w, "400 bad request: malformed path", http.StatusBadRequest)
		return
	}
	if !strings.HasPrefix(upath, "/") {
		upath = "/" + upath
	}
	if strings.ContainsAny(upath, "\x00\\") {
		// A NUL can name no file; a backslash is a separator on
		// Windows: neither is looked up anywhere.
		serveError(w, "404 page not found", http.StatusNotFound)
		return
	}
	h.serveFile(w, r, upath, path.Clean(upath))
}

// serveFile is net/http's serveFile with redirect on: upath is the
// request's decoded path, name the cleaned one.
func (h *Handler) serveFile(w *http.ResponseWriter, r *http.Request, upath, name string) {
	if strings.HasSuffix(upath, "/"+h.opts.index) {
		localRedirect(w, r, "./")
		return
	}
	fsName := fsName(name)
	f, dir, err := h.cache.acquire(fsName)
	if errors.Is(err, errIsDir) {
		h.serveDir(w, r, upath, fsName, dir)
		return
	}
	if err != nil {
		msg, code := toHTTPError(err)
		serveError(w, msg, code)
		return
	}
	if upath[len(upath)-1] == '/' {
		h.cache.release(f)
		localRedirect(w, r, "../"+path.Base(upath))
		return
	}
	h.serveContent(w, r, f)
}

// serveDir answers for a directory: the redirect to its slash form, its
// index.html, or its listing.
func (h *Handler) serveDir(w *http.ResponseWriter, r *http.Request, upath, fsName string, dir fs.File) {
	if upath[len(upath)-1] != '/' {
		_ = dir.Close()
		localRedirect(w, r, path.Base(upath)+"/")
		return
	}
	index := h.opts.index
	if fsName != "." {
		index = fsName + "/" + index
	}
	f, idir, err := h.cache.acquire(index)
	if err == nil {
		_ = dir.Close()
		h.serveContent(w, r, f)
		return
	}
	if idir != nil {
		_ = idir.Close()
	}
	defer dir.Close()
	if !h.opts.listing {
		serveError(w, "403 Forbidden", statusForbidden)
		return
	}
	h.list(w, r, dir)
}

// fsName turns a cleaned absolute path into an fs.FS name.
func fsName(name string) string {
	if name == "/" {
		return "."
	}
	return name[1:]
}

// localRedirect answers 301 with a relative Location, keeping the query.
func localRedirect(w *http.ResponseWriter, r *http.Request, target string) {
	if q := r.RawQueryString(); q != "" {
		target += "?" + q
	}
	w.Header().Set("Location", target)
	w.WriteHeader(http.StatusMovedPermanently)
}

// toHTTPError is net/http's: the reason never reveals the error's text.
func toHTTPError(err error) (string, int) {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "404 page not found", http.StatusNotFound
	case errors.Is(err, fs.ErrPermission):
		return "403 Forbidden", statusForbidden
	case errors.Is(err, fs.ErrInvalid), isEscape(err):
		return "404 page not found", http.StatusNotFound
	}
	return "500 Internal Server Error", http.StatusInternalServerError
}

// isEscape reports os.Root's refusal of a name that leads outside it (a
// "..", a symbolic link pointing out), and the errors of names no file
// can have (a file used as a directory, too long, a link loop): all
// simply not found, as net/http maps the first.
func isEscape(err error) bool {
	if errors.Is(err, syscall.ENOTDIR) || errors.Is(err, syscall.ENAMETOOLONG) || errors.Is(err, syscall.ELOOP) {
		return true
	}
	var pe *fs.PathError
	// os.Root's error for an escape is not exported; its text is fixed.
	return errors.As(err, &pe) && strings.Contains(pe.Err.Error(), "escapes from parent")
}

// serveError is net/http's: the validators set for the file are dropped,
// and the body is the message in plain text.
func serveError(w *http.ResponseWriter, msg string, code int) {
	hd := w.Header()
	for _, k := range [...]string{"Cache-Control", "Content-Encoding", "Etag", "Last-Modified", "Content-Length"} {
		hd.Del(k)
	}
	hd.Set("Content-Type", "text/plain; charset=utf-8")
	hd.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(code)
	_, _ = w.WriteString(msg)
	_, _ = w.WriteString("\n")
}

// Statuses package http does not name.
const (
	statusPartialContent = 206
	statusForbidden      = 403
)
