package fileserver

import "time"

// Option configures a Handler.
type Option func(*options)

type options struct {
	prefix        string
	listing       bool
	precompressed bool
	cacheEntries  int
	cacheValidity time.Duration
	index         string
}

func defaultOptions() options {
	return options{
		precompressed: true,
		cacheEntries:  DefaultCacheEntries,
		cacheValidity: DefaultCacheValidity,
		index:         "index.html",
	}
}

// Defaults of the open-file cache (see WithCache).
const (
	DefaultCacheEntries  = 256
	DefaultCacheValidity = time.Second
)

// WithPrefix strips prefix (such as "/static/") from the request path
// before it is looked up, as net/http's StripPrefix does: the handler
// mounted at "/static/" serves root/app.css for "/static/app.css". A
// request whose path does not start with prefix gets 404. The prefix is
// matched against the path as sent (still percent-encoded).
func WithPrefix(prefix string) Option { return func(o *options) { o.prefix = prefix } }

// WithListing turns directory listings on: a directory without an
// index.html is answered with net/http's listing page. Off by default: such
// a directory is 403 Forbidden, as nginx and fasthttp answer.
func WithListing(on bool) Option { return func(o *options) { o.listing = on } }

// WithPrecompressed says whether precompressed siblings are served (on by
// default): for x.js, the file x.js.br, x.js.zst or x.js.gz goes out with
// its Content-Encoding when the client's Accept-Encoding takes it (the
// client's preference by q-value first, then br, zstd, gzip), and every
// response for a file that has such a sibling carries Vary:
// Accept-Encoding.
func WithPrecompressed(on bool) Option { return func(o *options) { o.precompressed = on } }

// WithCache sizes the open-file cache of a directory Handler: at most
// entries files are kept open with their stat (0 turns the cache off: a
// file is opened per request), and an entry is checked against the file
// system (path stat: size, modification time, inode) when it is older
// than validity, so a changed or replaced file is seen within validity
// (0: checked on every request). A file opened by a response in flight is
// closed when its last transfer ends.
func WithCache(entries int, validity time.Duration) Option {
	return func(o *options) { o.cacheEntries, o.cacheValidity = max(entries, 0), max(validity, 0) }
}
