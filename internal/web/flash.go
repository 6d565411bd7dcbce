package web

import (
	"encoding/json"

	"github.com/labstack/echo/v4"
)

// Flash is a one-time message shown on the next page. It keeps the i18n key,
// not text, so it is shown in the language of the page that displays it.
type Flash struct {
	Kind string   `json:"k"` // success, error, info
	Key  string   `json:"m"`
	Args []string `json:"a,omitempty"`
}

// Flash kinds.
const (
	FlashSuccess = "success"
	FlashError   = "error"
	FlashInfo    = "info"
)

// AddFlash queues a message for the next rendered page.
func AddFlash(c echo.Context, kind, key string, args ...string) {
	sess := cookieSession(c)
	if sess == nil {
		return
	}
	b, _ := json.Marshal(Flash{Kind: kind, Key: key, Args: args})
	sess.AddFlash(string(b))
	_ = sess.Save(c.Request(), c.Response())
}

// TakeFlashes returns and clears the queued messages.
func TakeFlashes(c echo.Context) []Flash {
	sess := cookieSession(c)
	if sess == nil {
		return nil
	}
	raw := sess.Flashes()
	if len(raw) == 0 {
		return nil
	}
	_ = sess.Save(c.Request(), c.Response())
	out := make([]Flash, 0, len(raw))
	for _, r := range raw {
		var f Flash
		if s, ok := r.(string); ok && json.Unmarshal([]byte(s), &f) == nil {
			out = append(out, f)
		}
	}
	return out
}

// FlashArgs turns the stored string arguments into fmt arguments.
func (f Flash) FlashArgs() []any {
	out := make([]any, len(f.Args))
	for i, a := range f.Args {
		out[i] = a
	}
	return out
}
