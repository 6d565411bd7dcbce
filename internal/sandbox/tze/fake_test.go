package tze

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orgconsole/console/internal/sandbox"
)

type answer struct {
	Code    string          `json:"code"`
	Message string          `json:"message"`
	Result  json.RawMessage `json:"result"`
}

type rawNode struct {
	OrgID        string          `json:"org_id"`
	OrgName      string          `json:"org_name"`
	ParentID     string          `json:"parent_id"`
	OrgType      string          `json:"org_type"`
	DisplayOrder json.RawMessage `json:"display_order"`
}

type harness struct {
	t      *testing.T
	fake   *Fake
	tokens *sandbox.Tokens
	token  string
}

func newHarness(t *testing.T, opts ...Option) *harness {
	tokens := sandbox.NewTokens(time.Hour)
	f := New(tokens, opts...)
	tok, _ := tokens.Issue()
	return &harness{t: t, fake: f, tokens: tokens, token: tok}
}

func (h *harness) do(method, path string, q url.Values, body string) (int, answer, string) {
	h.t.Helper()
	req := httptest.NewRequest(method, path+"?"+q.Encode(), strings.NewReader(body))
	rec := httptest.NewRecorder()
	h.fake.Handler().ServeHTTP(rec, req)
	var a answer
	require.NoError(h.t, json.Unmarshal(rec.Body.Bytes(), &a), rec.Body.String())
	return rec.Code, a, rec.Body.String()
}

func (h *harness) org(params ...string) answer {
	h.t.Helper()
	q := url.Values{"accessToken": {h.token}}
	for i := 0; i+1 < len(params); i += 2 {
		q.Set(params[i], params[i+1])
	}
	_, a, _ := h.do(http.MethodGet, OrgChildListPath, q, "")
	return a
}

func list(t *testing.T, a answer) []rawNode {
	t.Helper()
	require.Equal(t, CodeOK, a.Code, a.Message)
	var r struct {
		Count int       `json:"count"`
		List  []rawNode `json:"list"`
	}
	require.NoError(t, json.Unmarshal(a.Result, &r))
	require.Equal(t, r.Count, len(r.List), "count matches the list")
	return r.List
}

func TestTokenEndpoint(t *testing.T) {
	h := newHarness(t, WithCredentials("app", "secret"))
	_, a, _ := h.do(http.MethodGet, TokenPath, url.Values{"appId": {"app"}, "appSecret": {"secret"}}, "")
	require.Equal(t, CodeOK, a.Code)
	var tr TokenResult
	require.NoError(t, json.Unmarshal(a.Result, &tr))
	assert.True(t, h.tokens.Valid(tr.AccessToken))
	assert.Equal(t, int64(3600), tr.ExpiresIn, "seconds")

	_, a, _ = h.do(http.MethodGet, TokenPath, url.Values{"appId": {"app"}, "appSecret": {"wrong"}}, "")
	assert.Equal(t, CodeCredentials, a.Code)
}

func TestOrgAuth(t *testing.T) {
	h := newHarness(t)
	_, a, _ := h.do(http.MethodGet, OrgChildListPath, url.Values{"org_id": {SeedBureauID}}, "")
	assert.Equal(t, CodeAuth, a.Code, "missing token")
	h.tokens.RevokeAll()
	a = h.org("org_id", SeedBureauID)
	assert.Equal(t, CodeAuth, a.Code, "expired token")
	code, a, _ := h.do(http.MethodPost, OrgChildListPath, url.Values{}, "")
	assert.Equal(t, http.StatusMethodNotAllowed, code)
	assert.Equal(t, CodeFailure, a.Code)
}

func TestOrgErrors(t *testing.T) {
	h := newHarness(t)
	for name, c := range map[string]struct {
		params []string
		msg    string
	}{
		"missing org_id":   {nil, "org_id"},
		"unknown org":      {[]string{"org_id", "404"}, "404"},
		"bad is_all":       {[]string{"org_id", SeedBureauID, "is_all", "yes"}, "is_all"},
		"unknown parent":   {[]string{"org_id", SeedBureauID, "parent_id", "1"}, "1"},
		"parent elsewhere": {[]string{"org_id", SeedSchoolID, "parent_id", SeedUnknownTypeID}, SeedUnknownTypeID},
	} {
		t.Run(name, func(t *testing.T) {
			a := h.org(c.params...)
			assert.Equal(t, CodeFailure, a.Code)
			assert.Contains(t, a.Message, c.msg)
			assert.Empty(t, a.Result)
		})
	}
}

