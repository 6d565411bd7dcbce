package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/auth"
)

func TestPushDraftBelongsToItsOwnerAndExpires(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		owner, err := s.CreateUser(ctx, User{Username: "li", Role: auth.RoleAdmin, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		other, err := s.CreateUser(ctx, User{Username: "wang", Role: auth.RoleAdmin, PasswordHash: "h"}, AuditEntry{Action: "user.create"})
		require.NoError(t, err)
		t0 := time.Now()
		s.SetClock(func() time.Time { return t0 })

		d, err := s.CreatePushDraft(ctx, PushDraft{OwnerID: owner.ID, TemplateID: "ctpl1", TemplateName: "看板", CardType: "KEYDATA",
			Items: `[{"key":"人数"}]`, DiffRows: []byte{0x1f, 0x8b, 0}, DiffCount: 3})
		require.NoError(t, err)
		assert.Len(t, d.ID, 32, "128 random bits")
		got, err := s.PushDraft(ctx, d.ID, owner.ID)
		require.NoError(t, err)
		assert.Equal(t, []byte{0x1f, 0x8b, 0}, got.DiffRows)
		assert.Equal(t, `[{"key":"人数"}]`, got.Items)
		assert.Equal(t, "", got.Target)

		_, err = s.PushDraft(ctx, d.ID, other.ID)
		assert.ErrorIs(t, err, ErrNotFound, "another user cannot read it")
		forged := got
		forged.OwnerID, forged.Items = other.ID, "[]"
		assert.ErrorIs(t, s.UpdatePushDraft(ctx, forged), ErrNotFound, "… nor change it")

		got.Target, got.EnterpriseID, got.ShowOnAll, got.AccountText = "accounts", "e1", true, "a1\na2"
		got.AccountFile, got.AccountFileIDs, got.DiffRows = "ids.csv", "c1\nc2", nil
		s.SetClock(func() time.Time { return t0.Add(PushDraftMaxAge - time.Minute) })
		require.NoError(t, s.UpdatePushDraft(ctx, got))
		again, err := s.PushDraft(ctx, d.ID, owner.ID)
		require.NoError(t, err)
		assert.Equal(t, "[{\"key\":\"人数\"}]", again.Items, "the other user's update changed nothing")
		assert.True(t, again.ShowOnAll)
		assert.Equal(t, got.Revision+1, again.Revision, "a change is a new revision")
		assert.Equal(t, "c1\nc2", again.AccountFileIDs)
		assert.Empty(t, again.DiffRows)

		big := again
		big.AccountFileIDs = strings.Repeat("a", PushDraftMaxBytes+1)
		assert.ErrorIs(t, s.UpdatePushDraft(ctx, big), ErrTooLarge)
		_, err = s.CreatePushDraft(ctx, big)
		assert.ErrorIs(t, err, ErrTooLarge)

		// The lifetime runs from the last change.
		s.SetClock(func() time.Time { return t0.Add(2*PushDraftMaxAge - 2*time.Minute) })
		_, err = s.PushDraft(ctx, d.ID, owner.ID)
		require.NoError(t, err, "changed a day minus a minute ago")
		s.SetClock(func() time.Time { return t0.Add(2 * PushDraftMaxAge) })
		_, err = s.PushDraft(ctx, d.ID, owner.ID)
		assert.ErrorIs(t, err, ErrNotFound, "a day after its last change it is gone")
		assert.ErrorIs(t, s.UpdatePushDraft(ctx, again), ErrNotFound, "and cannot be revived")
		require.NoError(t, s.PurgePushDrafts(ctx, s.now().Add(-PushDraftMaxAge)))
		var n int
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_push_drafts`).Scan(&n))
		assert.Zero(t, n, "and purged")

		// A user keeps the newest PushDraftsPerUser.
		var first string
		for i := range PushDraftsPerUser + 1 {
			s.SetClock(func() time.Time { return t0.Add(time.Duration(i) * time.Second) })
			d, err := s.CreatePushDraft(ctx, PushDraft{OwnerID: owner.ID, TemplateID: "t", CardType: "LIST"})
			require.NoError(t, err)
			if i == 0 {
				first = d.ID
			}
		}
		_, err = s.PushDraft(ctx, first, owner.ID)
		assert.ErrorIs(t, err, ErrNotFound, "the oldest was dropped")
		require.NoError(t, s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM card_push_drafts WHERE owner_id = ?`, owner.ID).Scan(&n))
		assert.Equal(t, PushDraftsPerUser, n)
	})
}

func TestLatestPushJobOfATemplateAndTarget(t *testing.T) {
	eachBackend(t, func(t *testing.T) {
		s := openTest(t)
		ctx := context.Background()
		_, err := s.LatestPushJob(ctx, "ctpl1", "accounts")
		assert.ErrorIs(t, err, ErrNotFound)
		mk := func(key, tpl, target, data string) PushJob {
			j, _, err := s.CreatePushJob(ctx, PushJob{IdempotencyKey: key, CreatedBy: "admin", TemplateID: tpl, CardType: "KEYDATA",
				Target: target, DataJSON: data, TotalAccounts: 1}, []PushCall{{AccountIDs: []string{"a"}}}, AuditEntry{Action: "cards.push.create"}, (&callQueue{}).enqueue)
			require.NoError(t, err)
			return j
		}
		mk("k1", "ctpl1", "accounts", `{"n":1}`)
		want := mk("k2", "ctpl1", "accounts", `{"n":2}`)
		mk("k3", "ctpl1", "org", `{"n":3}`)
		mk("k4", "ctpl2", "accounts", `{"n":4}`)
		mk("k5", "ctpl1", "diff", "")
		j, err := s.LatestPushJob(ctx, "ctpl1", "accounts")
		require.NoError(t, err)
		assert.Equal(t, want.ID, j.ID)
		assert.Equal(t, `{"n":2}`, j.DataJSON)
		_, err = s.LatestPushJob(ctx, "ctpl1", "diff")
		assert.ErrorIs(t, err, ErrNotFound, "a different-data push has no single card")
	})
}
