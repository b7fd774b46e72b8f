package middleware

import (
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// compressConfig is one Compress middleware's settings and pools.
type compressConfig struct {
	minSize   int
	types     []string
	order     []string
	gzipLevel int
	zstdLevel zstd.EncoderLevel

	codings []*coding // offered, in the server's order of preference
	streams sync.Pool // *compressStream, one per response being compressed
}

// codingKind names a content coding Compress implements.
type codingKind uint8

const (
	kindZstd codingKind = iota
	kindGzip
	kindDeflate
	numKinds
)

// codingKinds maps Accept-Encoding's names to codings (x-gzip is gzip,
// RFC 9110 8.4.1.3).
var codingKinds = map[string]codingKind{
	EncodingZstd: kindZstd, EncodingGzip: kindGzip, "x-gzip": kindGzip, EncodingDeflate: kindDeflate,
}

func (k codingKind) offered(c *compressConfig) bool {
	for _, have := range c.codings {
		if have.kind == k {
			return true
		}
	}
	return false
}

// coding is one offered content coding and its pool of encoders.
type coding struct {
	kind codingKind
	name string    // its Content-Encoding value
	pool sync.Pool // *gzip.Writer, *zlib.Writer or *zstd.Encoder
}

func newCoding(c *compressConfig, k codingKind) *coding {
	cd := &coding{kind: k}
	switch k {
	case kindZstd:
		cd.name = EncodingZstd
		level := c.zstdLevel
		cd.pool.New = func() any {
			// One goroutine (the loop's): a response is compressed where
			// it is sent. A 128 KiB window and the lower-memory tables
			// (gzhttp's choice) keep a pooled encoder at a few hundred
			// KiB, which matters with many streams open at once; the
			// window is far under the 8 MiB HTTP decoders must accept
			// (RFC 9659).
			e, err := zstd.NewWriter(nil, zstd.WithEncoderConcurrency(1), zstd.WithEncoderLevel(level),
				zstd.WithWindowSize(128<<10), zstd.WithLowerEncoderMem(true))
			if err != nil {
				panic(err) // the options are constants
			}
			return e
		}
	case kindGzip:
		cd.name = EncodingGzip
		level := c.gzipLevel
		cd.pool.New = func() any {
			e, _ := gzip.NewWriterLevel(nil, level) // level checked by newCompressConfig
			return e
		}
	case kindDeflate:
		cd.name = EncodingDeflate
		level := c.gzipLevel
		cd.pool.New = func() any {
			e, _ := zlib.NewWriterLevel(nil, level)
			return e
		}
	}
	return cd
}

// negotiate picks the coding for r's Accept-Encoding (nil: send the
// identity), and reports whether the client refuses the identity coding,
// in which case any eligible body is compressed, whatever its size.
func (c *compressConfig) negotiate(r *http.Request) (best *coding, anySize bool) {
	var a acceptedCodings
	a.reset()
	for i := r.HeaderIndex("Accept-Encoding", 0); i >= 0; i = r.HeaderIndex("Accept-Encoding", i+1) {
		_, v := r.HeaderAt(i)
		a.parse(v)
	}
	return c.choose(&a)
}

// choose picks the coding for the weights a (see negotiate).
func (c *compressConfig) choose(a *acceptedCodings) (best *coding, anySize bool) {
	bestQ := 0
	for _, cd := range c.codings {
		q := a.q[cd.kind]
		if q == qUnlisted {
			q = a.star
		}
		if q > bestQ {
			best, bestQ = cd, q
		}
	}
	if best == nil {
		return nil, false
	}
	identity := a.identity
	if identity == qUnlisted {
		identity = a.star // unlisted, and no "*": acceptable, not preferred
	}
	if identity > bestQ {
		return nil, false // the client prefers its bytes as they are
	}
	return best, identity == 0
}

// compressStream is the http.ContentEncoder of one response: the
// negotiated coding, and while the body is being compressed an encoder
// from the coding's pool.
type compressStream struct {
	cfg       *compressConfig
	coding    *coding
	anySize   bool // identity;q=0: compress below the minimum size
	streaming bool // the encoder was reset for this response
	out       appendWriter

	gz *gzip.Writer
	zl *zlib.Writer
	zs *zstd.Encoder
}

// appendWriter is an io.Writer that appends to buf: the encoders write
// straight into the server's output scratch.
type appendWriter struct{ buf []byte }

func (a *appendWriter) Write(p []byte) (int, error) {
	a.buf = append(a.buf, p...)
	return len(p), nil
}

// StartEncoding implements http.ContentEncoder.
func (s *compressStream) StartEncoding(status int, h *http.Header, body []byte, whole bool) bool {
	if status == 206 || h.Has("Content-Range") {
		return false
	}
	if ce := h.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		return false // encoded already (a precompressed file, say)
	}
	if !compressMatchesType(s.cfg.types, h.Get("Content-Type")) {
		return false
	}
	if !s.anySize {
		if whole && len(body) < s.cfg.minSize {
			return false
		}
		if cl := h.Get("Content-Length"); !whole && cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil && n < int64(s.cfg.minSize) {
				return false
			}
		}
	}
	h.Set("Content-Encoding", s.coding.name)
	h.Del("Accept-Ranges")
	if etag := h.Get("Etag"); strings.HasPrefix(etag, `"`) {
		h.Set("Etag", "W/"+etag)
	}
	if !varyListsAcceptEncoding(h) {
		h.Add("Vary", "Accept-Encoding") // the handler replaced the middleware's
	}
	switch s.coding.kind {
	case kindZstd:
		s.zs = s.coding.pool.Get().(*zstd.Encoder)
	case kindGzip:
		s.gz = s.coding.pool.Get().(*gzip.Writer)
	case kindDeflate:
		s.zl = s.coding.pool.Get().(*zlib.Writer)
	}
	return true
}

