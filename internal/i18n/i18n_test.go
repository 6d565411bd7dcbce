package i18n

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestEveryKeyInBothLanguages(t *testing.T) {
	for _, pair := range [][2]Lang{{ZH, EN}, {EN, ZH}} {
		var missing []string
		for _, k := range Keys(pair[0]) {
			if !Has(pair[1], k) {
				missing = append(missing, k)
			}
		}
		sort.Strings(missing)
		assert.Empty(t, missing, "keys in %s but not in %s", pair[0], pair[1])
	}
}

// keyUse finds literal keys passed to the translation helpers and the error
// keys declared as constants in the forms package.
var keyUse = regexp.MustCompile(`(?:i18n\.T|web\.T|i18n\.Tr\(\w+,|AddFlash\(c, web\.Flash\w+,|errs\.Add\([^,]+,|\bAdd\(\w+, )\(?\s*(?:ctx|c)?,?\s*"([a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+)"`)
var keyConst = regexp.MustCompile(`(?m)^\s*\w+\s*=\s*"((?:form|users|cards|messages|channelcodes|org)\.[a-z0-9_.]+)"`)

func TestEveryUsedKeyExists(t *testing.T) {
	root := filepath.Join("..", "..")
	var missing []string
	seen := 0
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".")) && path != root {
			return filepath.SkipDir
		}
		if d.IsDir() || strings.HasSuffix(path, "_templ.go") || strings.HasSuffix(path, "_test.go") ||
			!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{keyUse, keyConst} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				seen++
				for _, l := range Langs {
					if !Has(l, m[1]) {
						missing = append(missing, string(l)+" "+m[1]+" ("+path+")")
					}
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	assert.Greater(t, seen, 100, "the scan found the keys in use")
	sort.Strings(missing)
	assert.Empty(t, missing)
}

// Keys built at run time from a fixed set of values.
func TestComposedKeysExist(t *testing.T) {
	for _, k := range []string{"role.admin", "role.content", "role.support", "mode.sandbox", "mode.live",
		"upstream.kind.api", "upstream.kind.auth", "upstream.kind.timeout", "upstream.kind.network", "upstream.kind.http", "upstream.kind.malformed",
		"upstream.hint.api", "upstream.hint.auth", "upstream.hint.timeout", "upstream.hint.network", "upstream.hint.http", "upstream.hint.malformed",
		"sandbox.kind.none", "sandbox.kind.envelope", "sandbox.kind.http500", "sandbox.kind.hang", "sandbox.kind.malformed",
		"nav.cards_desc", "nav.messages_desc", "nav.channel_codes_desc", "nav.org_desc", "nav.users_desc", "nav.audit_desc", "nav.status_desc", "nav.sandbox_desc"} {
		for _, l := range Langs {
			assert.True(t, Has(l, k), "%s %s", l, k)
		}
	}
}

func TestPickLanguage(t *testing.T) {
	assert.Equal(t, EN, FromAcceptLanguage("en-US,en;q=0.9,zh-CN;q=0.8"))
	assert.Equal(t, ZH, FromAcceptLanguage("zh-TW,en;q=0.5"))
	assert.Equal(t, ZH, FromAcceptLanguage("fr-FR"))
	assert.Equal(t, ZH, FromAcceptLanguage(""))
	l, ok := Parse("EN")
	assert.True(t, ok)
	assert.Equal(t, EN, l)
	_, ok = Parse("de")
	assert.False(t, ok)
	assert.Equal(t, "最多 20 个字符（当前 21，表情符号计 2 个）。", Tr(ZH, "form.err.too_long", 20, 21))
}

func TestEnglishWordsAgreeWithTheirCount(t *testing.T) {
	for _, c := range []struct {
		key  string
		args []any
		want string
	}{
		{"cards.confirm.push", []any{1}, "Push now (1 call)"},
		{"cards.confirm.push", []any{2}, "Push now (2 calls)"},
		{"cards.confirm.push", []any{0}, "Push now (0 calls)"},
		{"login.throttled", []any{1}, "Too many failed sign-ins. Try again in 1 minute."},
		{"login.throttled", []any{15}, "Too many failed sign-ins. Try again in 15 minutes."},
		{"dashboard.accounts", []any{1}, "1 account"},
		{"dashboard.accounts", []any{12345}, "12,345 accounts"},
		{"cards.sandbox.counts", []any{1, 2}, "1 account and 2 organisations hold card data."},
		{"cards.sandbox.counts", []any{3, 1}, "3 accounts and 1 organisation hold card data."},
		{"pager.summary", []any{1, 1, 1}, "Page 1 of 1 · 1 entry"},
		{"org.root.counts", []any{1, 2}, "1 direct child · 2 departments in all"},
		{"org.root.counts", []any{3, 1}, "3 direct children · 1 department in all"},
		// The picker's open button names the visible "N below" (WCAG 2.5.3): no noun to agree.
		{"org.picker.open_named", []any{"一中", 1}, "Open 一中: 1 below"},
		{"org.node.page", []any{1, 2, 1}, "Page 1 of 2 · 1 direct child"},
	} {
		assert.Equal(t, c.want, Tr(EN, c.key, c.args...), "%s %v", c.key, c.args)
	}
	// Chinese has one form; counts are grouped the same way in both languages.
	assert.Equal(t, "1 个直属下级 · 共 18,913 个部门", Tr(ZH, "org.root.counts", 1, 18913))
	assert.Equal(t, "立即推送（1 次调用）", Tr(ZH, "cards.confirm.push", 1))
}