func TestOrgQueries(t *testing.T) {
	h := newHarness(t)
	all, err := h.fake.Nodes(SeedBureauID)
	require.NoError(t, err)

	t.Run("default is_all=1 lists every node, org excluded", func(t *testing.T) {
		got := list(t, h.org("org_id", SeedBureauID))
		assert.Len(t, got, len(all))
		assert.Equal(t, got, list(t, h.org("org_id", SeedBureauID, "parent_id", SeedBureauID, "is_all", "1")))
		for _, n := range got {
			assert.NotEqual(t, SeedBureauID, n.OrgID)
		}
	})
	t.Run("is_all=0 lists direct children", func(t *testing.T) {
		got := list(t, h.org("org_id", SeedBureauID, "is_all", "0"))
		schools := 0
		for _, n := range got {
			assert.Equal(t, SeedBureauID, n.ParentID)
			if n.OrgType == "2" {
				schools++
			}
		}
		assert.Equal(t, SeedSchools, schools)
	})
	t.Run("parent_id lists below the node, not the node", func(t *testing.T) {
		direct := list(t, h.org("org_id", SeedBureauID, "parent_id", SeedSchoolID, "is_all", "0"))
		deep := list(t, h.org("org_id", SeedBureauID, "parent_id", SeedSchoolID))
		assert.Greater(t, len(deep), len(direct))
		in := map[string]bool{SeedSchoolID: true}
		for _, n := range deep {
			assert.NotEqual(t, SeedSchoolID, n.OrgID)
			assert.True(t, in[n.ParentID], "parents come first: %s", n.OrgName)
			in[n.OrgID] = true
		}
		// A school is an org_id of its own, with the same subtree.
		assert.Equal(t, deep, list(t, h.org("org_id", SeedSchoolID)))
	})
	t.Run("display_order is a string for some nodes and a number for others", func(t *testing.T) {
		got := list(t, h.org("org_id", SeedBureauID, "parent_id", SeedSchoolID, "is_all", "0"))
		kinds := map[byte]int{}
		for _, n := range got {
			kinds[n.DisplayOrder[0]]++
		}
		assert.Positive(t, kinds['"'])
		assert.Positive(t, len(got)-kinds['"'])
	})
	t.Run("bare list result", func(t *testing.T) {
		b := newHarness(t, WithBareListResult())
		a := b.org("org_id", SeedBureauID, "is_all", "0")
		require.Equal(t, CodeOK, a.Code)
		var l []rawNode
		require.NoError(t, json.Unmarshal(a.Result, &l))
		assert.NotEmpty(t, l)
	})
}

func TestSeed(t *testing.T) {
	nodes := seedBureau()
	assert.Equal(t, nodes, seedBureau(), "deterministic")
	assert.InDelta(t, 20000, len(nodes), 2500)
	types := map[string]int{}
	ids := map[string]bool{SeedBureauID: true}
	for _, n := range nodes {
		types[n.OrgType]++
		assert.False(t, ids[n.OrgID], "unique id %s", n.OrgID)
		assert.True(t, ids[n.ParentID], "parent before child: %s", n.OrgName)
		ids[n.OrgID] = true
		assert.NotEmpty(t, n.OrgName)
		for _, c := range n.OrgID {
			assert.True(t, c >= '0' && c <= '9', "numeric id %s", n.OrgID)
		}
	}
	for _, c := range []string{"2", "3", "4", "5", "6", "7", "8", "9", "10", "99"} {
		assert.Positive(t, types[c], "org_type %s seeded", c)
	}
	assert.Equal(t, SeedSchools, types["2"])
	byID := map[string]Node{}
	for _, n := range nodes {
		byID[n.OrgID] = n
	}
	assert.Equal(t, "第一实验小学", byID[SeedSchoolID].OrgName)
	assert.Equal(t, "99", byID[SeedUnknownTypeID].OrgType)

	// Somewhere display order disagrees with name order, so sorting matters.
	disagree := false
	for i := 1; i < len(nodes); i++ {
		a, b := nodes[i-1], nodes[i]
		if a.ParentID == b.ParentID && a.OrgType == "7" && a.DisplayOrder > b.DisplayOrder {
			disagree = true
			break
		}
	}
	assert.True(t, disagree)
	assert.Contains(t, byID, SeedSchoolID)
}

func TestGenerateOrg(t *testing.T) {
	a := GenerateOrg("9001", 100000, 1)
	assert.Len(t, a, 100000)
	assert.Equal(t, a, GenerateOrg("9001", 100000, 1))
	seen := map[string]bool{"9001": true}
	for _, n := range a {
		require.False(t, seen[n.OrgID])
		require.True(t, seen[n.ParentID], "parent first")
		seen[n.OrgID] = true
	}
	assert.Len(t, GenerateOrg("9001", 50, 1), 50)
}

func TestLargeOrgOrphansCycle(t *testing.T) {
	h := newHarness(t, WithLargeOrg("9002", 100000), WithOrphans(), WithCycle())
	assert.Len(t, list(t, h.org("org_id", "9002")), 100000)

	full := list(t, h.org("org_id", SeedBureauID))
	got := map[string]string{}
	for _, n := range full {
		got[n.OrgID] = n.ParentID
	}
	assert.Equal(t, SeedMissingParentID, got[SeedOrphanID], "orphan listed with its missing parent")
	assert.Equal(t, SeedOrphanID, got[SeedOrphanChildID])
	assert.Equal(t, SeedCycleBID, got[SeedCycleAID])
	assert.Equal(t, SeedCycleAID, got[SeedCycleBID])

	// Walking into the cycle terminates and lists each node once.
	cyc := list(t, h.org("org_id", SeedBureauID, "parent_id", SeedCycleAID))
	require.Len(t, cyc, 1)
	assert.Equal(t, SeedCycleBID, cyc[0].OrgID)
	// The orphan is not reachable from the org.
	direct := list(t, h.org("org_id", SeedBureauID, "is_all", "0"))
	for _, n := range direct {
		assert.NotEqual(t, SeedOrphanID, n.OrgID)
	}
}

func TestErrorEnvelope(t *testing.T) {
	f := New(nil)
	var a answer
	require.NoError(t, json.Unmarshal(f.ErrorEnvelope("", ""), &a))
	assert.Equal(t, CodeFailure, a.Code)
	require.NoError(t, json.Unmarshal(f.ErrorEnvelope("100009", "维护中"), &a))
	assert.Equal(t, answer{Code: "100009", Message: "维护中"}, a)
}
