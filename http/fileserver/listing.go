package fileserver

import (
	"io/fs"
	nethttp "net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/seed08ffa9f8/muduo-go/http"
)

var htmlReplacer = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&#34;", "'", "&#39;")

// list answers with the directory's listing, net/http's page: the entries
// sorted by name, directories with a trailing slash, each a relative link.
func (h *Handler) list(w *http.ResponseWriter, r *http.Request, dir fs.File) {
	info, err := dir.Stat()
	if err != nil {
		serveError(w, "500 Internal Server Error", http.StatusInternalServerError)
		return
	}
	if modtime := info.ModTime(); !isZeroTime(modtime) {
		if modifiedSinceFalse(r, modtime) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Last-Modified", modtime.UTC().Format(nethttp.TimeFormat))
	}
	rd, ok := dir.(fs.ReadDirFile)
	if !ok {
		serveError(w, "Error reading directory", http.StatusInternalServerError)
		return
	}
	entries, err := rd.ReadDir(-1)
	if err != nil {
		serveError(w, "Error reading directory", http.StatusInternalServerError)
		return
	}
	slices.SortFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.WriteString("<!doctype html>\n<meta name=\"viewport\" content=\"width=device-width\">\n<pre>\n")
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() {
			name += "/"
		}
		// url.URL escapes '?', '#' and the rest so the name stays a path.
		u := url.URL{Path: name}
		_, _ = w.WriteString("<a href=\"" + u.String() + "\">" + htmlReplacer.Replace(name) + "</a>\n")
	}
	_, _ = w.WriteString("</pre>\n")
}
