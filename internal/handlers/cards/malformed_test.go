package cards_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/labstack/echo/v4"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/clients/upstream"
	cardsh "github.com/orgconsole/console/internal/handlers/cards"
	"github.com/orgconsole/console/internal/i18n"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	"github.com/orgconsole/console/web/static"
)

// A list entry without a template_id (the list's fields are not in the seed,
// so a live platform may send one) is a row saying so, with the name it had,
// and no link anywhere leads to an empty id.
func TestTemplateWithoutIDIsShownAsMalformed(t *testing.T) {
	platform := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"err_code":0,"data":[{"template_id":"","name":"坏模板","type":"LIST"},{"template_id":"ctpl7","name":"好模板","type":"KEYDATA"}]}`)
	}))
	t.Cleanup(platform.Close)
	st, err := store.Open(context.Background(), t.TempDir()+"/console.db")
	require.NoError(t, err)
	t.Cleanup(func() { _ = st.Close() })
	h := cardsh.New(chengxun.New(upstream.Config{BaseURL: platform.URL, Tokens: upstream.StaticToken("t")}), st, nil, nil)
	assets, err := static.NewAssets()
	require.NoError(t, err)

	for lang, want := range map[i18n.Lang]string{
		i18n.ZH: "平台返回的这一条缺少模板 ID，无法编辑、删除或推送数据。",
		i18n.EN: "The platform sent this entry without a template ID: it cannot be edited, deleted or given data.",
	} {
		e := echo.New()
		e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				info := &web.Info{Lang: lang, Assets: assets, Path: c.Request().URL.Path,
					Viewer: &web.Viewer{ID: 1, Username: "admin", Role: auth.RoleAdmin}}
				c.SetRequest(c.Request().WithContext(web.WithInfo(c.Request().Context(), info)))
				return next(c)
			}
		})
		e.GET("/cards", h.TemplatesPage)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/cards", nil))
		require.Equal(t, http.StatusOK, rec.Code)
		doc, err := goquery.NewDocumentFromReader(strings.NewReader(rec.Body.String()))
		require.NoError(t, err)

		bad := doc.Find("[data-testid=template-malformed]")
		require.Equal(t, 1, bad.Length(), lang)
		assert.Equal(t, "坏模板", strings.TrimSpace(bad.Find("[data-testid=template-name]").Text()))
		assert.Contains(t, bad.Text(), want)
		assert.Equal(t, 0, bad.Find("a").Length(), "nothing to click on a malformed entry")
		assert.Equal(t, 1, doc.Find("[data-testid=template-ctpl7] a[href='/cards/templates/ctpl7/edit']").Length(), "the good one keeps its links")
		doc.Find("a[href]").Each(func(_ int, s *goquery.Selection) {
			href, _ := s.Attr("href")
			assert.NotContains(t, href, "templates//", "no link with an empty id")
			assert.False(t, strings.HasSuffix(href, "template="), "no link with an empty id: %s", href)
		})
	}
}
