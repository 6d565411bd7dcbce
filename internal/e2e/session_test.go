package e2e

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/store"
)

// The session ends while a message is being written: the live preview asks
// to sign in and keeps the page; signing in brings the full composer back
// with everything typed.
func TestJourneyPreviewAfterTheSessionEnded(t *testing.T) {
	b := Start(t, nil)
	b.Login(auth.RoleContent)
	b.Open("/messages/new")
	b.Run(
		chromedp.SendKeys(`#f-content`, "明天上午 9 点开会", chromedp.ByQuery),
		chromedp.SendKeys(`#f-accountIds`, "u1001", chromedp.ByQuery),
	)
	var busi string
	b.Run(chromedp.Value(`input[name=busiId]`, &busi, chromedp.ByQuery))
	u, err := b.Env.App.Store.UserByName(context.Background(), "content")
	require.NoError(t, err)
	require.NoError(t, b.Env.App.Store.UpdateUser(context.Background(), u.ID, store.UserChange{EndSessions: true},
		store.AuditEntry{Action: "user.end_sessions"})) // signed out elsewhere

	b.Run(chromedp.SendKeys(`#f-content`, "，请准时参加。", chromedp.ByQuery))
	b.waitText(`#preview`, "您输入的内容都还在")
	b.Shot("messages-session-ended")
	var content string
	b.Run(chromedp.Value(`#f-content`, &content, chromedp.ByQuery))
	assert.Equal(t, "明天上午 9 点开会，请准时参加。", content, "the composer is still there")

	b.Run(
		chromedp.Click(`[data-testid=session-ended-continue]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#f-username`, chromedp.ByQuery),
		chromedp.SendKeys(`#f-username`, "content", chromedp.ByQuery),
		chromedp.SendKeys(`#f-password`, auth.SandboxPassword, chromedp.ByQuery),
		chromedp.Click(`[data-testid=login-submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`[data-testid=resume-form] button[type=submit]`, chromedp.ByQuery),
		chromedp.Click(`[data-testid=resume-form] button[type=submit]`, chromedp.ByQuery),
		chromedp.WaitVisible(`#composer-form`, chromedp.ByQuery),
	)
	var again, to, busiAgain string
	b.Run(
		chromedp.Value(`#f-content`, &again, chromedp.ByQuery),
		chromedp.Value(`#f-accountIds`, &to, chromedp.ByQuery),
		chromedp.Value(`input[name=busiId]`, &busiAgain, chromedp.ByQuery),
	)
	assert.Equal(t, content, again)
	assert.Equal(t, "u1001", to)
	assert.Equal(t, busi, busiAgain)
}

// Switching the language in the middle of a message keeps everything typed,
// with JavaScript on and off.
func TestJourneyLanguageSwitchKeepsTheComposer(t *testing.T) {
	for _, js := range []bool{true, false} {
		b := Start(t, nil)
		if !js {
			b.DisableJS()
		}
		b.Login(auth.RoleContent)
		b.Open("/messages/new")
		b.Run(
			chromedp.SendKeys(`#f-content`, "明天上午 9 点开会", chromedp.ByQuery),
			chromedp.SendKeys(`#f-accountIds`, "u1001", chromedp.ByQuery),
			chromedp.Click(`[data-testid=lang-en]`, chromedp.ByQuery),
		)
		b.waitText(`main h1`, "New message")
		var content, to string
		b.Run(chromedp.Value(`#f-content`, &content, chromedp.ByQuery), chromedp.Value(`#f-accountIds`, &to, chromedp.ByQuery))
		assert.Equal(t, "明天上午 9 点开会", content, "js=%v", js)
		assert.Equal(t, "u1001", to, "js=%v", js)
	}
}
