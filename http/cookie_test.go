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
	for i, c := range want {
		if each[i] != (cookiePair{c.Name, c.Value}) {
			t.Fatalf("%q: EachCookie %v, net/http %v", lines, each, want)
		}
		v, ok := r.Cookie(c.Name)
		sc, err := std.Cookie(c.Name)
		if !ok || err != nil || v != sc.Value {
			t.Fatalf("%q: Cookie(%q) = %q, %v; net/http %v, %v", lines, c.Name, v, ok, sc, err)
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
func FuzzCookies(f *testing.F) {
	f.Add("a=1; b=\"2\"", "c=3")
	f.Fuzz(func(t *testing.T, a, b string) { checkCookiesAgainstStd(t, []string{a, b}) })
}

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
