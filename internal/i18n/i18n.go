// Package i18n translates the console's text. Simplified Chinese is the
// default; English is the switch. Each feature keeps its strings in its own
// file (core.go, cards.go …); a test fails when a key is missing in either
// language or a template uses a key no catalog has.
package i18n

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"github.com/orgconsole/console/internal/forms"
)

// Lang is a supported language.
type Lang string

const (
	ZH Lang = "zh-CN"
	EN Lang = "en"
)

// Langs lists the languages in switch order.
var Langs = []Lang{ZH, EN}

// Catalog maps message keys to text in one language.
type Catalog map[string]string

func merge(parts ...Catalog) Catalog {
	out := Catalog{}
	for _, p := range parts {
		maps.Copy(out, p)
	}
	return out
}

// catalogs is built once from the per-feature files and never changed.
var catalogs = map[Lang]Catalog{
	ZH: merge(coreZH, cardsZH, messagesZH, channelCodesZH, orgZH, sessionsZH, opsZH),
	EN: merge(coreEN, cardsEN, messagesEN, channelCodesEN, orgEN, sessionsEN, opsEN),
}

// Keys returns every key of a language (tests).
func Keys(l Lang) []string {
	out := make([]string, 0, len(catalogs[l]))
	for k := range catalogs[l] {
		out = append(out, k)
	}
	return out
}

// Has reports whether key exists in lang.
func Has(l Lang, key string) bool { _, ok := catalogs[l][key]; return ok }

// Parse maps a cookie or form value to a language.
func Parse(s string) (Lang, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "zh-cn", "zh", "zh-hans":
		return ZH, true
	case "en", "en-us", "en-gb":
		return EN, true
	}
	return "", false
}

// FromAcceptLanguage picks the first supported language of the header, else ZH.
func FromAcceptLanguage(h string) Lang {
	for _, part := range strings.Split(h, ",") {
		tag, _, _ := strings.Cut(strings.TrimSpace(part), ";")
		tag = strings.ToLower(tag)
		switch {
		case strings.HasPrefix(tag, "zh"):
			return ZH
		case strings.HasPrefix(tag, "en"):
			return EN
		}
	}
	return ZH
}

type ctxKey struct{}

// WithLang returns a context carrying the language.
func WithLang(ctx context.Context, l Lang) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// LangOf returns the context's language (ZH when unset).
func LangOf(ctx context.Context) Lang {
	if l, ok := ctx.Value(ctxKey{}).(Lang); ok {
		return l
	}
	return ZH
}

// Tr translates key into l; args fill fmt verbs. An unknown key shows itself,
// so a gap is visible rather than blank (and the catalog test catches it).
func Tr(l Lang, key string, args ...any) string {
	s, ok := catalogs[l][key]
	if !ok {
		return key
	}
	if len(args) > 0 {
		return fmt.Sprintf(s, args...)
	}
	return s
}

// T translates key into the context's language.
func T(ctx context.Context, key string, args ...any) string { return Tr(LangOf(ctx), key, args...) }

// M translates a form error message.
func M(ctx context.Context, m forms.Msg) string { return T(ctx, m.Key, m.Args...) }
