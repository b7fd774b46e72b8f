package http_test

import (
	"context"
	"fmt"
	"io"
	"log"
	nethttp "net/http"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

// Example is a small service: a Router with ServeMux patterns, a path
// parameter, a JSON answer and a JSON body bound into a struct, served by
// a Server started with Start and stopped gracefully with Shutdown.
// Handlers run on the connection's event loop and must not block (see
// WithWorkers for blocking handlers).
func Example() {
	rt := http.NewRouter()
	rt.GET("/hello/{name}", func(w *http.ResponseWriter, r *http.Request) {
		w.Text(http.StatusOK, "hello, "+r.PathValue("name")+"\n")
	})
	rt.POST("/sum", func(w *http.ResponseWriter, r *http.Request) {
		var in struct{ A, B int }
		if err := r.BindJSON(&in); err != nil {
			http.WriteRequestError(w, err) // 400/413/415 with the reason
			return
		}
		_ = w.JSON(http.StatusOK, map[string]int{"sum": in.A + in.B})
	})

	srv := http.NewServer(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil { // ListenAndServe blocks instead
		log.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	base := "http://" + srv.Addr().String()

	resp, err := nethttp.Get(base + "/hello/gopher")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))

	resp, err = nethttp.Post(base+"/sum", "application/json", strings.NewReader(`{"a":40,"b":2}`))
	if err != nil {
		log.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output:
	// 200 hello, gopher
	// 200 {"sum":42}
}
