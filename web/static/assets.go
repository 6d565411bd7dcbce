// Package static embeds the console's static assets. Each file is served under a
// content-hashed name (htmx.min.3f9a1c2b.js) with a year-long immutable cache,
// so a new release never meets a stale browser cache.
package static

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"
)

//go:embed vendor *.css *.js
var staticFS embed.FS

// Assets maps logical asset names to hashed URLs and serves them.
type Assets struct {
	byLogical map[string]string // "vendor/htmx.min.js" -> "/static/vendor/htmx.min.3f9a1c2b.js"
	byHashed  map[string]string // "vendor/htmx.min.3f9a1c2b.js" -> "vendor/htmx.min.js"
	gzipped   map[string][]byte // logical name -> gzip at best compression, made once
	fsys      fs.FS
}

// NewAssets hashes every embedded file once at start-up.
func NewAssets() (*Assets, error) {
	var sub fs.FS = staticFS
	a := &Assets{byLogical: map[string]string{}, byHashed: map[string]string{}, gzipped: map[string][]byte{}, fsys: sub}
	err := fs.WalkDir(sub, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(sub, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		a.byLogical[p] = "/static/" + hashed
		a.byHashed[hashed] = p
		if ext == ".css" || ext == ".js" {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(b)
			_ = zw.Close()
			a.gzipped[p] = buf.Bytes()
		}
		return nil
	})
	return a, err
}

// URL returns the hashed URL of a logical asset name; it panics on a name that
// does not exist, which the template tests catch.
func (a *Assets) URL(name string) string {
	u, ok := a.byLogical[name]
	if !ok {
		panic("static: unknown static asset " + name)
	}
	return u
}

// ServeHTTP serves /static/<hashed name>.
func (a *Assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hashed := strings.TrimPrefix(r.URL.Path, "/static/")
	logical, ok := a.byHashed[hashed]
	if !ok {
		http.NotFound(w, r)
		return
	}
	f, err := a.fsys.Open(logical)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	defer f.Close()
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Header().Set("Vary", "Accept-Encoding")
	if gz, ok := a.gzipped[logical]; ok && strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
		// Compressed once at start-up, not on every request.
		w.Header().Set("Content-Type", mime.TypeByExtension(path.Ext(logical)))
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", strconv.Itoa(len(gz)))
		if r.Method != http.MethodHead {
			_, _ = w.Write(gz)
		}
		return
	}
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, path.Base(logical), time.Time{}, rs)
}
