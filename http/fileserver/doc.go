// Package fileserver serves static files on muduo-go's HTTP server the way
// net/http's FileServer does, with the file bodies sent from the page
// cache to the socket by sendfile(2) on the connection's event loop: no
// goroutine, no buffer and no copy per transfer.
//
//	files, err := fileserver.New("./public", fileserver.WithPrefix("/static/"))
//	if err != nil {
//		log.Fatal(err)
//	}
//	defer files.Close()
//	rt := http.NewRouter()
//	rt.Mount("/static", files)
//	srv := http.NewServer(rt)
//	log.Fatal(srv.ListenAndServe(":8080"))
//
// # What it does
//
// GET and HEAD (other methods: 405 with Allow). The path, percent-decoded
// and cleaned, names a file under the root; net/http's rules apply:
// "/dir" redirects to "dir/", "/x/index.html" to "./", "/file/" to
// "../file" (301, relative, keeping the query); a directory is answered
// with its index.html, else 403 (or, WithListing, net/http's listing
// page). Errors are net/http's plain-text "404 page not found", "403
// Forbidden", "500 Internal Server Error".
//
// Every file response carries Last-Modified and a strong ETag made from
// the modification time and size (as nginx's), and the conditional
// headers are evaluated in RFC 9110's order, as net/http's ServeContent
// does: If-Match, or else If-Unmodified-Since (412); If-None-Match, or
// else If-Modified-Since (304); If-Range (an ETag compared strongly, or
// the exact date) decides whether Range applies. Range takes one range
// (206 with Content-Range), several (206 multipart/byteranges), suffixes
// and open ends; ranges past the end are cut, a Range that does not
// overlap is 416 with "Content-Range: bytes */size" (an empty file is
// sent whole), a malformed one is 416, and ranges that add up to more
// than the file (or more than 1000 of them) are ignored.
//
// Content-Type comes from the extension (mime.TypeByExtension), else from
// the first 512 bytes (net/http's DetectContentType), decided once per
// open file. Precompressed siblings (x.js.br, x.js.zst, x.js.gz) are sent
// with their Content-Encoding when the client's Accept-Encoding takes one
// (see WithPrecompressed); responses for such files say Vary:
// Accept-Encoding.
//
// # No way out of the root
//
// New opens the directory as an os.Root: every lookup resolves inside it,
// so "..", its percent-encoded forms and symbolic links pointing out of
// the root (relative or absolute) all end in 404; links that stay inside
// are followed. A NUL or a backslash in the path is 404 without a lookup.
// Only regular files are served (not devices, pipes or sockets). NewFS
// serves an fs.FS, whose contents are its own business (os.DirFS follows
// links out of its directory: serve directories with New).
//
// # Transfers and the open-file cache
//
// A regular file of a directory is sent by ResponseWriter.SendFileFunc:
// the head goes out through the connection's output, the body by
// sendfile(2) in chunks resumed when the socket drains, and responses
// pipelined behind it wait their turn. Files of an fs.FS that are not
// *os.File are copied on the loop as the socket takes them (their Read
// must not block: embed.FS, fstest.MapFS). A small cache keeps hot files
// open with their stat and ETag (WithCache): an entry is checked against
// the file system (a path stat) when older than its validity and dropped
// when the file changed; a descriptor still in use by a transfer is closed
// when that transfer ends.
package fileserver
