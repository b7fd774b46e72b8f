package fileserver

import (
	"errors"
	"net/textproto"
	"strconv"
	"strings"
)

// byteRange is one range of a Range request, resolved against the size.
type byteRange struct{ start, length int64 }

// contentRange is the range's Content-Range value.
func (r byteRange) contentRange(size int64) string {
	return "bytes " + strconv.FormatInt(r.start, 10) + "-" + strconv.FormatInt(r.start+r.length-1, 10) + "/" + strconv.FormatInt(size, 10)
}

var (
	errInvalidRange = errors.New("invalid range")
	// errNoOverlap: every range starts at or past the end (416 with
	// Content-Range: bytes */size).
	errNoOverlap = errors.New("invalid range: failed to overlap")
)

// maxRanges bounds how many ranges one request may ask for: beyond it the
// Range is ignored and the whole file sent, so a request cannot make the
// server build thousands of parts. net/http has no such bound; 1000 ranges
// of a file, the number of parts no browser or download tool asks for, is
// well above what the differential tests generate.
const maxRanges = 1000

// parseRange parses a Range header value (RFC 9110 14.1.2) for a
// representation of size bytes, as net/http does: a syntax error is
// errInvalidRange, ranges that all start past the end errNoOverlap, and
// ranges past the end are cut to it.
func parseRange(s string, size int64) ([]byteRange, error) {
	if s == "" {
		return nil, nil
	}
	const unit = "bytes="
	if !strings.HasPrefix(s, unit) {
		return nil, errInvalidRange
	}
	var ranges []byteRange
	noOverlap := false
	for ra := range strings.SplitSeq(s[len(unit):], ",") {
		ra = textproto.TrimString(ra)
		if ra == "" {
			continue
		}
		start, end, ok := strings.Cut(ra, "-")
		if !ok {
			return nil, errInvalidRange
		}
		start, end = textproto.TrimString(start), textproto.TrimString(end)
		var r byteRange
		if start == "" {
			// A suffix: the last end bytes.
			if end == "" || end[0] == '-' {
				return nil, errInvalidRange
			}
			i, err := strconv.ParseInt(end, 10, 64)
			if i < 0 || err != nil {
				return nil, errInvalidRange
			}
			i = min(i, size)
			r.start = size - i
			r.length = size - r.start
		} else {
			i, err := strconv.ParseInt(start, 10, 64)
			if err != nil || i < 0 {
				return nil, errInvalidRange
			}
			if i >= size {
				noOverlap = true
				continue
			}
			r.start = i
			if end == "" {
				r.length = size - r.start
			} else {
				i, err := strconv.ParseInt(end, 10, 64)
				if err != nil || r.start > i {
					return nil, errInvalidRange
				}
				i = min(i, size-1)
				r.length = i - r.start + 1
			}
		}
		ranges = append(ranges, r)
	}
	if noOverlap && len(ranges) == 0 {
		return nil, errNoOverlap
	}
	return ranges, nil
}

// partHeader is the header of one part of a multipart/byteranges body,
// byte for byte what mime/multipart writes for net/http (fields sorted,
// the first part without the leading CRLF).
func partHeader(dst []byte, boundary string, first bool, r byteRange, ctype string, size int64) []byte {
	if !first {
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "--"...)
	dst = append(dst, boundary...)
	dst = append(dst, "\r\nContent-Range: "...)
	dst = append(dst, r.contentRange(size)...)
	dst = append(dst, "\r\nContent-Type: "...)
	dst = append(dst, ctype...)
	return append(dst, "\r\n\r\n"...)
}

// closeDelimiter ends a multipart/byteranges body.
func closeDelimiter(dst []byte, boundary string) []byte {
	dst = append(dst, "\r\n--"...)
	dst = append(dst, boundary...)
	return append(dst, "--\r\n"...)
}
