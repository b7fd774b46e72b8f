package main

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// moduleAPI returns the API lines of every public package as api/*.txt
// records them (CI's apidump -check keeps the files equal to the code;
// reading them keeps this test fast).
func moduleAPI(t *testing.T) map[string][]string {
	t.Helper()
	files, err := filepath.Glob("../../../api/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no API files: %v", err)
	}
	api := map[string][]string{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(b)), "\n") {
			pkg, _, ok := strings.Cut(strings.TrimPrefix(l, "pkg "), ", ")
			if ok {
				api[pkg] = append(api[pkg], l)
			}
		}
	}
	return api
}

// The plumbing issue 15 found exported, and the abbreviated or duplicate
// names it replaced: none may come back. Each entry is the start of an API
// line ("pkg P, " is added).
var removedAPI = map[string][]string{
	"http": {
		"type Parser struct", "func NewParser(", "type ChunkedDecoder struct", "func NewChunkedDecoder(",
		"method (*Parser) ", "method (*ChunkedDecoder) ",
		"method (*Request) Rebind(", "method (*Request) HeadLen(", "method (*Request) Chunked(",
		"var ErrShrunk ", "var ErrSpaceBeforeColn ", "var ErrVersionNotSupp ",
	},
	"rpc": {
		"method (*Server) AppendScanError(", "method (*Server) CheckHTTPRequest(", "method (*Server) DispatchHTTP(",
		"method (*Server) HandleHTTPBody(", "method (*Server) DispatchWait(",
		"method (*Server) RegisterName(", "method (*Server) RegisterMethod(", "method (*Server) RegisterFunc(",
		"func NewTCPServer(*Server, string",
	},
	"net/tcp": {
		"method (*Conn) OnReadable(", "method (*Conn) OnWritable(", "method (*Conn) OnClose(", "method (*Conn) OnError(",
		"type Acceptor struct", "func NewAcceptor(", "method (*Acceptor) ",
		"type Connector struct", "func NewConnector(", "method (*Connector) ", "method (*Client) Connector(",
		"method (*Client) EnableRetry(",
		"method (*Conn) Context(", "method (*Conn) SetContext(",
		"func NewServer(string",
	},
	"net/reactor":    {"type Poller interface"},
	"http/websocket": {"method (*Conn) Context(", "method (*Conn) SetContext("},
}

// TestPlumbingStaysUnexported fails when a name issue 15 took out of the
// public API is exported again.
func TestPlumbingStaysUnexported(t *testing.T) {
	api := moduleAPI(t)
	for pkg, names := range removedAPI {
		lines, ok := api[pkg]
		if !ok {
			t.Errorf("package %s not found among the public packages", pkg)
			continue
		}
		for _, name := range names {
			prefix := "pkg " + pkg + ", " + name
			for _, l := range lines {
				if strings.HasPrefix(l, prefix) {
					t.Errorf("exported again: %s", l)
				}
			}
		}
	}
}

// TestConstructorShape: tcp, http and rpc's TCP transport are built the
// same way: a constructor with options, Start(addr) and
// ListenAndServe(addr), Shutdown(ctx) and Close.
func TestConstructorShape(t *testing.T) {
	api := moduleAPI(t)
	want := map[string][]string{
		"net/tcp": {
			"func NewServer(...Option) *Server",
			"method (*Server) Start(string) error", "method (*Server) ListenAndServe(string) error",
			"method (*Server) Shutdown(context.Context) error", "method (*Server) Close() error",
		},
		"http": {
			"func NewServer(Handler, ...Option) *Server",
			"method (*Server) Start(string) error", "method (*Server) ListenAndServe(string) error",
			"method (*Server) Shutdown(context.Context) error", "method (*Server) Close() error",
		},
		"rpc": {
			"func NewServer(...Option) *Server", "func NewTCPServer(*Server, ...TCPOption) *TCPServer",
			"method (*TCPServer) Start(string) error", "method (*TCPServer) ListenAndServe(string) error",
			"method (*TCPServer) Shutdown(context.Context) error", "method (*TCPServer) Close() error",
		},
	}
	for pkg, lines := range want {
		have := map[string]bool{}
		for _, l := range api[pkg] {
			have[l] = true
		}
		for _, l := range lines {
			if !have["pkg "+pkg+", "+l] {
				t.Errorf("%s: missing %q", pkg, l)
			}
		}
	}
}

// TestEveryPackageHasExample: each public package's documentation opens
// with a runnable example (a func Example in its tests, which go test runs
// and go doc shows with the package).
func TestEveryPackageHasExample(t *testing.T) {
	root := "../../.."
	pkgs, err := publicPackages(root)
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range pkgs {
		files, _ := filepath.Glob(filepath.Join(dir, "*_test.go"))
		found := false
		for _, f := range files {
			src, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			af, err := parser.ParseFile(token.NewFileSet(), f, src, 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, d := range af.Decls {
				if fd, ok := d.(*ast.FuncDecl); ok && fd.Recv == nil && fd.Name.Name == "Example" {
					found = true
				}
			}
		}
		if !found {
			t.Errorf("%s: no package example (func Example in a _test.go file)", strings.TrimPrefix(dir, root+"/"))
		}
	}
}
