package main

import (
	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/middleware"
)

var helloWorld = []byte("Hello, World!")

// NewRouter returns the example's routes: /plaintext, /json, /echo,
// /users/{id} and /users/{id}/files/{path...}, /ws/echo and the helpers'
// endpoints of services.go, behind the compression middleware.
func NewRouter() *http.Router {
	rt := http.NewRouter()
	// Text responses go out compressed when the client's Accept-Encoding
	// allows: even /json's 27 bytes, as the contract says. A real service
	// keeps the default minimum (1 KiB), under which compression saves
	// nothing.
	rt.Use(middleware.Compress(middleware.CompressMinSize(0)))
	rt.GET("/plaintext", plaintext)
	rt.GET("/json", jsonHandler)
	rt.POST("/echo", echo)
	rt.GET("/users/{id}", userByID)
	rt.GET("/users/{id}/files/{path...}", userFile)
	addServiceRoutes(rt)
	rt.GET("/ws/echo", wsEcho)
	return rt
}

func plaintext(w *http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write(helloWorld)
}

// message is encoded per request, as TechEmpower's JSON test requires,
// with a hand-written appender: the one field's value is constant, but the
// document is built anew each time, without reflection or allocation.
type message struct{ Message string }

func (m *message) appendJSON(dst []byte) []byte {
	dst = append(dst, `{"message":`...)
	dst = appendJSONString(dst, m.Message)
	return append(dst, '}')
}

func jsonHandler(w *http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	m := message{Message: "Hello, World!"}
	w.SetBody(m.appendJSON(w.Body()))
}

func echo(w *http.ResponseWriter, r *http.Request) {
	if ct := r.Header("Content-Type"); ct != nil {
		w.Header().Set("Content-Type", string(ct))
	}
	_, _ = w.Write(r.Body())
}

// userByID answers GET /users/{id} with {"id":"<id>"}: the path value as
// ServeMux decodes it, JSON-escaped, built without allocating.
func userByID(w *http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	b := append(w.Body(), `{"id":`...)
	b = appendJSONString(b, r.PathValue("id"))
	w.SetBody(append(b, '}'))
}

// userFile answers GET /users/{id}/files/{path...} with
// {"id":"..","path":".."}; path is the rest of the path, slashes included.
func userFile(w *http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	b := append(w.Body(), `{"id":`...)
	b = appendJSONString(b, r.PathValue("id"))
	b = append(b, `,"path":`...)
	b = appendJSONString(b, r.PathValue("path"))
	w.SetBody(append(b, '}'))
}