// countNoun is a count followed by an English plural noun: a message like
// that must be Counted, or it reads "1 calls".
var countNoun = regexp.MustCompile(`%(\[\d+\])?d (?:[a-z]+ )?[a-z]+s\b`)

func TestCountsInEnglishAreCounted(t *testing.T) {
	for k, s := range catalogs[EN] {
		assert.NotRegexp(t, countNoun, s, "%s: a count with a plural noun; declare it in a CountedCatalog", k)
	}
	varName := regexp.MustCompile(`^[A-Za-z][A-Za-z0-9]*$`)
	for k, m := range CountedEN() {
		assert.NotEmpty(t, m.Words, k)
		for _, w := range m.Words {
			assert.Regexp(t, varName, w.Other, k)
			assert.Contains(t, m.Text, "${"+w.Other+"}", k)
			assert.NotEqual(t, w.One, w.Other, k)
			assert.Positive(t, w.Arg, k)
		}
		assert.True(t, Has(ZH, k), "%s has a Chinese text", k)
		// Every argument is used once and formats cleanly in both languages.
		vs := verb.FindAllStringSubmatch(m.Text, -1)
		args := make([]any, len(vs))
		for i, v := range vs {
			if v[1] != "" {
				i, _ = strconv.Atoi(v[1])
				i--
			}
			args[i] = 1
			if v[2] == "s" {
				args[i] = "x"
			}
		}
		for _, l := range Langs {
			assert.NotContains(t, Tr(l, k, args...), "%!", "%s %s", l, k)
		}
	}
}

var verb = regexp.MustCompile(`%(?:\[(\d+)\])?([ds])`)

// auditAction finds the actions the code writes to the audit log (a field
// or variable named Action, not one whose name ends in it: ConfirmAction).
var auditAction = regexp.MustCompile(`(?:\bAction:\s*|\bAction = |\baudit\((?:c, )?|action, flash :?= )"([a-z][a-z_]*(?:\.[a-z_]+)*)"`)

func TestEveryAuditActionHasAName(t *testing.T) {
	var missing []string
	seen := map[string]bool{}
	err := filepath.WalkDir(filepath.Join("..", ".."), func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && strings.HasPrefix(d.Name(), ".") && d.Name() != ".." {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(path, string(filepath.Separator)+"sandbox"+string(filepath.Separator)) {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, m := range auditAction.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
			for _, l := range Langs {
				if !Has(l, "audit.act."+m[1]) {
					missing = append(missing, string(l)+" audit.act."+m[1]+" ("+path+")")
				}
			}
		}
		return nil
	})
	require.NoError(t, err)
	for _, a := range []string{"login", "user.enable", "cards.template.delete", "cards.push.create", "cards.push.finish", "messages.send", "user.password"} {
		assert.True(t, seen[a], "the scan finds %s", a)
	}
	sort.Strings(missing)
	assert.Empty(t, missing)
}

// hanLiteral is Chinese in a string literal or in a template's text.
var hanLiteral = regexp.MustCompile(`\p{Han}`)

// Interface text lives in the catalogs: Chinese hard-coded in a template or
// a handler would show on the English pages too. (Names from the platforms,
// the demo data and comments are elsewhere or skipped.)
func TestNoChineseOutsideCatalogs(t *testing.T) {
	root := filepath.Join("..", "..")
	var found []string
	for _, dir := range []string{"web/templates", "internal/handlers", "internal/web"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() || strings.HasSuffix(path, "_test.go") || strings.HasSuffix(path, "_templ.go") ||
				!(strings.HasSuffix(path, ".go") || strings.HasSuffix(path, ".templ")) {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			for i, line := range strings.Split(string(b), "\n") {
				if code, _, _ := strings.Cut(line, "//"); hanLiteral.MatchString(code) {
					found = append(found, fmt.Sprintf("%s:%d: %s", path, i+1, strings.TrimSpace(line)))
				}
			}
			return nil
		})
		require.NoError(t, err)
	}
	assert.Empty(t, found)
}
