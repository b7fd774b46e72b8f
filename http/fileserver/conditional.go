package fileserver

import (
	"net/textproto"
	"time"

	nethttp "net/http"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Conditional requests (RFC 9110 13), evaluated in the order of 13.2.2, as
// net/http's ServeContent does: If-Match, else If-Unmodified-Since (412);
// If-None-Match, else If-Modified-Since (304 for GET and HEAD); If-Range
// decides whether Range applies.

type condResult int

const (
	condNone condResult = iota
	condTrue
	condFalse
)

// header returns the first value of the request's field name as a string
// (net/http's Header.Get).
func header(r *http.Request, name string) string { return string(r.Header(name)) }

// scanETag splits the entity-tag at the start of s off the rest; "" when s
// does not start with one.
func scanETag(s string) (etag, remain string) {
	s = textproto.TrimString(s)
	start := 0
	if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
		start = 2
	}
	if len(s[start:]) < 2 || s[start] != '"' {
		return "", ""
	}
	for i := start + 1; i < len(s); i++ {
		switch c := s[i]; {
		case c == 0x21 || c >= 0x23 && c <= 0x7E || c >= 0x80:
		case c == '"':
			return s[:i+1], s[i+1:]
		default:
			return "", ""
		}
	}
	return "", ""
}

func etagStrongMatch(a, b string) bool { return a == b && a != "" && a[0] == '"' }

func etagWeakMatch(a, b string) bool { return trimWeak(a) == trimWeak(b) }

func trimWeak(s string) string {
	if len(s) >= 2 && s[0] == 'W' && s[1] == '/' {
		return s[2:]
	}
	return s
}

// matchList evaluates an If-Match or If-None-Match list against etag:
// condTrue when some member matches (or the list is "*"), condFalse when
// none does; a malformed member ends the list there.
func matchList(list, etag string, weak bool) condResult {
	for {
		list = textproto.TrimString(list)
		if len(list) == 0 {
			break
		}
		if list[0] == ',' {
			list = list[1:]
			continue
		}
		if list[0] == '*' {
			return condTrue
		}
		tag, remain := scanETag(list)
		if tag == "" {
			break
		}
		if weak && etagWeakMatch(tag, etag) || !weak && etagStrongMatch(tag, etag) {
			return condTrue
		}
		list = remain
	}
	return condFalse
}

func isZeroTime(t time.Time) bool { return t.IsZero() || t.Equal(time.Unix(0, 0)) }

// compareDate compares modtime, truncated to the second (HTTP dates have
// no finer resolution), with the date in v: ok false when v is not one.
func compareDate(v string, modtime time.Time) (cmp int, ok bool) {
	t, err := nethttp.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return modtime.Truncate(time.Second).Compare(t), true
}

// preconditions evaluates the request's conditions against the file's
// validators. It returns the status to answer with instead of the file (0:
// none) and whether a Range header is to be honoured.
func preconditions(r *http.Request, etag string, modtime time.Time) (status int, useRange bool) {
	ch := condNone
	if im := header(r, "If-Match"); im != "" {
		ch = matchList(im, etag, false)
	} else if ius := header(r, "If-Unmodified-Since"); ius != "" && !isZeroTime(modtime) {
		if cmp, ok := compareDate(ius, modtime); ok {
			ch = condTrue
			if cmp > 0 {
				ch = condFalse
			}
		}
	}
	if ch == condFalse {
		return 412, false
	}
	if inm := header(r, "If-None-Match"); inm != "" {
		if matchList(inm, etag, true) == condTrue {
			return 304, false // GET and HEAD only reach here
		}
	} else if ims := header(r, "If-Modified-Since"); ims != "" && !isZeroTime(modtime) {
		if cmp, ok := compareDate(ims, modtime); ok && cmp <= 0 {
			return 304, false
		}
	}
	if len(r.Header("Range")) == 0 {
		return 0, false
	}
	return 0, ifRange(r, etag, modtime)
}

// ifRange reports whether If-Range (if any) lets the Range apply: a strong
// entity-tag match or the exact modification date.
func ifRange(r *http.Request, etag string, modtime time.Time) bool {
	ir := header(r, "If-Range")
	if ir == "" {
		return true
	}
	if tag, _ := scanETag(ir); tag != "" {
		return etagStrongMatch(tag, etag)
	}
	if modtime.IsZero() {
		return false
	}
	t, err := nethttp.ParseTime(ir)
	return err == nil && t.Unix() == modtime.Unix()
}

// modifiedSinceFalse is If-Modified-Since for a directory listing (which
// has no entity-tag): true when the listing is not newer than the date.
func modifiedSinceFalse(r *http.Request, modtime time.Time) bool {
	ims := header(r, "If-Modified-Since")
	if ims == "" || isZeroTime(modtime) {
		return false
	}
	cmp, ok := compareDate(ims, modtime)
	return ok && cmp <= 0
}
