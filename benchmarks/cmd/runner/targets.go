package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

// target is one server under test: how to build it and how to start it on an
// address. Every target is built independently so that one that does not
// build yet (muduo-go's examples while the library is being written) is
// skipped with a message instead of stopping the whole run.
type target struct {
	name  string
	build []string                   // command run in the benchmarks dir; "$BIN" is the output path
	args  func(addr string) []string // server flags
	// rpcReq is the rpcload request template (rpc targets only).
	rpcReq string
}

const (
	req2 = `{"jsonrpc":"2.0","method":"Arith.Add","params":{"a":{{A}},"b":{{B}}},"id":{{ID}}}`
	// net/rpc/jsonrpc is JSON-RPC 1.0 and wants params as a one-element array.
	req1 = `{"method":"Arith.Add","params":[{"a":{{A}},"b":{{B}}}],"id":{{ID}}}`
)

// muduoLoops passes -loops from the runner's -muduo-loops flag. In muduo's
// model -loops 0 means the accepting loop also does all IO, i.e. exactly one
// event loop, which is what the protocol compares (gnet: 1 loop).
func muduoLoops(a string) []string { return []string{"-addr", a, "-loops", strconv.Itoa(*muduoLoopN)} }

func addrFlag(extra ...string) func(string) []string {
	return func(a string) []string { return append([]string{"-addr", a}, extra...) }
}

func goPeer(name, pkg string, extra ...string) target {
	return target{name: name, build: []string{"go", "build", "-o", "$BIN", pkg}, args: addrFlag(extra...)}
}

// example builds one of the parent module's examples: -C $SRC makes the go
// command use the parent go.mod, which is what a user of the library gets.
func example(name, pkg string, args func(string) []string) target {
	return target{name: name, build: []string{"go", "build", "-C", "$SRC", "-o", "$BIN", pkg}, args: args}
}

// benchPeer builds a peer of the benchmarks module that imports muduo-go
// itself: from the same source as the examples (the benchmarks directory of
// -muduo-ref's tree, whose go.mod replaces muduo-go with that tree).
func benchPeer(name, pkg string) target {
	return target{name: name, build: []string{"go", "build", "-C", "$SRC/benchmarks", "-o", "$BIN", pkg}, args: addrFlag()}
}

var srcDir string

// muduoSrc is where muduo-go is built from: by default a `git archive` of
// -muduo-ref (HEAD) in a temp dir, because the shared checkout is often in
// the middle of someone's edit; -muduo-ref "" builds the working tree.
func muduoSrc() string {
	if srcDir != "" {
		return srcDir
	}
	srcDir = ".."
	if *muduoRef == "" {
		return srcDir
	}
	rev, err := exec.Command("git", "-C", "..", "rev-parse", "--short", *muduoRef).Output()
	if err != nil {
		fatalf("-muduo-ref %q: %v", *muduoRef, err)
	}
	dir := filepath.Join(os.TempDir(), "muduo-go-src-"+strings.TrimSpace(string(rev)))
	if _, err := os.Stat(filepath.Join(dir, "go.mod")); err != nil {
		_ = os.MkdirAll(dir, 0o755)
		cmd := exec.Command("sh", "-c", "git -C .. archive "+strings.TrimSpace(string(rev))+" | tar -x -C "+dir)
		if b, err := cmd.CombinedOutput(); err != nil {
			fatalf("extracting %s: %v: %s", *muduoRef, err, b)
		}
	}
	logf("building muduo-go from %s at %s (%s)", *muduoRef, strings.TrimSpace(string(rev)), dir)
	srcDir = dir
	return srcDir
}

func cPeer(name, src string) target {
	return target{name: name, build: []string{"gcc", "-O2", "-Wall", "-o", "$BIN", src}, args: addrFlag()}
}

var echoTargets = []target{
	example("muduo-go", "./examples/echo", muduoLoops),
	goPeer("gnet", "./peers/gnetecho", "-loops", "1"),
	goPeer("gonet", "./peers/gonet"),
	cPeer("cfloor", "peers/cfloor/echo.c"),
}

