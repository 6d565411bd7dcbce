package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/chengxun"
	fake "github.com/orgconsole/console/internal/sandbox/chengxun"
)

// A GBK different-data file picked in the browser: a bad one lists its bad
// cells next to the field and keeps what was typed; the fixed one goes to
// the confirmation with its Chinese text.
func TestJourneyCardUploads(t *testing.T) {
	b := Start(t, map[string]string{"CONSOLE_PUSH_RATE": "0"})
	b.Login(auth.RoleAdmin)
	b.Open("/cards/editor?template=ctpl1001")
	b.Run(
		chromedp.SendKeys(`#f-items-0-key`, "出勤率", chromedp.ByQuery),
		chromedp.SendKeys(`#f-items-0-data`, "98%", chromedp.ByQuery),
		chromedp.Click(`[data-testid=next-targets]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=targets-form]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid=limits-account_file]`), "10 MB")

	dir := t.TempDir()
	write := func(name, text string) string {
		gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
		require.NoError(t, err)
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(gbk), 0o600))
		return p
	}
	bad := write("不同数据.csv", "account_id,key1,data1,jump_url1\r\ns001,作业,3 项,\r\n坏 账号,这一格的文字太长了超过了二十个字的上限啊真的,2,javascript:alert(1)\r\n")
	good := write("不同数据-改.csv", "account_id,key1,data1\r\ns001,作业,3 项\r\ns002,作业,无\r\n")

	b.Run(
		chromedp.Click(`[data-testid=target-diff]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=target-fields-diff]`, chromedp.ByQuery), // htmx swapped in the diff fields
		chromedp.SendKeys(`#f-enterprise_id`, "e1", chromedp.ByQuery),
		chromedp.SetUploadFiles(`#f-diff_file`, []string{bad}, chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=csv-errors]`, chromedp.ByQuery),
	)
	assert.Contains(t, b.Text(`[data-testid=limits-diff_file]`), "10 MB")
	assert.Equal(t, 3, b.Count(`[data-testid=csv-error]`))
	var kept string
	b.Run(chromedp.Value(`#f-enterprise_id`, &kept, chromedp.ByQuery))
	assert.Equal(t, "e1", kept)
	b.Shot("cards-upload-errors")

	b.Run(
		chromedp.SetUploadFiles(`#f-diff_file`, []string{good}, chromedp.ByQuery),
		chromedp.Click(`[data-testid=review]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=confirm-summary]`, chromedp.ByQuery),
	)
	assert.Equal(t, "2", b.Text(`[data-testid=confirm-accounts]`))
	assert.Contains(t, b.Text(`[data-testid=preview]`), "作业")
	b.Run(chromedp.Click(`[data-testid=push-now]`, chromedp.ByQuery), chromedp.WaitVisible(`[data-testid=job-progress]`, chromedp.ByQuery))
	cardsWait(b, `document.querySelector('[data-testid=accounts-covered]').textContent.trim() === '2 / 2'`)
	reqs := b.Env.App.Sandbox.Recorder.Requests(fake.Name, chengxun.PathBatchSetDiffData)
	require.Len(t, reqs, 1)
	assert.Contains(t, reqs[0].Body, `"key":"作业"`)
}
