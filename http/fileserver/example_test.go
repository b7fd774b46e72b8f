package fileserver_test

import (
	"context"
	"fmt"
	"io"
	"log"
	nethttp "net/http"
	"os"
	"path/filepath"

	"github.com/seed08ffa9f8/muduo-go/http"
	"github.com/seed08ffa9f8/muduo-go/http/fileserver"
)

// Example serves a directory under /static/: a file's body goes out by
// sendfile(2) from the event loop, a Range request gets 206, and a
// missing file gets net/http's 404.
func Example() {
	dir, err := os.MkdirTemp("", "fileserver-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	if err := os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello, files\n"), 0o644); err != nil {
		log.Fatal(err)
	}

	files, err := fileserver.New(dir, fileserver.WithPrefix("/static/"))
	if err != nil {
		log.Fatal(err)
	}
	defer files.Close()
	rt := http.NewRouter()
	rt.Mount("/static", files)
	srv := http.NewServer(rt)
	if err := srv.Start("127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	defer srv.Shutdown(context.Background())
	base := "http://" + srv.Addr().String()

	get := func(path, rangeHeader string) {
		req, _ := nethttp.NewRequest("GET", base+path, nil)
		if rangeHeader != "" {
			req.Header.Set("Range", rangeHeader)
		}
		resp, err := nethttp.DefaultClient.Do(req)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %q\n", resp.StatusCode, body)
	}
	get("/static/hello.txt", "")
	get("/static/hello.txt", "bytes=0-4")
	get("/static/missing.txt", "")
	// Output:
	// 200 "hello, files\n"
	// 206 "hello"
	// 404 "404 page not found\n"
}