// AppendEncoded implements http.ContentEncoder.
func (s *compressStream) AppendEncoded(dst, p []byte, end bool) []byte {
	if s.coding.kind == kindZstd && end && !s.streaming {
		// A whole body: one frame that carries its size.
		return s.zs.EncodeAll(p, dst)
	}
	s.out.buf = dst
	switch s.coding.kind {
	case kindZstd:
		if !s.streaming {
			s.zs.Reset(&s.out)
		}
		_, _ = s.zs.Write(p)
		if end {
			_ = s.zs.Close()
		} else {
			_ = s.zs.Flush()
		}
	case kindGzip:
		if !s.streaming {
			s.gz.Reset(&s.out)
		}
		_, _ = s.gz.Write(p)
		if end {
			_ = s.gz.Close()
		} else {
			_ = s.gz.Flush()
		}
	case kindDeflate:
		if !s.streaming {
			s.zl.Reset(&s.out)
		}
		_, _ = s.zl.Write(p)
		if end {
			_ = s.zl.Close()
		} else {
			_ = s.zl.Flush()
		}
	}
	s.streaming = true
	dst, s.out.buf = s.out.buf, nil
	return dst
}

// ReleaseEncoder implements http.ContentEncoder: the encoder and the
// stream go back to their pools.
func (s *compressStream) ReleaseEncoder() {
	switch {
	case s.zs != nil:
		s.coding.pool.Put(s.zs)
	case s.gz != nil:
		s.coding.pool.Put(s.gz)
	case s.zl != nil:
		s.coding.pool.Put(s.zl)
	}
	cfg := s.cfg
	*s = compressStream{cfg: cfg}
	cfg.streams.Put(s)
}

// varyListsAcceptEncoding reports whether a Vary field of h lists
// Accept-Encoding or "*".
func varyListsAcceptEncoding(h *http.Header) bool {
	found := false
	h.Each(func(name, value string) {
		if !found && strings.EqualFold(name, "Vary") {
			found = listHasToken(value, "Accept-Encoding") || listHasToken(value, "*")
		}
	})
	return found
}

// listHasToken reports whether the comma-separated list v holds token
// (case-insensitively).
func listHasToken(v, token string) bool {
	for v != "" {
		var item string
		item, v, _ = strings.Cut(v, ",")
		if strings.EqualFold(strings.TrimSpace(item), token) {
			return true
		}
	}
	return false
}
