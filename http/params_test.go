package http

import (
	"errors"
	"math/rand"
	"net/url"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// checkParamsAgainstStd asserts that Params decodes raw as url.ParseQuery
// does: the same map, and Lookup/Values/Has agree with it for every name.
func checkParamsAgainstStd(t testing.TB, raw string) {
	t.Helper()
	if strings.Count(raw, "&") >= 10000 {
		return // url.ParseQuery refuses the whole query past its limit
	}
	want, _ := url.ParseQuery(raw)
	p := NewParams([]byte(raw), "query parameter")
	got := p.Map()
	if len(want) == 0 && len(got) == 0 {
		return
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q: Map %q, url.ParseQuery %q", raw, got, want)
	}
	for name, vs := range want {
		if v, ok := p.Lookup(name); !ok || v != vs[0] {
			t.Fatalf("%q: Lookup(%q) = %q, %v; want %q", raw, name, v, ok, vs[0])
		}
		if g := p.Values(name); !reflect.DeepEqual(g, vs) {
			t.Fatalf("%q: Values(%q) = %q, want %q", raw, name, g, vs)
		}
	}
	n := 0
	for _, vs := range want {
		n += len(vs)
	}
	if p.Len() != n {
		t.Fatalf("%q: Len %d, want %d", raw, p.Len(), n)
	}
}

// TestParamsDifferential drives Params and url.ParseQuery with generated
// queries built from the characters that matter to the decoding.
func TestParamsDifferential(t *testing.T) {
	alphabet := []string{"a", "b", "=", "&", ";", "%", "+", "2", "0", "F", "g", "%41", "%2", "%zz", "é", " ", "%26", "%3D"}
	rng := rand.New(rand.NewSource(1))
	for range 20000 {
		var sb strings.Builder
		for n := rng.Intn(12); n > 0; n-- {
			sb.WriteString(alphabet[rng.Intn(len(alphabet))])
		}
		checkParamsAgainstStd(t, sb.String())
	}
	for _, raw := range []string{"", "&", "a", "a=", "=a", "a=1&a=2&b", "a=1;b=2&c=3", "q=go+lang&tag=a&tag=b", "%zz=1&x=2", "x=%4", "a%3Db=c%26d"} {
		checkParamsAgainstStd(t, raw)
	}
}

// FuzzParams: whatever the query, Params and url.ParseQuery agree.
func FuzzParams(f *testing.F) {
	for _, s := range []string{"a=1&b=2", "q=go+lang&tag=a&tag=b", "x=%zz;y", "a%3Db=c%26d&&=&"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) { checkParamsAgainstStd(t, raw) })
}

func TestParamsTypedGetters(t *testing.T) {
	p := NewParams([]byte("n=42&neg=-7&big=99999999999999999999&f=2.5&b=true&on=on&d=1500ms&bad=x%21&empty="), "query parameter")
	if n, err := p.Int("n", 0); n != 42 || err != nil {
		t.Fatalf("Int(n) = %d, %v", n, err)
	}
	if n, err := p.Int("absent", 9); n != 9 || err != nil {
		t.Fatalf("Int(absent) = %d, %v", n, err)
	}
	if n, err := p.Int("empty", 9); n != 9 || err != nil {
		t.Fatalf("Int(empty) = %d, %v", n, err)
	}
	if n, err := p.Int64("neg", 0); n != -7 || err != nil {
		t.Fatalf("Int64(neg) = %d, %v", n, err)
	}
	if _, err := p.Uint64("neg", 0); err == nil {
		t.Fatal("Uint64(neg): no error")
	}
	if f, err := p.Float64("f", 0); f != 2.5 || err != nil {
		t.Fatalf("Float64 = %v, %v", f, err)
	}
	if b, err := p.Bool("b", false); !b || err != nil {
		t.Fatalf("Bool(b) = %v, %v", b, err)
	}
	if b, err := p.Bool("on", false); !b || err != nil {
		t.Fatalf("Bool(on) = %v, %v", b, err)
	}
	if d, err := p.Duration("d", 0); d != 1500*time.Millisecond || err != nil {
		t.Fatalf("Duration = %v, %v", d, err)
	}
	n, err := p.Int("bad", 5)
	var re *RequestError
	if n != 5 || !errors.As(err, &re) || re.Status != 400 {
		t.Fatalf("Int(bad) = %d, %v: want 5 and a 400 RequestError", n, err)
	}
	if want := `query parameter "bad": invalid integer "x!"`; re.Reason != want {
		t.Fatalf("reason %q, want %q", re.Reason, want)
	}
	if !errors.Is(err, strconv.ErrSyntax) {
		t.Fatalf("%v does not wrap strconv.ErrSyntax", err)
	}
	if _, err := p.Int64("big", 0); err == nil || !strings.Contains(err.Error(), `out of range: "99999999999999999999"`) {
		t.Fatalf("Int64(big): %v", err)
	}
	if _, err := p.Bool("n", false); err == nil || !strings.Contains(err.Error(), `invalid boolean "42"`) {
		t.Fatalf("Bool(n): %v", err)
	}
	if StatusOf(err) != 400 {
		t.Fatalf("StatusOf = %d", StatusOf(err))
	}
}

// TestParamsNoAllocation: a value with nothing to decode is a view.
func TestParamsNoAllocation(t *testing.T) {
	p := NewParams([]byte("q=hello&tag=a&tag=b&page=3&enc=a%20b"), "query parameter")
	allocs := testing.AllocsPerRun(100, func() {
		if p.Get("tag") != "a" || p.Get("q") != "hello" || p.Has("none") {
			t.Fatal("wrong values")
		}
		if n, err := p.Int("page", 0); n != 3 || err != nil {
			t.Fatal("page")
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per lookup, want 0", allocs)
	}
	if p.Get("enc") != "a b" {
		t.Fatalf("decoded %q", p.Get("enc"))
	}
}

func BenchmarkQueryLookup(b *testing.B) {
	p := NewParams([]byte("q=hello+world&tag=a&tag=b&page=3&sort=desc"), "query parameter")
	b.ReportAllocs()
	for b.Loop() {
		_ = p.Get("sort")
		_, _ = p.Int("page", 1)
	}
}
