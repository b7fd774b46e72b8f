package middleware

import (
	"fmt"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Content codings Compress can apply (RFC 9110 8.4.1; zstd: RFC 8878).
const (
	EncodingZstd    = "zstd"
	EncodingGzip    = "gzip"
	EncodingDeflate = "deflate" // the zlib format (RFC 1950), as RFC 9110 8.4.1.2 defines it
)

// DefaultCompressMinSize is the smallest body Compress encodes by default:
// below about a kilobyte the framing overhead of gzip or zstd eats the
// gain (klauspost's gzhttp uses the same).
const DefaultCompressMinSize = 1024

// defaultCompressTypes are the media types Compress encodes by default:
// text and the structured text formats. Already compressed formats
// (images, audio, video, archives, fonts in WOFF) gain nothing.
var defaultCompressTypes = [...]string{
	"text/*",
	"application/json", "application/*+json", "application/x-ndjson",
	"application/javascript", "application/x-javascript", "application/ecmascript",
	"application/xml", "application/*+xml",
	"application/yaml", "application/x-yaml", "application/toml",
	"application/wasm", "application/x-sh", "application/x-tar",
	"application/vnd.ms-fontobject", "font/ttf", "font/otf",
	"image/svg+xml", "image/bmp", "image/x-icon", "image/vnd.microsoft.icon",
}

// CompressOption configures Compress.
type CompressOption func(*compressConfig)

// CompressMinSize sets the smallest body that is compressed (default
// DefaultCompressMinSize). A streamed body (one the handler flushes) is
// compressed whatever its size unless it declared a smaller
// Content-Length, and a client that refuses the identity coding
// (identity;q=0) gets any eligible body compressed.
func CompressMinSize(n int) CompressOption {
	return func(c *compressConfig) { c.minSize = max(n, 0) }
}

// CompressTypes replaces the media types that are compressed. The default
// list is text and the structured text formats, the types compression
// pays for (already compressed formats - images, audio, video, archives,
// WOFF fonts - gain nothing):
//
//	text/*, application/json, application/*+json, application/x-ndjson,
//	application/javascript, application/x-javascript, application/ecmascript,
//	application/xml, application/*+xml, application/yaml, application/x-yaml,
//	application/toml, application/wasm, application/x-sh, application/x-tar,
//	application/vnd.ms-fontobject, font/ttf, font/otf, image/svg+xml,
//	image/bmp, image/x-icon, image/vnd.microsoft.icon
//
// Each is a type/subtype matched without its
// parameters and case-insensitively, "type/*" for any subtype of a type,
// or "type/*+suffix" for the structured-syntax suffix (application/*+json
// matches application/problem+json). A response without a Content-Type
// is never compressed.
func CompressTypes(types ...string) CompressOption {
	return func(c *compressConfig) { c.types = append([]string(nil), types...) }
}

// CompressEncodings sets the content codings offered, in the server's
// order of preference for a client that accepts several with the same
// q-value (default: zstd, gzip, deflate). Unknown names make Compress
// panic.
func CompressEncodings(names ...string) CompressOption {
	return func(c *compressConfig) { c.order = append([]string(nil), names...) }
}

// CompressGzipLevel sets the level of gzip and deflate (default
// gzip.DefaultCompression; gzip.BestSpeed through gzip.BestCompression, or
// gzip.HuffmanOnly; see github.com/klauspost/compress/gzip).
func CompressGzipLevel(level int) CompressOption {
	return func(c *compressConfig) { c.gzipLevel = level }
}

// CompressZstdLevel sets the level of zstd (default zstd.SpeedFastest, as
// gzhttp's: for documents of a few KiB it compresses as well as
// SpeedDefault or better, and a server compresses every response).
func CompressZstdLevel(level zstd.EncoderLevel) CompressOption {
	return func(c *compressConfig) { c.zstdLevel = level }
}

// Compress compresses response bodies for the clients that accept it:
// zstd, gzip or deflate (github.com/klauspost/compress), chosen from the
// request's Accept-Encoding by q-value (RFC 9110 12.5.3: "*" stands for
// the codings not listed, q=0 refuses one, ties go to the server's order,
// see CompressEncodings). A body is compressed when
//
//   - its Content-Type is one of the allowed types (CompressTypes),
//   - it is at least the minimum size (CompressMinSize), or streamed,
//   - the handler did not encode it already (Content-Encoding set),
//   - it is not a part (206 or Content-Range: a range of the identity
//     representation must not be compressed on the fly),
//   - the response has a body (not HEAD, 1xx, 204, 304).
//
// A compressed response has Content-Encoding set, its ETag made weak (the
// bytes differ from the identity representation's, RFC 9110 8.8.1),
// Accept-Ranges removed (ranges would be of the encoded bytes), and its
// Content-Length dropped: the server frames it by its compressed length,
// or in chunks when streamed. Every response to a request with an
// Accept-Encoding field carries Vary: Accept-Encoding, compressed or not,
// as caches need; a request without one is passed through untouched (a
// load generator that asks for nothing pays only the look-up, and an
// identity response is right for any client). When no coding the client
// accepts is available, the response is sent unencoded even if the
// client said identity;q=0: RFC 9110 12.5.3 prefers that to a 406, since
// every client can read the identity.
//
// The body is compressed when the server sends it, on the connection's
// loop: whole when the handler returns (or Finish is called), and, for a
// handler that streams with Flush, each flushed piece as it goes out,
// completed so the client can decode everything flushed so far. Detach,
// the worker pool, adapted net/http handlers, Hijack, streamed request
// bodies and early refusal all work through it. Encoders are pooled per P
// (sync.Pool, whose per-P caches make them effectively per loop, since
// the loop compressing a response holds its P): a compressed response
// allocates nothing in steady state, except one string when it weakens
// an ETag. The compression runs on the loop, like the rest of the
// response's bytes: a body of many megabytes is better streamed with
// Flush in pieces than finished whole, so that other connections are
// served between the pieces.
//
// Brotli is not offered: the one pure-Go encoder
// (github.com/andybalholm/brotli) costs several times gzip's CPU for a
// smaller body only at levels 2 and up, and every client that accepts br
// also accepts gzip (browsers zstd as well). Serve brotli as precompressed
// files (FileServer's .br siblings) instead.
func Compress(opts ...CompressOption) func(http.Handler) http.Handler {
	c := newCompressConfig(opts)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w *http.ResponseWriter, r *http.Request) {
			if r.IsUpgrade() || r.HeaderIndex("Accept-Encoding", 0) < 0 {
				// No Accept-Encoding: no preference, the identity serves
				// (RFC 9110 12.5.3), and the response is left as it is.
				next.ServeHTTP(w, r)
				return
			}
			if !varyListsAcceptEncoding(w.Header()) {
				w.Header().Add("Vary", "Accept-Encoding")
			}
			if coding, anySize := c.negotiate(r); coding != nil {
				s := c.streams.Get().(*compressStream)
				s.coding, s.anySize = coding, anySize
				w.SetContentEncoder(s)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func newCompressConfig(opts []CompressOption) *compressConfig {
	c := &compressConfig{
		minSize:   DefaultCompressMinSize,
		types:     defaultCompressTypes[:],
		order:     []string{EncodingZstd, EncodingGzip, EncodingDeflate},
		gzipLevel: gzip.DefaultCompression,
		zstdLevel: zstd.SpeedFastest,
	}
	for _, o := range opts {
		o(c)
	}
	for _, name := range c.order {
		k, ok := codingKinds[strings.ToLower(name)]
		if !ok {
			panic(fmt.Errorf("middleware: Compress: unknown encoding %q (want zstd, gzip or deflate)", name))
		}
		if k.offered(c) {
			continue
		}
		c.codings = append(c.codings, newCoding(c, k))
	}
	if _, err := gzip.NewWriterLevel(nil, c.gzipLevel); err != nil {
		panic(fmt.Errorf("middleware: Compress: %w", err))
	}
	c.streams.New = func() any { return &compressStream{cfg: c} }
	return c
}

// compressMatchesType reports whether the media type of the Content-Type
// value ct matches one of types.
func compressMatchesType(types []string, ct string) bool {
	if i := strings.IndexByte(ct, ';'); i >= 0 {
		ct = ct[:i]
	}
	ct = strings.TrimSpace(ct)
	slash := strings.IndexByte(ct, '/')
	if slash <= 0 {
		return false
	}
	for _, t := range types {
		ts := strings.IndexByte(t, '/')
		if ts <= 0 || !strings.EqualFold(t[:ts], ct[:slash]) {
			continue
		}
		sub, want := ct[slash+1:], t[ts+1:]
		switch {
		case want == "*":
			return true
		case strings.HasPrefix(want, "*+"):
			suffix := want[1:] // "+json"
			if len(sub) > len(suffix) && strings.EqualFold(sub[len(sub)-len(suffix):], suffix) {
				return true
			}
		case strings.EqualFold(sub, want):
			return true
		}
	}
	return false
}
