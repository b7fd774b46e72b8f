// Package readme holds the test that keeps README.md's Go programs
// compiling: a reader pastes them as they are, so each must be a whole
// program that builds against the module as it is now.
package readme

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goBlocks returns the Go code blocks of a Markdown text, with the line
// each starts on.
func goBlocks(md string) (blocks []string, lines []int) {
	var cur []string
	in, start := false, 0
	for i, line := range strings.Split(md, "\n") {
		switch {
		case !in && strings.TrimSpace(line) == "```go":
			in, start, cur = true, i+2, nil
		case in && strings.TrimSpace(line) == "```":
			in = false
			blocks = append(blocks, strings.Join(cur, "\n")+"\n")
			lines = append(lines, start)
		case in:
			cur = append(cur, line)
		}
	}
	return blocks, lines
}

// TestReadmeProgramsBuild writes every Go block of README.md into a module
// of its own that requires this one (replaced by the checkout) and runs go
// vet on it, which type-checks it as the compiler would. Every block must
// be a whole program (package main): a fragment can not be pasted.
func TestReadmeProgramsBuild(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	md, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	blocks, lines := goBlocks(string(md))
	if len(blocks) < 2 {
		t.Fatalf("README.md has %d Go blocks; the getting-started program is one of them", len(blocks))
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("CI is set but there is no go command on PATH")
		}
		t.Skip("no go command on PATH")
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	for i, src := range blocks {
		t.Run(fmt.Sprintf("line%d", lines[i]), func(t *testing.T) {
			if !strings.HasPrefix(src, "package main\n") {
				t.Fatalf("README.md:%d: a Go block that is not a whole program (package main): a reader can not paste it", lines[i])
			}
			dir := t.TempDir()
			gomod := fmt.Sprintf("module example.com/readme%d\n\ngo 1.26.0\n\nrequire github.com/seed08ffa9f8/muduo-go v0.0.0\n\nreplace github.com/seed08ffa9f8/muduo-go => %s\n", i, root)
			for name, data := range map[string][]byte{"go.mod": []byte(gomod), "go.sum": sum, "main.go": []byte(src)} {
				if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command(gobin, "vet", ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			if err := cmd.Run(); err != nil {
				t.Fatalf("README.md:%d: the program does not build: %v\n%s", lines[i], err, out.String())
			}
		})
	}
}
