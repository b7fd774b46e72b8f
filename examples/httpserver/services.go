package main

import (
	"errors"
	stdhttp "net/http"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// addServiceRoutes registers the endpoints that show the request and
// response helpers: query values, forms, JSON bind and cookies.
func addServiceRoutes(rt *http.Router) {
	rt.GET("/search", search)
	rt.POST("/form", form)
	rt.POST("/users", createUser)
	rt.GET("/cookies", cookies)
}

// writeJSONError answers err (a helper's *http.RequestError, or a reason
// of our own) as {"error": "<reason>"} with its status: every response of
// these endpoints is JSON.
func writeJSONError(w *http.ResponseWriter, code int, reason string) {
	_ = w.JSON(code, &struct {
		Error string `json:"error"`
	}{reason})
}

func writeRequestError(w *http.ResponseWriter, err error) {
	var re *http.RequestError
	if errors.As(err, &re) {
		writeJSONError(w, re.Status, re.Reason)
		return
	}
	writeJSONError(w, http.StatusInternalServerError, "internal error")
}

// search: GET /search?q=..&tag=a&tag=b -> {"q":"..","tags":["a","b"]}.
func search(w *http.ResponseWriter, r *http.Request) {
	q := r.QueryParams()
	tags := q.Values("tag")
	if tags == nil {
		tags = []string{}
	}
	_ = w.JSON(http.StatusOK, &struct {
		Q    string   `json:"q"`
		Tags []string `json:"tags"`
	}{q.Get("q"), tags})
}

// fileInfo is how /form reports an uploaded file.
type fileInfo struct {
	Filename string `json:"filename"`
	Size     int64  `json:"size"`
}

// form: POST /form (urlencoded or multipart) -> an object of its fields;
// a field sent more than once is an array; each file part is
// {"filename":..,"size":N} (an array of them for several under one name).
func form(w *http.ResponseWriter, r *http.Request) {
	f, err := r.Form()
	if err != nil {
		writeRequestError(w, err)
		return
	}
	out := map[string]any{}
	add := func(name string, v any) {
		switch prev := out[name].(type) {
		case nil:
			out[name] = v
		case []any:
			out[name] = append(prev, v)
		default:
			out[name] = []any{prev, v}
		}
	}
	f.Each(func(name, value string) bool {
		add(name, value)
		return true
	})
	for _, fh := range f.AllFiles() {
		add(fh.Field, fileInfo{fh.Filename, fh.Size})
	}
	_ = w.JSON(http.StatusOK, out)
}

// user is what POST /users takes and echoes; the pointers tell a missing
// member from a zero one.
type user struct {
	Name *string `json:"name"`
	Age  *int    `json:"age"`
}

// createUser: POST /users with {"name":string,"age":int} -> 201 and the
// object echoed; 400 with a reason for bad JSON or a missing member; 415
// for a Content-Type that is not JSON.
func createUser(w *http.ResponseWriter, r *http.Request) {
	var u user
	if err := r.BindJSON(&u); err != nil {
		writeRequestError(w, err)
		return
	}
	switch {
	case u.Name == nil:
		writeJSONError(w, http.StatusBadRequest, `missing member "name"`)
		return
	case u.Age == nil:
		writeJSONError(w, http.StatusBadRequest, `missing member "age"`)
		return
	}
	_ = w.JSON(http.StatusCreated, &u)
}

// visited is the cookie GET /cookies sets.
var visited = &stdhttp.Cookie{Name: "visited", Value: "1", Path: "/", HttpOnly: true}

// cookies: GET /cookies -> the request's cookies as an object (the first
// of a repeated name), and Set-Cookie: visited=1; Path=/; HttpOnly.
func cookies(w *http.ResponseWriter, r *http.Request) {
	out := map[string]string{}
	r.EachCookie(func(name, value string) bool {
		if _, seen := out[name]; !seen {
			out[name] = value
		}
		return true
	})
	_ = w.SetCookie(visited)
	_ = w.JSON(http.StatusOK, out)
}
