package cards_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/forms"
	pages "github.com/orgconsole/console/web/templates/cards"
)

func p99(ds []time.Duration) time.Duration {
	slices.Sort(ds)
	return ds[(len(ds)*99)/100]
}

func fullKeyData() forms.CardDataForm {
	f := forms.CardDataForm{Type: forms.CardKeyData}
	for _, k := range []string{"最大访问人数", "到校人数", "请假人数", "😀😀表情"} {
		f.Items = append(f.Items, forms.CardItemForm{Key: k, Data: "12345", JumpURL: "https://school.example/" + strings.Repeat("p", 200), Action: "open"})
	}
	return f
}

// BenchmarkPreview is the live preview as the user waits for it: POST
// /cards/preview through the whole router (session, CSRF, role check,
// render) for a full 4-tile KEYDATA card, 500 per iteration. It reports the
// p99 latency; "render-p99" is the component alone.
func BenchmarkPreview(b *testing.B) {
	env := apptest.New(b, nil)
	br := env.As(b, auth.RoleContent)
	br.Get("/cards/editor?template=" + tplKeyData)
	vals := url.Values{"template": {tplKeyData}, "template_name": {"校园数据看板"}, "type": {"KEYDATA"}}
	for i, it := range fullKeyData().Items {
		p := "items." + string(rune('0'+i)) + "."
		vals.Set(p+"key", it.Key)
		vals.Set(p+"data", it.Data)
		vals.Set(p+"jump_url", it.JumpURL)
		vals.Set(p+"action", it.Action)
	}
	body := vals.Encode()
	// Each iteration is a burst of previews (as typing produces them), so
	// even `make bench`'s -benchtime 1x gives a meaningful p99.
	const burst = 500
	var http99 []time.Duration
	b.ResetTimer()
	for b.Loop() {
		for range burst {
			req, _ := http.NewRequest(http.MethodPost, env.URL+"/cards/preview", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("HX-Request", "true")
			req.Header.Set("X-CSRF-Token", br.CSRF())
			start := time.Now()
			resp, err := br.HTTP.Do(req)
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			http99 = append(http99, time.Since(start))
			if resp.StatusCode != http.StatusOK {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	}
	b.StopTimer()
	props := pages.PreviewProps{TemplateName: "校园数据看板", Form: fullKeyData()}
	var render []time.Duration
	for range 2000 {
		start := time.Now()
		if err := pages.Preview(props).Render(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
		render = append(render, time.Since(start))
	}
	b.ReportMetric(float64(p99(http99).Microseconds()), "p99-µs")
	b.ReportMetric(float64(p99(render).Microseconds()), "render-p99-µs")
}

// BenchmarkTenMegabyteDiffWizard is the wizard with a 10 MB different-data
// CSV through the whole router: the upload step (parse, check, keep in the
// draft) and the confirmation (the plan from the draft, no CSV). It reports
// each step's time and what the draft keeps of the file.
func BenchmarkTenMegabyteDiffWizard(b *testing.B) {
	if os.Getenv("CONSOLE_BENCH") == "" {
		b.Skip("set CONSOLE_BENCH=1 (make bench)")
	}
	env := apptest.New(b, nil)
	br := env.As(b, auth.RoleAdmin)
	br.Get("/cards/editor?template=" + tplKeyData)
	csv, _ := bigDiffCSV()
	var upload, confirm time.Duration
	var kept int
	for b.Loop() {
		next := br.PostForm("/cards/targets", card(tplKeyData, "KEYDATA", tile("人数", "20")))
		targets := br.Follow(next)
		id := targets.Val("input[name=draft]")
		vals := url.Values{"_csrf": {br.CSRF()}, "draft": {id}, "target": {"diff"}, "fields": {"diff"}, "show_on_all_enterprise": {"true"}}
		start := time.Now()
		p := multipartPost(b, env, br, "/cards/confirm", vals, map[string][2]string{"diff_file": {"big.csv", csv}})
		upload += time.Since(start)
		if p.Status != http.StatusSeeOther {
			b.Fatalf("upload: %d", p.Status)
		}
		start = time.Now()
		if c := br.Follow(p); c.Status != http.StatusOK {
			b.Fatalf("confirm: %d", c.Status)
		}
		confirm += time.Since(start)
		u, _ := env.App.Store.UserByName(context.Background(), "admin")
		d, err := env.App.Store.PushDraft(context.Background(), id, u.ID)
		if err != nil {
			b.Fatal(err)
		}
		kept = len(d.DiffRows)
	}
	n := float64(b.N)
	b.ReportMetric(float64(upload.Milliseconds())/n, "upload-ms")
	b.ReportMetric(float64(confirm.Milliseconds())/n, "confirm-ms")
	b.ReportMetric(float64(kept)/1024, "draft-kB")
}