var httpTargets = []target{
	example("muduo-go", "./examples/httpserver", muduoLoops),
	// The same server behind two middlewares (http/middleware's access
	// log, slog text lines by middleware.TextHandler to io.Discard, and
	// Recover): its CPU/req against muduo-go's is what the middleware costs.
	example("muduo-go-mw", "./examples/httpserver", func(a string) []string { return append(muduoLoops(a), "-access-log", "discard") }),
	// The same with slog's own TextHandler formatting the lines (through
	// slog.Record) instead of http/middleware's TextHandler.
	example("muduo-go-mw-slog", "./examples/httpserver", func(a string) []string { return append(muduoLoops(a), "-access-log", "discard-slog") }),
	// The same chain with the log's level disabled: no line is made, so
	// this is the middleware's own cost, without slog's formatting.
	example("muduo-go-mw0", "./examples/httpserver", func(a string) []string { return append(muduoLoops(a), "-access-log", "disabled") }),
	goPeer("fasthttp", "./peers/fasthttp"),
	goPeer("nethttp", "./peers/nethttp"),
	goPeer("nbhttp", "./peers/nbhttp", "-loops", "1"),
	goPeer("gnet-min", "./peers/gnethttp", "-loops", "1"),
	benchPeer("muduo-min", "./peers/muduomin"),
	cPeer("cfloor", "peers/cfloor/http.c"),
}

var rpcTargets = []target{
	withReq(example("muduo-go", "./examples/rpcserver", func(a string) []string { return []string{"-tcp", a} }), req2),
	withReq(goPeer("netrpc", "./peers/netrpc"), req1),
	withReq(goPeer("sourcegraph", "./peers/sgrpc"), req2),
}

// rpcHTTPTargets serve POST /rpc; only muduo-go has an HTTP transport.
var rpcHTTPTargets = []target{
	example("muduo-go", "./examples/rpcserver", func(a string) []string { return []string{"-http", a} }),
}

func withReq(t target, r string) target { t.rpcReq = r; return t }

// builtTarget is a target whose binary exists.
type builtTarget struct {
	target
	bin string
}

// buildAll builds each selected target (and caches by name+kind), printing a
// SKIP line for each that fails.
func buildAll(kind string, ts []target, only map[string]bool) []builtTarget {
	var out []builtTarget
	for _, t := range ts {
		if len(only) > 0 && !only[t.name] {
			continue
		}
		bin, err := buildOne(kind+"-"+t.name, t.build)
		if err != nil {
			logf("SKIP %s/%s: build failed: %v", kind, t.name, err)
			continue
		}
		out = append(out, builtTarget{t, bin})
	}
	return out
}

func buildOne(name string, cmdline []string) (string, error) {
	bin, err := filepath.Abs(filepath.Join("bin", name))
	if err != nil {
		return "", err
	}
	args := make([]string, len(cmdline))
	for i, a := range cmdline {
		a = strings.ReplaceAll(a, "$BIN", bin)
		if strings.HasPrefix(a, "$SRC") {
			a = muduoSrc() + strings.TrimPrefix(a, "$SRC")
		}
		args[i] = a
	}
	cmd := exec.Command(args[0], args[1:]...)
	if args[0] == "go" {
		// Every Go binary (muduo-go's examples, every peer, the load
		// generators) is built static, with CGO_ENABLED=0, the usual
		// production container build: with cgo on, package net links its
		// cgo resolver and the binary maps libc and ld.so, about 1 MiB of
		// RssFile that has nothing to do with the server under test. The
		// same for all peers, so the RSS columns stay comparable.
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	}
	if b, err := cmd.CombinedOutput(); err != nil {
		msg := strings.TrimSpace(string(b))
		if len(msg) > 400 {
			msg = msg[:400] + "..."
		}
		return "", fmt.Errorf("%s: %s", strings.Join(args, " "), msg)
	}
	return bin, nil
}

// buildTool builds one of the benchmarks' own commands (load generators).
func buildTool(name string) string {
	bin, err := buildOne(name, []string{"go", "build", "-o", "$BIN", "./cmd/" + name})
	if err != nil {
		fatalf("building %s: %v", name, err)
	}
	return bin
}

// checkDir makes sure we run from the benchmarks module, since all build
// commands and output paths are relative to it.
func checkDir() {
	b, err := os.ReadFile("go.mod")
	if err != nil || !strings.Contains(string(b), "module github.com/seed08ffa9f8/muduo-go/benchmarks") {
		fatalf("run the runner from the benchmarks directory (cd benchmarks && go run ./cmd/runner ...)")
	}
	_ = os.MkdirAll("bin", 0o755)
}
