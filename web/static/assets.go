// Package static embeds the console's static assets. Each file is served under a
// content-hashed name (htmx.min.3f9a1c2b.js) with a year-long immutable cache,
// so a new release never meets a stale browser cache.
package static

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"
)

//go:embed vendor *.css *.js
var staticFS embed.FS

// Assets maps logical asset names to hashed URLs and serves them.
type Assets struct {
	byLogical map[string]string // "vendor/htmx.min.js" -> "/static/vendor/htmx.min.3f9a1c2b.js"
	byHashed  map[string]string // "vendor/htmx.min.3f9a1c2b.js" -> "vendor/htmx.min.js"
	fsys      fs.FS
}

// NewAssets hashes every embedded file once at start-up.
func NewAssets() (*Assets, error) {
	var sub fs.FS = staticFS
	a := &Assets{byLogical: map[string]string{}, byHashed: map[string]string{}, fsys: sub}
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
	rs, ok := f.(io.ReadSeeker)
	if !ok {
		http.NotFound(w, r)
		return
	}
	http.ServeContent(w, r, path.Base(logical), time.Time{}, rs)
}
