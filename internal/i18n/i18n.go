// Package i18n translates the console's text. Simplified Chinese is the
// default; English is the switch. Each feature keeps its strings in its own
// file (core.go, cards.go …); a test fails when a key is missing in either
// language or a template uses a key no catalog has. English messages with
// counts ("1 call", "2 calls") are Counted: their words agree with the count
// through golang.org/x/text's message catalog and CLDR plural rules.
package i18n

import (
	"context"
	"fmt"
	"maps"
	"strings"

	"golang.org/x/text/feature/plural"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
	"golang.org/x/text/message/catalog"

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

// Counted is a message whose words agree with counts. In Text, ${w} stands
// for the form of the Word whose Other is w, e.g.
//
//	Counted{"Push now (%d ${calls})", []Word{{1, "call", "calls"}}}
//
// A text with more than one argument numbers them (%[1]d … %[2]d): x/text
// needs that when a word comes before a later argument. Chinese has one
// form, so the zh catalogs hold plain strings for these keys.
type Counted struct {
	Text  string
	Words []Word
}

// Word agrees with the count in argument Arg (1-based; the count must be an
// integer, not a preformatted string): One is its form for 1, Other for every
// other count.
type Word struct {
	Arg        int
	One, Other string
}

// CountedCatalog maps message keys to counted messages in one language.
type CountedCatalog map[string]Counted

// countedEN are the English messages with counts. Their keys are formatted
// by x/text's printer in every language, so counts are written the same way
// (digit grouping: 18,913) whether a word agrees with them or not.
var countedEN = mergeCounted(coreCountedEN, cardsCountedEN, messagesCountedEN, channelCodesCountedEN, orgCountedEN, sessionsCountedEN, uploadsCountedEN, scheduleCountedEN, approvalsCountedEN, pushControlCountedEN, feedsCountedEN)

var printers = map[Lang]*message.Printer{
	ZH: newPrinter(language.SimplifiedChinese, oneForm(catalogs[ZH], countedEN)),
	EN: newPrinter(language.English, countedEN),
}

func mergeCounted(parts ...CountedCatalog) CountedCatalog {
	out := CountedCatalog{}
	for _, p := range parts {
		maps.Copy(out, p)
	}
	return out
}

// oneForm is a language's plain strings for the counted keys (Chinese nouns
// do not change with the count).
func oneForm(c Catalog, keys CountedCatalog) CountedCatalog {
	out := CountedCatalog{}
	for k := range keys {
		out[k] = Counted{Text: c[k]}
	}
	return out
}

// newPrinter builds an x/text catalog of the counted messages: each Word is a
// variable chosen by the plural form of its argument, then the text.
func newPrinter(tag language.Tag, msgs CountedCatalog) *message.Printer {
	b := catalog.NewBuilder(catalog.Fallback(tag))
	for key, m := range msgs {
		parts := make([]catalog.Message, 0, len(m.Words)+1)
		for _, w := range m.Words {
			parts = append(parts, catalog.Var(w.Other, plural.Selectf(w.Arg, "%d", plural.One, w.One, plural.Other, w.Other)))
		}
		if err := b.Set(tag, key, append(parts, catalog.String(m.Text))...); err != nil {
			panic("i18n: counted message " + key + ": " + err.Error()) // a declaration error: every test run shows it
		}
	}
	return message.NewPrinter(tag, message.Catalog(b))
}

// catalogs is built once from the per-feature files and never changed.
var catalogs = map[Lang]Catalog{
	ZH: merge(coreZH, cardsZH, messagesZH, channelCodesZH, orgZH, sessionsZH, uploadsZH, zoneZH, auditZH, opsZH, scheduleZH, approvalsZH, pushControlZH, feedsZH),
	EN: merge(coreEN, cardsEN, messagesEN, channelCodesEN, orgEN, sessionsEN, uploadsEN, zoneEN, auditEN, opsEN, scheduleEN, approvalsEN, pushControlEN, feedsEN),
}

// Keys returns every key of a language (tests).
func Keys(l Lang) []string {
	out := make([]string, 0, len(catalogs[l])+len(countedEN))
	for k := range catalogs[l] {
		out = append(out, k)
	}
	if l == EN {
		for k := range countedEN {
			out = append(out, k)
		}
	}
	return out
}

// Has reports whether key exists in lang.
func Has(l Lang, key string) bool {
	_, plain := catalogs[l][key]
	_, withCount := countedEN[key]
	return plain || (l == EN && withCount)
}

// CountedEN returns the English messages with counts (tests).
func CountedEN() CountedCatalog { return countedEN }

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
	if _, ok := countedEN[key]; ok {
		return printers[l].Sprintf(key, args...)
	}
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
