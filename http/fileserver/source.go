package fileserver

import (
	"io/fs"
	"os"
)

// source is where a Handler's files come from. Names are fs.FS names:
// slash-separated, relative, cleaned, "." for the root.
type source interface {
	open(name string) (fs.File, error)
	stat(name string) (fs.FileInfo, error)
	close() error
}

// rootSource is a directory opened as an os.Root: every open resolves
// inside it, so no name (.., a symlink pointing out, a symlink to an
// absolute path) can reach a file outside; such opens fail and are
// answered 404. Symlinks that stay inside are followed.
type rootSource struct{ root *os.Root }

func (s rootSource) open(name string) (fs.File, error)     { return s.root.Open(name) }
func (s rootSource) stat(name string) (fs.FileInfo, error) { return s.root.Stat(name) }
func (s rootSource) close() error                          { return s.root.Close() }

// fsSource is an fs.FS: what it contains is its own business (os.DirFS,
// for one, follows symlinks out of its directory: serve a directory with
// New instead).
type fsSource struct{ fsys fs.FS }

func (s fsSource) open(name string) (fs.File, error)     { return s.fsys.Open(name) }
func (s fsSource) stat(name string) (fs.FileInfo, error) { return fs.Stat(s.fsys, name) }
func (s fsSource) close() error                          { return nil }
