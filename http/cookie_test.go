package http

import (
	"bufio"
	"math/rand"
	stdhttp "net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// parseHead parses a request head with the package's parser.
func parseHead(t testing.TB, head string) *Request {
	t.Helper()
	r, err := newParser(Limits{}).Parse([]byte(head))
	if err != nil || r == nil {
		return nil
	}
	return r
}

type cookiePair struct{ Name, Value string }

// checkCookiesAgainstStd compares our reading of the Cookie lines with
// net/http's Request.Cookies and Request.Cookie.
func checkCookiesAgainstStd(t testing.TB, lines []string) {
	t.Helper()
	head := "GET / HTTP/1.1\r\nHost: x\r\n"
	for _, l := range lines {
		head += "Cookie: " + l + "\r\n"
	}
	head += "\r\n"
	r := parseHead(t, head)
	if r == nil {
		return // not a valid field value: no request to compare
	}
	std, err := stdhttp.ReadRequest(bufio.NewReader(strings.NewReader(head)))
	if err != nil {
		t.Fatalf("%q: net/http refuses what we parse: %v", head, err)
	}
	want := std.Cookies()
	got := r.Cookies()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: Cookies %v, net/http %v", lines, got, want)
	}
	var each []cookiePair
	r.EachCookie(func(n, v string) bool { each = append(each, cookiePair{n, v}); return true })
	// net/http's Request.Cookie(name) is the first of Cookies() with that
	// name: compared through a map, as calling it for every cookie parses
	// the whole field again each time (quadratic in the cookies).
	first := make(map[string]string, len(want))
	for i, c := range want {
		if each[i] != (cookiePair{c.Name, c.Value}) {
			t.Fatalf("%q: EachCookie %v, net/http %v", lines, each, want)
		}
		if _, seen := first[c.Name]; !seen {
			first[c.Name] = c.Value
		}
		v, ok := r.Cookie(c.Name)
		if !ok || v != first[c.Name] {
			t.Fatalf("%q: Cookie(%q) = %q, %v; net/http %q", lines, c.Name, v, ok, first[c.Name])
		}
	}
	if len(want) > 0 {
		// And once through net/http itself, for the first name.
		sc, err := std.Cookie(want[0].Name)
		if err != nil || sc.Value != first[want[0].Name] {
			t.Fatalf("%q: net/http's Cookie(%q) = %v, %v; its Cookies() say %q", lines, want[0].Name, sc, err, first[want[0].Name])
		}
	}
	if len(each) != len(want) {
		t.Fatalf("%q: EachCookie %v, net/http %v", lines, each, want)
	}
	if _, ok := r.Cookie("absent"); ok != (func() bool { _, err := std.Cookie("absent"); return err == nil })() {
		t.Fatalf("%q: Cookie(absent) disagrees", lines)
	}
}

// TestCookiesDifferential drives our Cookie reading and net/http's with
// generated Cookie fields.
func TestCookiesDifferential(t *testing.T) {
	alphabet := []string{"a", "b", "absent", "=", ";", " ", "\t", `"`, ",", "\\", "x=1", "é", "%20", "(", "@", "==", "; ", `"q"`}
	rng := rand.New(rand.NewSource(3))
	for range 20000 {
		var lines []string
		for n := 1 + rng.Intn(3); n > 0; n-- {
			var sb strings.Builder
			for m := rng.Intn(10); m > 0; m-- {
				sb.WriteString(alphabet[rng.Intn(len(alphabet))])
			}
			lines = append(lines, sb.String())
		}
		checkCookiesAgainstStd(t, lines)
	}
	checkCookiesAgainstStd(t, []string{`session=abc; theme="dark"; bad name=1; x=a b,c`, "second=2"})
	checkCookiesAgainstStd(t, []string{strings.Repeat("a=1;", 3001)})
}

// FuzzCookies: any Cookie field reads as net/http reads it.
//
// The fields are at most maxFuzzCookieField bytes. The fuzzer minimizes
// every input that reaches new coverage, and its last pass tries every
// byte range of a value: quadratic in its length. A few KiB of field
// (easily new coverage: a longer run through a byte loop counts as new)
// made each minimization millions of calls, both workers minimizing for
// up to -fuzzminimizetime (60 s) and no call counted meanwhile: the run
// sat at 0 execs/s. Long Cookie lines (3001 cookies) are compared by
// TestCookiesDifferential.
func FuzzCookies(f *testing.F) {
	f.Add("a=1; b=\"2\"", "c=3")
	f.Fuzz(func(t *testing.T, a, b string) {
		if len(a) > maxFuzzCookieField || len(b) > maxFuzzCookieField {
			return
		}
		checkCookiesAgainstStd(t, []string{a, b})
	})
}

// maxFuzzCookieField bounds FuzzCookies' fields (see there): room for a
// few dozen cookies, and a minimization of at most 128²/2 calls a field.
const maxFuzzCookieField = 128

func TestCookieNoAllocation(t *testing.T) {
	r := parseHead(t, "GET / HTTP/1.1\r\nHost: x\r\nCookie: a=1; session=\"abc\"; theme=dark\r\n\r\n")
	allocs := testing.AllocsPerRun(100, func() {
		if v, ok := r.Cookie("session"); !ok || v != "abc" {
			t.Fatal("session")
		}
		r.EachCookie(func(string, string) bool { return true })
	})
	if allocs != 0 {
		t.Fatalf("%v allocs, want 0", allocs)
	}
}

// TestSetCookie: SetCookie writes what net/http writes for a valid cookie
// and refuses the invalid ones net/http would drop or mangle.
func TestSetCookie(t *testing.T) {
	s := startServer(t, HandlerFunc(func(w *ResponseWriter, r *Request) {
		if err := w.SetCookie(&stdhttp.Cookie{Name: "visited", Value: "1", Path: "/", HttpOnly: true}); err != nil {
			t.Error(err)
		}
		exp := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		if err := w.SetCookie(&stdhttp.Cookie{Name: "s", Value: "a b", Expires: exp, Secure: true, SameSite: stdhttp.SameSiteLaxMode, MaxAge: 60}); err != nil {
			t.Error(err)
		}
		for _, bad := range []*stdhttp.Cookie{{Name: "bad name", Value: "1"}, {Name: "v", Value: "semi;colon"}, {Name: "p", Value: "1", Path: "/a;b"},
			{Name: "", Value: "x"}, {Name: "part", Value: "1", Partitioned: true}, nil} {
			if err := w.SetCookie(bad); err == nil {
				t.Errorf("SetCookie(%v) accepted", bad)
			}
		}
	}))
	resp, err := stdhttp.Get("http://" + s.Addr().String() + "/")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	got := resp.Header.Values("Set-Cookie")
	want := []string{"visited=1; Path=/; HttpOnly", `s="a b"; Expires=Wed, 02 Jan 2030 03:04:05 GMT; Max-Age=60; Secure; SameSite=Lax`}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Set-Cookie %q, want %q", got, want)
	}
	cs := resp.Cookies()
	if len(cs) != 2 || cs[0].Name != "visited" || !cs[0].HttpOnly || cs[1].Value != "a b" {
		t.Fatalf("net/http reads back %v", cs)
	}
}

func BenchmarkCookieLookup(b *testing.B) {
	r := parseHead(b, "GET / HTTP/1.1\r\nHost: x\r\nCookie: _ga=GA1.2.3; session=\"abc\"; theme=dark; lang=en\r\n\r\n")
	b.ReportAllocs()
	for b.Loop() {
		if _, ok := r.Cookie("lang"); !ok {
			b.Fatal("lang")
		}
	}
}
