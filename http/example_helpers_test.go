package http_test

import (
	"io"
	"log"
	stdhttp "net/http"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Query values: Query for the first value, QueryParams for all of them and
// for typed getters whose errors name the parameter and the value.
func ExampleRequest_Query() {
	rt := http.NewRouter()
	rt.GET("/search", func(w *http.ResponseWriter, r *http.Request) {
		q := r.QueryParams()
		page, err := q.Int("page", 1) // absent or empty: 1
		if err != nil {
			http.WriteRequestError(w, err) // 400 Bad Request: query parameter "page": invalid integer "x"
			return
		}
		_ = w.JSON(http.StatusOK, &struct {
			Q    string   `json:"q"`
			Tags []string `json:"tags"`
			Page int      `json:"page"`
		}{r.Query("q"), q.Values("tag"), page})
	})
	srv := http.NewServer(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
}

// Forms: urlencoded or multipart, with files past MaxMemory spilled to
// temporary files that are removed when the response is finished.
func ExampleRequest_FormWith() {
	upload := func(w *http.ResponseWriter, r *http.Request) {
		f, err := r.FormWith(http.FormOptions{MaxMemory: 1 << 20})
		if err != nil {
			http.WriteRequestError(w, err) // 400, 413 or 415 with the reason
			return
		}
		fh := f.File("photo")
		if fh == nil {
			http.WriteErrorReason(w, http.StatusBadRequest, `no file "photo"`)
			return
		}
		file, err := fh.Open()
		if err != nil {
			http.WriteError(w, http.StatusInternalServerError)
			return
		}
		defer file.Close()
		n, _ := io.Copy(io.Discard, file) // store it somewhere
		_ = w.JSON(http.StatusOK, map[string]any{"title": f.Get("title"), "bytes": n})
	}
	rt := http.NewRouter()
	rt.POST("/upload", upload)
}

// JSON bind: 415 for another Content-Type, 400 naming what and where for a
// bad body, unknown members refused in strict mode.
func ExampleRequest_BindJSONWith() {
	type user struct {
		Name string `json:"name"`
		Age  int    `json:"age"`
	}
	rt := http.NewRouter()
	rt.POST("/users", func(w *http.ResponseWriter, r *http.Request) {
		var u user
		if err := r.BindJSONWith(&u, http.BindOptions{Strict: true, MaxBytes: 64 << 10}); err != nil {
			http.WriteRequestError(w, err)
			return
		}
		_ = w.JSON(http.StatusCreated, &u)
	})
}

// Cookies: read as views without allocating, written with net/http's
// Cookie type and validation.
func ExampleResponseWriter_SetCookie() {
	rt := http.NewRouter()
	rt.GET("/login", func(w *http.ResponseWriter, r *http.Request) {
		if _, ok := r.Cookie("session"); ok {
			http.Redirect(w, r, "/home", http.StatusSeeOther)
			return
		}
		if err := w.SetCookie(&stdhttp.Cookie{Name: "session", Value: "abc", Path: "/", HttpOnly: true, Secure: true}); err != nil {
			http.WriteError(w, http.StatusInternalServerError)
			return
		}
		w.Text(http.StatusOK, "welcome\n")
	})
}

// A streamed upload (StreamingHandler) is parsed as it arrives, off the
// loop, with ReadForm.
type uploadStream struct{}

func (uploadStream) ServeHTTP(w *http.ResponseWriter, r *http.Request) {
	w.Text(http.StatusOK, "send a body\n")
}

func (uploadStream) ServeStream(w *http.ResponseWriter, r *http.Request, body io.ReadCloser) {
	ct := string(r.Header("Content-Type")) // copy: the Request is not valid after ServeStream returns
	w = w.Detach()
	go func() {
		defer w.Finish() // removes the spilled files
		f, err := http.ReadForm(w, body, ct, http.FormOptions{MaxBytes: 1 << 30})
		if err != nil {
			w.Close() // the rest of the body is not read: end the connection
			http.WriteRequestError(w, err)
			return
		}
		_ = w.JSON(http.StatusOK, map[string]int{"files": len(f.AllFiles())})
	}()
}

func ExampleReadForm() {
	srv := http.NewServer(uploadStream{})
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Close()
}
