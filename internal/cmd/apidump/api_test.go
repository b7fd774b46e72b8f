package main

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sample = `package p

import "io"

const (
	A = iota + 1
	B
	name = "x"
)

type Size int64

const Big Size = 1 << 40

var ErrX io.Reader

type T struct {
	Exported  int
	hidden    int
	Fn        func(w io.Writer, n int) error
	*Embedded
}

type Embedded struct{ X []byte }

func (*Embedded) Promoted(ch <-chan int) {}

func (T) Value(xs ...string) (n int, err error) { return }
func (*T) Ptr() map[string][2]byte           { return nil }
func (*T) private()                          {}

type I interface {
	io.Reader
	Close() error
	secret()
}

type G[K comparable, V any] struct{ M map[K]V }

func (g *G[K, V]) Get(k K) V { return g.M[k] }

func Map[T, U any](xs []T, f func(T) U) []U { return nil }

type Alias = io.Writer

func unexported() {}
`

var sampleWant = []string{
	"pkg p, const A untyped int = 1",
	"pkg p, const B untyped int = 2",
	"pkg p, const Big Size = 1099511627776",
	"pkg p, func Map[T any, U any]([]T, func(T) U) []U",
	"pkg p, method (*Embedded) Promoted(<-chan int)",
	"pkg p, method (*G[K, V]) Get(K) V",
	"pkg p, method (*T) Ptr() map[string][2]byte",
	"pkg p, method (T) Promoted(<-chan int)", // T embeds *Embedded
	"pkg p, method (T) Value(...string) (int, error)",
	"pkg p, type Alias = io.Writer",
	"pkg p, type Embedded struct",
	"pkg p, type Embedded struct, X []byte",
	"pkg p, type G[K comparable, V any] struct",
	"pkg p, type G[K comparable, V any] struct, M map[K]V",
	"pkg p, type I interface { Close, Read, unexported methods }",
	"pkg p, type I interface, Close() error",
	"pkg p, type I interface, Read([]byte) (int, error)",
	"pkg p, type Size int64",
	"pkg p, type T struct",
	"pkg p, type T struct, Exported int",
	"pkg p, type T struct, Fn func(io.Writer, int) error",
	"pkg p, type T struct, embedded *Embedded",
	"pkg p, var ErrX io.Reader",
}

func TestAPILines(t *testing.T) {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", sample, 0)
	if err != nil {
		t.Fatal(err)
	}
	conf := types.Config{Importer: importer.ForCompiler(fset, "source", nil)}
	p, err := conf.Check("example.com/p", fset, []*ast.File{f}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := apiLines(p, "p")
	if !slices.Equal(got, sampleWant) {
		t.Errorf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(sampleWant, "\n"))
	}
}

func TestCompare(t *testing.T) {
	dir := t.TempDir()
	if err := write(dir, map[string][]byte{"a.txt": []byte("x\ny\n"), "b.txt": []byte("z\n")}); err != nil {
		t.Fatal(err)
	}
	if n := compare(dir, map[string][]byte{"a.txt": []byte("x\ny\n"), "b.txt": []byte("z\n")}); n != 0 {
		t.Fatalf("%d files differ, want 0", n)
	}
	if n := compare(dir, map[string][]byte{"a.txt": []byte("x\nw\n")}); n != 2 {
		t.Fatalf("%d files differ, want 2 (a changed, b gone)", n)
	}
	if d := lineDiff([]byte("x\ny\n"), []byte("w\nx\n")); d != "-y\n+w\n" {
		t.Fatalf("diff %q", d)
	}
	// write removes files of packages that are gone.
	if err := write(dir, map[string][]byte{"a.txt": []byte("x\n")}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "b.txt")); !os.IsNotExist(err) {
		t.Fatalf("b.txt still there: %v", err)
	}
}

func TestPublicPackages(t *testing.T) {
	pkgs, err := publicPackages("../../..")
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range pkgs {
		if strings.Contains(p, "internal") || strings.Contains(p, "examples") || strings.Contains(p, "benchmarks") {
			t.Errorf("%s listed", p)
		}
	}
	for _, want := range []string{"../../../http", "../../../net/tcp"} {
		if !slices.Contains(pkgs, want) {
			t.Errorf("%s not among %v", want, pkgs)
		}
	}
}
