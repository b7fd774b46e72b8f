package debug_test

import (
	"context"
	"fmt"
	"io"
	"log"
	nethttp "net/http"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/debug"
)

// Example mounts the health, expvar, pprof and status endpoints under
// /debug on a service's Router (on a port only trusted clients reach) and
// asks for the health check that a load balancer polls.
func Example() {
	rt := http.NewRouter()
	srv := http.NewServer(rt)
	debug.Mount(srv, rt, "/debug") // before Start, like every route
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(context.Background())

	resp, err := nethttp.Get("http://" + srv.Addr().String() + "/debug/healthz")
	if err != nil {
		log.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fmt.Print(resp.StatusCode, " ", string(body))
	// Output: 200 ok
}
