package middleware

import (
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// referenceChoice is RFC 9110 12.5.3's negotiation written the plain way
// (split, trim, a regular expression and a float for the weights), to
// check the allocation-free parser against: the coding Compress should
// pick for one Accept-Encoding value ("" for the identity), and whether
// the identity is refused.
func referenceChoice(value string, order []string) (string, bool) {
	weights := map[string]float64{}
	for _, elem := range strings.Split(value, ",") {
		parts := strings.Split(elem, ";")
		name := strings.ToLower(strings.Trim(parts[0], " \t"))
		if name == "" {
			continue
		}
		q, ok := 1.0, true
		for _, p := range parts[1:] {
			p = strings.Trim(p, " \t")
			if p == "" {
				continue
			}
			v, found := strings.CutPrefix(p, "q=")
			if !found {
				v, found = strings.CutPrefix(p, "Q=")
			}
			if !found || !qvalueRe.MatchString(v) {
				ok = false
				break
			}
			q, _ = strconv.ParseFloat(v, 64)
		}
		if !ok {
			continue
		}
		if name == "x-gzip" {
			name = "gzip"
		}
		weights[name] = q
	}
	weight := func(name string) (float64, bool) {
		if q, ok := weights[name]; ok {
			return q, true
		}
		q, ok := weights["*"]
		return q, ok
	}
	best, bestQ := "", 0.0
	for _, name := range order {
		if q, _ := weight(name); q > bestQ {
			best, bestQ = name, q
		}
	}
	if best == "" {
		return "", false
	}
	identity, listed := weight("identity")
	if listed && identity > bestQ {
		return "", false
	}
	return best, listed && identity == 0
}

var qvalueRe = regexp.MustCompile(`^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$`)

// FuzzAcceptEncoding: for any Accept-Encoding value, Compress's choice is
// the reference's.
func FuzzAcceptEncoding(f *testing.F) {
	for _, s := range []string{
		"gzip", "gzip, deflate, br, zstd", "*;q=0.5, zstd;q=0", "identity;q=0", "gzip;q=0.001, identity;q=0",
		"GZIP ; Q=1.000", "x-gzip;q=0.5,zstd;q=0.5", "gzip;q=1.0001", "br;q=1, identity;q=0, *;q=0", "",
		" , ;q=1, gzip;;q=0.3", "deflate;q=0.", "gzip;q=.5", "zstd;level=3",
	} {
		f.Add(s)
	}
	c := newCompressConfig(nil)
	order := []string{EncodingZstd, EncodingGzip, EncodingDeflate}
	f.Fuzz(func(t *testing.T, value string) {
		var a acceptedCodings
		a.reset()
		a.parse([]byte(value))
		got, anySize := c.choose(&a)
		name := ""
		if got != nil {
			name = got.name
		}
		want, wantAny := referenceChoice(value, order)
		if name != want || (want != "" && anySize != wantAny) {
			t.Fatalf("Accept-Encoding %q: chose %q (identity refused %v), reference %q (%v)", value, name, anySize, want, wantAny)
		}
	})
}
