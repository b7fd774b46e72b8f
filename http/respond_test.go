package http

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"math/rand"
	"mime"
	stdhttp "net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// offlineWriter is a ResponseWriter on no connection, for the helpers'
// unit tests (what it would send is in its status, header and body).
func offlineWriter() *ResponseWriter {
	return &ResponseWriter{c: &conn{}, status: StatusOK}
}

// TestRedirectDifferential: Redirect sets what net/http's Redirect sets,
// for generated request paths, targets and methods.
func TestRedirectDifferential(t *testing.T) {
	paths := []string{"/", "/a", "/a/", "/a/b", "/a/b/", "/%7Eu/x", "/é", "/a//b"}
	pieces := []string{"", "/", "x", "..", ".", "?q=1", "#f", "//host", "http://h/p", "é", "a b", "<>", "&", "%20", "./", "../"}
	methods := []string{"GET", "HEAD", "POST"}
	rng := rand.New(rand.NewSource(4))
	for range 5000 {
		p := paths[rng.Intn(len(paths))]
		var tb strings.Builder
		for n := rng.Intn(4); n > 0; n-- {
			tb.WriteString(pieces[rng.Intn(len(pieces))])
		}
		target, method := tb.String(), methods[rng.Intn(len(methods))]
		code := []int{301, 302, 303, 307, 308}[rng.Intn(5)]
		head := method + " " + p + " HTTP/1.1\r\nHost: x\r\n\r\n"
		r := parseHead(t, head)
		if r == nil {
			continue
		}
		std, err := stdhttp.ReadRequest(bufio.NewReader(strings.NewReader(head)))
		if err != nil {
			t.Fatal(err)
		}
		rec := httptest.NewRecorder()
		stdhttp.Redirect(rec, std, target, code)
		w := offlineWriter()
		Redirect(w, r, target, code)
		if w.status != rec.Code || w.header.Get("Location") != rec.Header().Get("Location") ||
			w.header.Get("Content-Type") != rec.Header().Get("Content-Type") || string(w.body) != rec.Body.String() {
			t.Fatalf("%s %s -> %q (%d): ours %d %q %q %q; net/http %d %q %q %q", method, p, target, code,
				w.status, w.header.Get("Location"), w.header.Get("Content-Type"), w.body,
				rec.Code, rec.Header().Get("Location"), rec.Header().Get("Content-Type"), rec.Body.String())
		}
	}
}

func TestContentDisposition(t *testing.T) {
	for _, tc := range []struct{ name, want string }{
		{"report.pdf", `attachment; filename=report.pdf`},
		{"my report.pdf", `attachment; filename="my report.pdf"`},
		{`a"b.txt`, `attachment; filename="a\"b.txt"`},
		{"dir/../x.txt", `attachment; filename=x.txt`},
		{"résumé.pdf", `attachment; filename=r_sum_.pdf; filename*=utf-8''r%C3%A9sum%C3%A9.pdf`},
		{"", "attachment"},
	} {
		got := ContentDisposition("attachment", tc.name)
		if got != tc.want {
			t.Errorf("%q: %q, want %q", tc.name, got, tc.want)
		}
		// What mime (as browsers per RFC 6266) reads back is the name.
		_, params, err := mime.ParseMediaType(got)
		if tc.name != "" && (err != nil || params["filename"] != tc.name[strings.LastIndex(tc.name, "/")+1:]) {
			t.Errorf("%q: %q reads back as %q (%v)", tc.name, got, params["filename"], err)
		}
	}
}

type selfMarshaler struct{}

func (*selfMarshaler) MarshalJSON() ([]byte, error) { return []byte(`"self"`), nil }

type jsonUser struct {
	Name string   `json:"name"`
	Age  int      `json:"age"`
	Tags []string `json:"tags,omitempty"`
}

func TestJSONWriter(t *testing.T) {
	w := offlineWriter()
	if err := w.JSON(201, jsonUser{Name: "Ada <3", Age: 36}); err != nil {
		t.Fatal(err)
	}
	if w.status != 201 || w.header.Get("Content-Type") != "application/json" || string(w.body) != `{"name":"Ada \u003c3","age":36}` {
		t.Fatalf("%d %q %s", w.status, w.header.Get("Content-Type"), w.body)
	}
	w = offlineWriter()
	if err := w.JSON(200, &selfMarshaler{}); err != nil || string(w.body) != `"self"` {
		t.Fatalf("pointer Marshaler: %v %s", err, w.body)
	}
	w = offlineWriter()
	var nilUser *jsonUser
	if err := w.JSON(200, nilUser); err != nil || string(w.body) != "null" {
		t.Fatalf("nil pointer: %v %s", err, w.body)
	}
	w = offlineWriter()
	if err := w.JSON(200, map[string]any{"b": []int{1}, "a": nil}); err != nil || string(w.body) != `{"a":null,"b":[1]}` {
		t.Fatalf("map: %v %s", err, w.body)
	}
	w = offlineWriter()
	_, _ = w.WriteString("keep")
	if err := w.JSON(200, func() {}); err == nil || string(w.body) != "keep" {
		t.Fatalf("unencodable value: %v, body %q", err, w.body)
	}
}

