package middleware_test

import (
	"fmt"
	"io"
	"log/slog"
	stdhttp "net/http"
	"os"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/middleware"
)

// A route behind request IDs, an access log and panic recovery, installed
// with the Router's Use.
func Example() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		// Leave out what changes from run to run.
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			switch a.Key {
			case slog.TimeKey, "duration", "peer":
				return slog.Attr{}
			}
			return a
		},
	}))
	rt := http.NewRouter()
	rt.Use(middleware.RequestID(), middleware.AccessLog(logger), middleware.Recover(logger))
	rt.GET("/hello", func(w *http.ResponseWriter, r *http.Request) {
		_, _ = w.WriteString("hello, " + middleware.RequestIDFrom(r))
	})

	srv := http.NewServer(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		fmt.Println(err)
		return
	}
	defer srv.Close()

	req, _ := stdhttp.NewRequest("GET", "http://"+srv.Addr().String()+"/hello", nil)
	req.Header.Set("X-Request-ID", "demo-1")
	resp, err := stdhttp.DefaultClient.Do(req)
	if err != nil {
		fmt.Println(err)
		return
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Println(resp.StatusCode, string(body))
	// Output:
	// level=INFO msg=http method=GET path=/hello status=200 bytes=13 request_id=demo-1
	// 200 hello, demo-1
}
