package handlers_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/apptest"
	"github.com/orgconsole/console/internal/auth"
	"github.com/orgconsole/console/internal/clients/tze"
	"github.com/orgconsole/console/internal/csvexport/csvtest"
	"github.com/orgconsole/console/internal/sandbox"
	"github.com/orgconsole/console/internal/store"
)

// The audit log keeps the code a platform answered with: text a stranger
// chose. In the export it is a cell a spreadsheet shows, never a formula it
// runs — the code below reached the file raw before.
func TestAuditExportDefusesTheUpstreamCode(t *testing.T) {
	const evil = `=1+2+cmd|'/C'!A`
	env := apptest.New(t, nil)
	env.App.Sandbox.Faults.Set("tze", sandbox.Fault{Kind: sandbox.FaultEnvelope, Code: evil, Message: "@SUM(1)", Path: tze.PathSend})
	admin := env.As(t, auth.RoleAdmin)
	admin.Get("/messages/new")
	p := admin.PostForm("/messages/send", url.Values{"type": {"text"}, "content": {"明天开会"}, "busiId": {"msg-audit-csv"},
		"accountIds": {"u1001"}, "bgColor": {"FFCC0000"}})
	require.Equal(t, http.StatusSeeOther, p.Status)
	require.Eventually(t, func() bool {
		row, err := env.App.Store.MessageSendByBusiID(t.Context(), "msg-audit-csv")
		return err == nil && row.Status == store.SendFailed
	}, 20*time.Second, 10*time.Millisecond, "the send's job ran")

	csv := admin.Get("/audit/export.csv?action=messages.send")
	require.Equal(t, http.StatusOK, csv.Status)
	assert.Equal(t, "text/csv; charset=utf-8", csv.Header.Get("Content-Type"))
	assert.Regexp(t, `^attachment; filename="audit-\d{8}-\d{6}\.csv"$`, csv.Header.Get("Content-Disposition"))
	assert.NotContains(t, csv.Body, ","+evil, "no cell of the file starts with the formula")
	rows := csvtest.Read(t, csv.Body)
	require.Len(t, rows, 3, "header, the failed send and its queuing")
	assert.Equal(t, []string{"id", "time", "actor", "action", "target", "outcome", "upstream_code", "detail", "ip"}, rows[0])
	assert.Equal(t, "'"+evil, rows[1][6], "the upstream code is defused")
	assert.Equal(t, "msg-audit-csv", rows[1][4])
	for _, row := range rows[1:] {
		for i, cell := range row {
			assert.False(t, strings.ContainsAny(cell[:min(1, len(cell))], "=+-@\t\r"), "cell %d %q", i, cell)
		}
	}
}

// Every CSV download is audited: who took which file, with its filters.
func TestEveryExportIsAudited(t *testing.T) {
	env := apptest.New(t, nil)
	support := env.As(t, auth.RoleSupport)
	require.Equal(t, http.StatusOK, support.Get("/channel-codes/export.csv?name=%E6%A0%A1").Status)
	require.Equal(t, http.StatusOK, support.Get("/org/export.csv").Status)
	admin := env.As(t, auth.RoleAdmin)
	require.Equal(t, http.StatusOK, admin.Get("/audit/export.csv?action=login").Status)
	require.Equal(t, http.StatusOK, admin.Get("/cards/upload-templates/accounts.csv").Status)
	for _, c := range []struct{ action, actor, detail string }{
		{"channelcodes.export", "support", "name=%E6%A0%A1"},
		{"org.export", "support", ""},
		{"audit.export", "admin", "action=login"},
		{"cards.upload_template", "admin", ""},
	} {
		entries, _, err := env.App.Store.ListAudit(t.Context(), store.AuditFilter{Action: c.action}, 0, 5)
		require.NoError(t, err)
		require.Len(t, entries, 1, c.action)
		assert.Equal(t, c.actor, entries[0].Actor)
		assert.Equal(t, c.detail, entries[0].Detail)
		assert.Equal(t, store.OutcomeOK, entries[0].Outcome)
	}
	p := admin.Get("/audit")
	assert.Contains(t, p.Text("main"), "导出渠道活码", "shown by name")
}
