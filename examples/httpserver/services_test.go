package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	nethttp "net/http"
	"net/url"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func jsonOf(t *testing.T, r result) map[string]any {
	t.Helper()
	if r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("%s: Content-Type %q, want application/json (body %q)", r.Request.URL, r.Header.Get("Content-Type"), r.body)
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(r.body), &m); err != nil {
		t.Fatalf("%s: body %q: %v", r.Request.URL, r.body, err)
	}
	return m
}

// TestServicesContract checks the helpers' endpoints of the package
// documentation with Go's client.
func TestServicesContract(t *testing.T) {
	base := start(t)
	tr := &nethttp.Transport{DisableCompression: true}
	defer tr.CloseIdleConnections()
	cl := &nethttp.Client{Transport: tr, Timeout: guard}

	// GET /search
	r := do(t, cl, "GET", base+"/search?q=go+lang%21&tag=a&tag=b", "", nil)
	if m := jsonOf(t, r); r.StatusCode != 200 || !reflect.DeepEqual(m, map[string]any{"q": "go lang!", "tags": []any{"a", "b"}}) {
		t.Fatalf("/search: %d %s", r.StatusCode, r.body)
	}
	r = do(t, cl, "GET", base+"/search", "", nil)
	if r.body != `{"q":"","tags":[]}` {
		t.Fatalf("/search without query: %s", r.body)
	}

	// POST /form, urlencoded
	r = do(t, cl, "POST", base+"/form", "application/x-www-form-urlencoded", strings.NewReader(url.Values{"a": {"1"}, "b": {"x y", "z"}}.Encode()))
	if m := jsonOf(t, r); r.StatusCode != 200 || !reflect.DeepEqual(m, map[string]any{"a": "1", "b": []any{"x y", "z"}}) {
		t.Fatalf("/form urlencoded: %d %s", r.StatusCode, r.body)
	}
	// POST /form, multipart with a file
	var mb bytes.Buffer
	mw := multipart.NewWriter(&mb)
	_ = mw.WriteField("title", "holiday")
	fw, _ := mw.CreateFormFile("photo", "beach.jpg")
	_, _ = fw.Write(bytes.Repeat([]byte{0xff}, 1234))
	_ = mw.Close()
	r = do(t, cl, "POST", base+"/form", mw.FormDataContentType(), &mb)
	if m := jsonOf(t, r); r.StatusCode != 200 || !reflect.DeepEqual(m, map[string]any{"title": "holiday", "photo": map[string]any{"filename": "beach.jpg", "size": 1234.0}}) {
		t.Fatalf("/form multipart: %d %s", r.StatusCode, r.body)
	}
	for _, bad := range []struct {
		ct, body string
		code     int
	}{
		{"multipart/form-data", "--x\r\n", 400},
		{"text/plain", "a=1", 415},
	} {
		r = do(t, cl, "POST", base+"/form", bad.ct, strings.NewReader(bad.body))
		if m := jsonOf(t, r); r.StatusCode != bad.code || m["error"] == "" {
			t.Fatalf("/form %s: %d %s", bad.ct, r.StatusCode, r.body)
		}
	}

	// POST /users
	r = do(t, cl, "POST", base+"/users", "application/json", strings.NewReader(`{"name":"Ada","age":36}`))
	if m := jsonOf(t, r); r.StatusCode != 201 || !reflect.DeepEqual(m, map[string]any{"name": "Ada", "age": 36.0}) {
		t.Fatalf("/users: %d %s", r.StatusCode, r.body)
	}
	for _, bad := range []struct {
		ct, body string
		code     int
		reason   string
	}{
		{"application/json", `{"name":"Ada"`, 400, "unexpected end"},
		{"application/json", `{"name":"Ada","age":"x"}`, 400, "invalid JSON body at byte"},
		{"application/json", `{"name":"Ada"}`, 400, `missing member "age"`},
		{"application/json", `{"age":3}`, 400, `missing member "name"`},
		{"text/plain", `{"name":"Ada","age":36}`, 415, "is not JSON"},
	} {
		r = do(t, cl, "POST", base+"/users", bad.ct, strings.NewReader(bad.body))
		m := jsonOf(t, r)
		if reason, _ := m["error"].(string); r.StatusCode != bad.code || !strings.Contains(reason, bad.reason) {
			t.Fatalf("/users %q: %d %s, want %d naming %q", bad.body, r.StatusCode, r.body, bad.code, bad.reason)
		}
	}

	// GET /cookies
	req, _ := nethttp.NewRequest("GET", base+"/cookies", nil)
	req.Header.Set("Cookie", `session=abc; theme="dark"; session=later`)
	resp, err := cl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != 200 || string(b) != `{"session":"abc","theme":"dark"}` || resp.Header.Get("Content-Type") != "application/json" ||
		!reflect.DeepEqual(resp.Header.Values("Set-Cookie"), []string{"visited=1; Path=/; HttpOnly"}) {
		t.Fatalf("/cookies: %d %q %q", resp.StatusCode, b, resp.Header.Values("Set-Cookie"))
	}
}

// TestServicesCurl runs the helpers' endpoints with curl: a multipart
// upload of a real file (-F), a urlencoded form (--data-urlencode), a JSON
// body and a cookie round trip through a cookie jar.
func TestServicesCurl(t *testing.T) {
	if _, err := exec.LookPath("curl"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("curl not installed")
		}
		t.Skip("curl not installed")
	}
	base := start(t)
	dir := t.TempDir()
	file := dir + "/notes.txt"
	if err := os.WriteFile(file, bytes.Repeat([]byte("n"), 70000), 0o600); err != nil {
		t.Fatal(err)
	}
	curl := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("curl", append([]string{"-sS", "--max-time", "15"}, args...)...).Output()
		if err != nil {
			t.Fatalf("curl %v: %v", args, err)
		}
		return string(out)
	}
	if got := curl("-F", "who=me", "-F", "doc=@"+file, base+"/form"); got != `{"doc":{"filename":"notes.txt","size":70000},"who":"me"}` {
		t.Fatalf("curl -F: %s", got)
	}
	if got := curl("--data-urlencode", "msg=a&b c", base+"/form"); got != `{"msg":"a\u0026b c"}` {
		t.Fatalf("curl --data-urlencode: %s", got)
	}
	if got := curl("-w", " %{http_code}", "-H", "Content-Type: application/json", "--data", `{"name":"Bo","age":7}`, base+"/users"); got != `{"name":"Bo","age":7} 201` {
		t.Fatalf("curl /users: %s", got)
	}
	if got := curl("-G", "--data-urlencode", "q=ö ü", "-d", "tag=x", base+"/search"); got != `{"q":"ö ü","tags":["x"]}` {
		t.Fatalf("curl /search: %s", got)
	}
	jar := dir + "/jar"
	_ = curl("-c", jar, base+"/cookies")
	if got := curl("-b", jar, base+"/cookies"); got != `{"visited":"1"}` {
		t.Fatalf("curl cookie round trip: %s", got)
	}
}
