package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
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
