package fileserver

import (
	"net/textproto"
	"strconv"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// encodings are the precompressed siblings looked for, in the server's
// order of preference: the smallest first.
var encodings = [...]struct{ name, suffix string }{
	{"br", ".br"},
	{"zstd", ".zst"},
	{"gzip", ".gz"},
}

// acceptedEncodings parses Accept-Encoding (RFC 9110 12.5.3) into the
// q-value the client gives each of our encodings (0: refused or not
// mentioned and no "*"). "x-gzip" counts as gzip.
func acceptedEncodings(v string) (q [len(encodings)]float64) {
	star := -1.0
	var seen [len(encodings)]bool
	for member := range strings.SplitSeq(v, ",") {
		name, params, _ := strings.Cut(member, ";")
		name = strings.ToLower(textproto.TrimString(name))
		weight := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, val, ok := strings.Cut(p, "=")
			if ok && strings.EqualFold(textproto.TrimString(k), "q") {
				f, err := strconv.ParseFloat(textproto.TrimString(val), 64)
				if err != nil || f < 0 || f > 1 {
					f = 0
				}
				weight = f
			}
		}
		if name == "*" {
			star = weight
			continue
		}
		if name == "x-gzip" {
			name = "gzip"
		}
		for i, e := range encodings {
			if e.name == name {
				q[i], seen[i] = weight, true
			}
		}
	}
	if star >= 0 {
		for i := range q {
			if !seen[i] {
				q[i] = star
			}
		}
	}
	return q
}

// precompressed finds the sibling to send for orig, if the client
// accepts one: the highest q-value wins, ties go to the server's order.
// It reports whether any sibling exists (the response then varies by
// Accept-Encoding whatever is sent). The sibling comes with a hold.
func (h *Handler) precompressed(r *http.Request, orig *file) (sib *file, encoding string, vary bool) {
	var q [len(encodings)]float64
	ae := r.Header("Accept-Encoding")
	if len(ae) > 0 {
		q = acceptedEncodings(string(ae))
	}
	best := -1
	for i := range encodings {
		f, dir, err := h.cache.acquire(orig.siblings[i])
		if dir != nil {
			_ = dir.Close()
		}
		if err != nil || f == nil {
			continue
		}
		vary = true
		if q[i] > 0 && (best < 0 || q[i] > q[best]) {
			if sib != nil {
				h.cache.release(sib)
			}
			sib, best = f, i
			continue
		}
		h.cache.release(f)
	}
	if best >= 0 {
		encoding = encodings[best].name
	}
	return sib, encoding, vary
}
