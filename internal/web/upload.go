package web

import (
	"context"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"

	"github.com/labstack/echo/v4"
)

// Upload is a file sent with a form.
type Upload struct {
	Name     string // as the browser named it
	Data     []byte // the file; nil when TooLarge
	TooLarge bool   // over Limit: not kept (the form's other fields are)
	Limit    int64  // the bound it broke (UploadLimits.File or .Keep), when TooLarge
}

// UploadLimits bound ReadMultipart.
type UploadLimits struct {
	Keep    int64 // everything kept from one request, fields and files (CONSOLE_BODY_LIMIT)
	File    int64 // one file
	Discard int64 // read and thrown away on top of Keep, so the browser finishes sending and sees the answer
}

// maxParts bounds the parts of one form (the card wizard has a few dozen).
const maxParts = 1000

// ErrFieldsTooLarge: the form's text fields alone are over the Keep bound;
// there is nothing to show again.
var ErrFieldsTooLarge = errors.New("web: form fields over the body limit")

// ReadMultipart reads a multipart/form-data body as it streams, with memory
// bounded by lim.Keep whatever the body's size. A file over lim.File, or one
// that would take the kept total over lim.Keep, is not kept: it is marked
// TooLarge and the rest of it read and dropped, so the fields after it
// survive and the page can say which file was too large and keep the rest of
// the form. Reading stops after lim.Keep + lim.Discard bytes. err is
// ErrFieldsTooLarge, or a malformed body.
func ReadMultipart(r *http.Request, lim UploadLimits) (url.Values, map[string]Upload, error) {
	_, params, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	if err != nil || params["boundary"] == "" {
		return nil, nil, http.ErrNotMultipart
	}
	budget := &countingReader{r: r.Body, left: lim.Keep + lim.Discard}
	mr := multipart.NewReader(budget, params["boundary"])
	vals, ups := url.Values{}, map[string]Upload{}
	kept := int64(0)
	for range maxParts {
		p, err := mr.NextPart()
		switch {
		case errors.Is(err, io.EOF):
			return vals, ups, nil
		case err != nil && budget.over():
			return vals, ups, nil // stopped reading: what came before is kept
		case err != nil:
			return nil, nil, err
		}
		name := p.FormName()
		if p.FileName() == "" && p.Header.Get("Content-Type") == "" || name == "" {
			b, err := io.ReadAll(io.LimitReader(p, lim.Keep-kept+1))
			if err != nil && budget.over() {
				return vals, ups, nil
			}
			if err != nil {
				return nil, nil, err
			}
			if kept += int64(len(b)); kept > lim.Keep {
				return nil, nil, ErrFieldsTooLarge
			}
			if name != "" {
				vals.Add(name, string(b))
			}
			continue
		}
		limit := min(lim.File, lim.Keep-kept)
		b, err := io.ReadAll(io.LimitReader(p, limit+1))
		if err != nil && !budget.over() {
			return nil, nil, err
		}
		up := Upload{Name: p.FileName()}
		if int64(len(b)) > limit || err != nil { // err: the read budget ran out inside this file
			// The bound it broke, as configured: the file's own, or the
			// whole request's when that was the tighter one.
			up.TooLarge, up.Limit = true, lim.File
			if int64(len(b)) <= lim.File {
				up.Limit = lim.Keep
			}
			if _, err := io.Copy(io.Discard, p); err != nil && !budget.over() {
				return nil, nil, err
			}
		} else if len(b) == 0 && up.Name == "" {
			continue // a file input left empty
		} else {
			up.Data, kept = b, kept+int64(len(b))
		}
		if _, dup := ups[name]; !dup {
			ups[name] = up
		}
	}
	return nil, nil, multipart.ErrMessageTooLarge
}

// countingReader stops reading after left bytes.
type countingReader struct {
	r    io.Reader
	left int64
}

var errBudget = errors.New("web: request body read budget spent")

func (c *countingReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, errBudget
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

func (c *countingReader) over() bool { return c.left <= 0 }

type uploadsKey struct{}

// WithUploads keeps a request's uploads for Uploaded.
func WithUploads(ctx context.Context, ups map[string]Upload) context.Context {
	return context.WithValue(ctx, uploadsKey{}, ups)
}

// Uploaded returns the file sent in field, if one was (an empty file input
// sends none).
func Uploaded(c echo.Context, field string) (Upload, bool) {
	ups, _ := c.Request().Context().Value(uploadsKey{}).(map[string]Upload)
	up, ok := ups[field]
	return up, ok
}