// BenchmarkJSONWriter: the writer's hot path allocates nothing for a
// struct of plain fields.
func BenchmarkJSONWriter(b *testing.B) {
	w := offlineWriter()
	u := jsonUser{Name: "Ada", Age: 36, Tags: []string{"a", "b"}}
	b.ReportAllocs()
	for b.Loop() {
		w.body, w.written = w.body[:0], 0
		if err := w.JSON(200, &u); err != nil {
			b.Fatal(err)
		}
	}
}

func TestJSONWriterNoAllocation(t *testing.T) {
	w := offlineWriter()
	u := jsonUser{Name: "Ada", Age: 36, Tags: []string{"a", "b"}}
	_ = w.JSON(200, &u) // warm the encoder cache and the buffer
	allocs := testing.AllocsPerRun(100, func() {
		w.body, w.written = w.body[:0], 0
		_ = w.JSON(200, &u)
	})
	if allocs != 0 {
		t.Fatalf("%v allocs per JSON, want 0", allocs)
	}
}

func bindRequest(t *testing.T, ct, body string) *Request {
	t.Helper()
	head := "POST /users HTTP/1.1\r\nHost: x\r\nContent-Length: " + itoa(len(body)) + "\r\n"
	if ct != "" {
		head += "Content-Type: " + ct + "\r\n"
	}
	r := parseHead(t, head+"\r\n"+body)
	if r == nil {
		t.Fatal("unparsable")
	}
	r.body = []byte(body)
	return r
}

func itoa(n int) string { return strings.TrimSpace(strings.Repeat(" ", 0)) + string(appendInt(nil, n)) }

func TestBindJSON(t *testing.T) {
	var u jsonUser
	if err := bindRequest(t, "application/json; charset=utf-8", `{"name":"Ada","age":36,"extra":1}`).BindJSON(&u); err != nil || u.Name != "Ada" || u.Age != 36 {
		t.Fatalf("%v %+v", err, u)
	}
	if err := bindRequest(t, "application/vnd.api+json", `{"name":"B"}`).BindJSON(&u); err != nil || u.Name != "B" {
		t.Fatalf("+json: %v", err)
	}
	for _, tc := range []struct {
		name, ct, body string
		strict         bool
		max            int64
		code           int
		reason         string
	}{
		{"wrong type", "application/json", `{"name":1}`, false, 0, 400, "invalid JSON body at byte 9: "},
		{"truncated", "application/json", `{"name":"a",`, false, 0, 400, "unexpected end of the document at byte 12"},
		{"trailing data", "application/json", `{"name":"a"} x`, false, 0, 400, "data after the JSON document"},
		{"two documents", "application/json", `{} {}`, false, 0, 400, "data after the JSON document"},
		{"empty", "application/json", "  ", false, 0, 400, "empty body"},
		{"unknown field strict", "application/json", `{"nam":"a"}`, true, 0, 400, "found unknown field: nam"},
		{"not json", "text/plain", `{}`, false, 0, 415, `Content-Type "text/plain" is not JSON`},
		{"no content type", "", `{}`, false, 0, 415, "no Content-Type"},
		{"too large", "application/json", `{"name":"` + strings.Repeat("n", 100) + `"}`, false, 50, 413, "JSON body over 50 bytes"},
	} {
		var v jsonUser
		err := bindRequest(t, tc.ct, tc.body).BindJSONWith(&v, BindOptions{Strict: tc.strict, MaxBytes: tc.max})
		var re *RequestError
		if !errors.As(err, &re) || re.Status != tc.code || !strings.Contains(re.Reason, tc.reason) || strings.Contains(re.Reason, "\n") {
			t.Errorf("%s: %v, want %d naming %q", tc.name, err, tc.code, tc.reason)
		}
	}
	// The trailing white space of a document is fine.
	if err := bindRequest(t, "application/json", "{\"age\":3}\r\n ").BindJSON(&u); err != nil || u.Age != 3 {
		t.Fatalf("trailing space: %v", err)
	}
	// DecodeJSON from a stream, with its bound.
	if err := DecodeJSON(strings.NewReader(`{"age":5}`), "application/json", &u, BindOptions{}); err != nil || u.Age != 5 {
		t.Fatalf("DecodeJSON: %v", err)
	}
	if err := DecodeJSON(io.LimitReader(neverEnding('x'), 2<<20), "application/json", &u, BindOptions{}); StatusOf(err) != 413 {
		t.Fatalf("DecodeJSON over 1 MiB: %v", err)
	}
}

type neverEnding byte

func (b neverEnding) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = byte(b)
	}
	return len(p), nil
}

// FuzzBindJSON: whatever the body, binding answers nil or a 400 whose
// reason is one line.
func FuzzBindJSON(f *testing.F) {
	f.Add([]byte(`{"name":"Ada","age":36,"tags":["a"]}`), false)
	f.Add([]byte(`{"name":1}`), true)
	f.Add([]byte(`{"nam":"a"} x`), true)
	f.Fuzz(func(t *testing.T, body []byte, strict bool) {
		var u jsonUser
		err := DecodeJSON(bytes.NewReader(body), "application/json", &u, BindOptions{Strict: strict})
		if err == nil {
			return
		}
		var re *RequestError
		if !errors.As(err, &re) || re.Status != 400 || strings.ContainsAny(re.Reason, "\r\n") || re.Reason == "" {
			t.Fatalf("%q: %v", body, err)
		}
	})
}
