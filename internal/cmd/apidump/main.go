// Command apidump writes the exported API of every public package of the
// module (all but internal/, examples/, testdata and nested modules) to
// api/<path-with-dashes>.txt, one sorted line per exported function,
// method, type, field, interface method, constant and variable, in the
// style of Go's own api/ files:
//
//	pkg net/tcp, func NewServer(...Option) *Server
//	pkg net/tcp, method (*Server) Start(string) error
//	pkg net/tcp, type Callbacks struct, Message MessageCallback
//
// Types from other packages are written with their full import path, so
// the lines do not depend on import names. The files are checked in: a
// change to the public surface shows as a diff of api/ in review, and CI
// (.ci/run) fails when the files are not up to date.
//
// Regenerate, from the module root, after any change to an exported name:
//
//	go run ./internal/cmd/apidump
//
// and check without writing (exit 1 with a diff when they differ):
//
//	go run ./internal/cmd/apidump -check
package main

import (
	"bytes"
	"flag"
	"fmt"
	"go/build"
	"go/importer"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

const modulePath = "github.com/seed08ffa9f8/muduo-go"

func main() {
	check := flag.Bool("check", false, "compare with api/ instead of writing it; exit 1 when they differ")
	dir := flag.String("dir", "api", "the directory of the API files")
	flag.Parse()
	if b, err := os.ReadFile("go.mod"); err != nil || !bytes.Contains(b, []byte("module "+modulePath+"\n")) {
		fatalf("run from the module root")
	}
	pkgs, err := publicPackages(".")
	if err != nil {
		fatalf("%v", err)
	}
	want := map[string][]byte{}
	fset := token.NewFileSet()
	imp := importer.ForCompiler(fset, "source", nil)
	for _, rel := range pkgs {
		p, err := imp.Import(modulePath + "/" + rel)
		if err != nil {
			fatalf("%s: %v", rel, err)
		}
		var b bytes.Buffer
		for _, l := range apiLines(p, rel) {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		want[strings.ReplaceAll(rel, "/", "-")+".txt"] = b.Bytes()
	}
	if *check {
		if n := compare(*dir, want); n > 0 {
			fmt.Printf("apidump: %d API file(s) differ from the code; run: go run ./internal/cmd/apidump\n", n)
			os.Exit(1)
		}
		fmt.Printf("apidump: %s/ matches the exported API of %d packages\n", *dir, len(want))
		return
	}
	if err := write(*dir, want); err != nil {
		fatalf("%v", err)
	}
}

func fatalf(format string, a ...any) {
	fmt.Fprintf(os.Stderr, "apidump: "+format+"\n", a...)
	os.Exit(2)
}

// publicPackages returns the module-relative paths of the directories
// under root that hold a non-test Go package for this platform, leaving
// out internal/, examples/, testdata, hidden directories and nested
// modules.
func publicPackages(root string) ([]string, error) {
	var out []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		if p != root {
			name := d.Name()
			if strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "internal" || name == "examples" {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
				return filepath.SkipDir
			}
		}
		bp, err := build.ImportDir(p, 0)
		if err != nil || len(bp.GoFiles) == 0 || bp.Name == "main" {
			return nil // no package here (or only tests)
		}
		out = append(out, filepath.ToSlash(p))
		return nil
	})
	slices.Sort(out)
	return out, err
}

// compare reports how many files of want differ from those in dir (or are
// missing, or are in dir but not in want), printing a diff of each.
func compare(dir string, want map[string][]byte) int {
	differ := 0
	names := make([]string, 0, len(want))
	for n := range want {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		have, _ := os.ReadFile(filepath.Join(dir, n))
		if !bytes.Equal(have, want[n]) {
			differ++
			fmt.Printf("--- %s/%s (checked in)\n+++ the code now\n%s", dir, n, lineDiff(have, want[n]))
		}
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".txt") {
			differ++
			fmt.Printf("--- %s/%s: no such public package any more\n", dir, e.Name())
		}
	}
	return differ
}

// lineDiff lists the lines only in a (-) and only in b (+); the files are
// sorted sets of lines, so this is the whole difference.
func lineDiff(a, b []byte) string {
	as, bs := splitLines(a), splitLines(b)
	var out strings.Builder
	for _, l := range as {
		if _, ok := slices.BinarySearch(bs, l); !ok {
			out.WriteString("-" + l + "\n")
		}
	}
	for _, l := range bs {
		if _, ok := slices.BinarySearch(as, l); !ok {
			out.WriteString("+" + l + "\n")
		}
	}
	return out.String()
}

func splitLines(b []byte) []string {
	s := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
	if len(s) == 1 && s[0] == "" {
		return nil
	}
	slices.Sort(s)
	return s
}

// write replaces dir's API files with want.
func write(dir string, want map[string][]byte) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if _, ok := want[e.Name()]; !ok && strings.HasSuffix(e.Name(), ".txt") {
			if err := os.Remove(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	for n, b := range want {
		if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
			return err
		}
	}
	return nil
}
