// Package components holds the pieces every page shares, so fields, errors,
// tables and pagers look and behave the same everywhere.
package components

import (
	"context"
	"strconv"
	"strings"

	"github.com/a-h/templ"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/i18n"
)

// FieldProps describes one labelled form field.
type FieldProps struct {
	Name  string // form field name
	Label string // already translated
	Value string
	Type  string     // text (default), textarea, url, password, datetime-local, date, number, email, search
	Limit forms.Text // drives required, maxlength, the counter and the server check
	Err   *forms.Msg // the field's error, shown under it
	Hint  string     // already translated
	ID    string     // defaults to the name with dots as dashes
	Rows  int        // textarea rows
	Attrs templ.Attributes
}

func (p FieldProps) id() string {
	if p.ID != "" {
		return p.ID
	}
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "").Replace(p.Name)
}

func (p FieldProps) inputType() string {
	if p.Type == "" {
		return "text"
	}
	return p.Type
}

// attrs are the input's attributes derived from the limit and the error.
func (p FieldProps) attrs() templ.Attributes {
	a := templ.Attributes{}
	for k, v := range p.Attrs {
		a[k] = v
	}
	if p.Limit.Required {
		a["required"] = true
	}
	if p.Limit.Max > 0 {
		// Browsers count maxlength in UTF-16 code units, as the platforms do.
		a["maxlength"] = strconv.Itoa(p.Limit.Max)
		a["data-max"] = strconv.Itoa(p.Limit.Max)
	}
	if p.Err != nil {
		a["aria-invalid"] = "true"
		a["aria-describedby"] = p.id() + "-err"
	} else if p.Hint != "" {
		a["aria-describedby"] = p.id() + "-hint"
	}
	return a
}

func (p FieldProps) counter() string {
	return strconv.Itoa(forms.Len(p.Value)) + " / " + strconv.Itoa(p.Limit.Max)
}

func (p FieldProps) counterClass() string {
	if forms.Len(p.Value) > p.Limit.Max {
		return "counter over"
	}
	return "counter"
}

func (p FieldProps) rows() string {
	if p.Rows > 0 {
		return strconv.Itoa(p.Rows)
	}
	return "4"
}

// UploadFieldProps describes one file input.
type UploadFieldProps struct {
	Name      string // form field name
	Label     string // already translated
	Accept    string // the accept attribute
	Hint      string // already translated; follows the stated limits
	Err       *forms.Msg
	Templates []TemplateFile // template downloads offered beside the field
	TestID    string
}

// TemplateFile is one template download: its format (csv, xlsx) and URL.
type TemplateFile struct {
	Format string
	Href   string
}

func (p UploadFieldProps) id() string { return FieldProps{Name: p.Name}.id() }

func (p UploadFieldProps) describedBy() string {
	if p.Err != nil {
		return p.id() + "-err " + p.id() + "-hint"
	}
	return p.id() + "-hint"
}

// AcceptSheets is what an upload of rows takes: CSV and .xlsx.
const AcceptSheets = ".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

// UpstreamText is what a failed platform call kept as its message: the
// platform's own words, or — when it sent none — the kind of failure
// (timeout, network …), shown translated.
func UpstreamText(ctx context.Context, msg string) string {
	if key := "upstream.kind." + msg; i18n.Has(i18n.LangOf(ctx), key) {
		return i18n.T(ctx, key)
	}
	return msg
}
