package web

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type mpart struct{ name, file, body string }

func multipartRequest(t *testing.T, parts ...mpart) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		if p.file == "" && !strings.HasPrefix(p.name, "file") {
			require.NoError(t, w.WriteField(p.name, p.body))
			continue
		}
		fw, err := w.CreateFormFile(p.name, p.file)
		require.NoError(t, err)
		_, _ = fw.Write([]byte(p.body))
	}
	require.NoError(t, w.Close())
	r, err := http.NewRequest(http.MethodPost, "/", &buf)
	require.NoError(t, err)
	r.Header.Set("Content-Type", w.FormDataContentType())
	return r
}

func TestReadMultipart(t *testing.T) {
	lim := UploadLimits{Keep: 100, File: 40, Discard: 1000}
	t.Run("fields and files within the bounds", func(t *testing.T) {
		vals, ups, err := ReadMultipart(multipartRequest(t, mpart{"a", "", "1"}, mpart{"file1", "x.csv", "u1\n"}, mpart{"file2", "", ""}, mpart{"b", "", "2"}), lim)
		require.NoError(t, err)
		assert.Equal(t, "1", vals.Get("a"))
		assert.Equal(t, "2", vals.Get("b"))
		assert.Equal(t, Upload{Name: "x.csv", Data: []byte("u1\n")}, ups["file1"])
		_, ok := ups["file2"]
		assert.False(t, ok, "an empty file input sends no file")
	})
	t.Run("a file over its bound is dropped, the fields after it kept", func(t *testing.T) {
		vals, ups, err := ReadMultipart(multipartRequest(t, mpart{"file1", "big.csv", strings.Repeat("x", 41)}, mpart{"after", "", "kept"}), lim)
		require.NoError(t, err)
		assert.Equal(t, Upload{Name: "big.csv", TooLarge: true, Limit: 40}, ups["file1"])
		assert.Equal(t, "kept", vals.Get("after"))
	})
	t.Run("two files over the request's bound together", func(t *testing.T) {
		_, ups, err := ReadMultipart(multipartRequest(t, mpart{"file1", "a.csv", strings.Repeat("x", 40)}, mpart{"file2", "b.csv", strings.Repeat("y", 40)},
			mpart{"file3", "c.csv", strings.Repeat("z", 40)}), lim)
		require.NoError(t, err)
		assert.False(t, ups["file1"].TooLarge)
		assert.False(t, ups["file2"].TooLarge)
		assert.Equal(t, Upload{Name: "c.csv", TooLarge: true, Limit: 100}, ups["file3"], "the request's bound is named")
	})
	t.Run("reading stops after Keep + Discard", func(t *testing.T) {
		vals, ups, err := ReadMultipart(multipartRequest(t, mpart{"before", "", "kept"}, mpart{"file1", "huge.bin", strings.Repeat("x", 5000)}, mpart{"after", "", "lost"}), lim)
		require.NoError(t, err)
		assert.True(t, ups["file1"].TooLarge)
		assert.Equal(t, "kept", vals.Get("before"))
		assert.Empty(t, vals.Get("after"))
	})
	t.Run("text fields over the bound", func(t *testing.T) {
		_, _, err := ReadMultipart(multipartRequest(t, mpart{"a", "", strings.Repeat("x", 60)}, mpart{"b", "", strings.Repeat("x", 60)}), lim)
		assert.ErrorIs(t, err, ErrFieldsTooLarge)
	})
	t.Run("too many parts", func(t *testing.T) {
		ps := make([]mpart, maxParts+1)
		for i := range ps {
			ps[i] = mpart{"a", "", ""}
		}
		_, _, err := ReadMultipart(multipartRequest(t, ps...), UploadLimits{Keep: 1 << 20, File: 1 << 20})
		assert.ErrorIs(t, err, multipart.ErrMessageTooLarge)
	})
}
