// Package cards turns a confirmed workbench card push into a stored job of
// upstream calls (at most 200 accounts each) and runs them: bounded
// concurrency, a rate limit, each call's upstream code kept, failed calls
// resendable, and jobs cut short by a restart resumable. Handlers plan and
// create jobs here; the Runner owns every goroutine that calls the platform.
package cards

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
)

// Card is card data as the console stores it with a job: the wire items of
// one type. It converts to the client's CardData for a call.
type Card struct {
	Type    chengxun.CardType      `json:"type"`
	KeyData []chengxun.KeyDataItem `json:"keydata,omitempty"`
	List    []chengxun.ListItem    `json:"list,omitempty"`
}

// Data is the card as the client sends it.
func (c Card) Data() chengxun.CardData {
	return chengxun.CardData{Type: c.Type, KeyData: c.KeyData, List: c.List}
}

// CardFromItems builds a card of type typ from the editor's (or a CSV row's)
// items. LIST times are read in loc (the console's zone) and sent as epoch
// milliseconds (chengxun.TimestampUnit). The items must have passed validation.
func CardFromItems(typ string, items []forms.CardItemForm, loc *time.Location) (Card, error) {
	c := Card{Type: chengxun.CardType(typ)}
	switch c.Type {
	case chengxun.KeyData:
		c.KeyData = make([]chengxun.KeyDataItem, 0, len(items))
		for _, it := range items {
			c.KeyData = append(c.KeyData, chengxun.KeyDataItem{Key: it.Key, Data: it.Data, JumpURL: it.JumpURL, Action: it.Action})
		}
	case chengxun.List:
		c.List = make([]chengxun.ListItem, 0, len(items))
		for _, it := range items {
			ts, err := it.Timestamp(loc)
			if err != nil {
				return Card{}, fmt.Errorf("cards: LIST time %q: %w", it.When, err)
			}
			c.List = append(c.List, chengxun.ListItem{Text: it.Text, JumpURL: it.JumpURL, Action: it.Action, Timestamp: ts})
		}
	default:
		return Card{}, fmt.Errorf("cards: type %q cannot be pushed", typ)
	}
	return c, nil
}

// CardFromForm builds the card of a validated editor form.
func CardFromForm(f forms.CardDataForm, loc *time.Location) (Card, error) {
	return CardFromItems(f.Type, f.Items, loc)
}

// Entry is one account's data in a different-data call (stored as a call's payload).
type Entry struct {
	AccountID string `json:"account_id"`
	Card      Card   `json:"card"`
}

func (c Card) marshal() string {
	b, _ := json.Marshal(c) // plain strings and ints: cannot fail
	return string(b)
}

func parseCard(s string) (Card, error) {
	var c Card
	if err := json.Unmarshal([]byte(s), &c); err != nil {
		return Card{}, fmt.Errorf("cards: stored card: %w", err)
	}
	return c, nil
}

// FormFromJob is the editor form of the card a job pushed (org and accounts
// targets), for "start from the last push": the inverse of CardFromForm, with
// LIST times shown in loc (the console's zone) as a datetime-local input
// takes them.
func FormFromJob(j store.PushJob, loc *time.Location) (forms.CardDataForm, error) {
	c, err := parseCard(j.DataJSON)
	if err != nil {
		return forms.CardDataForm{}, err
	}
	return formOf(c, loc), nil
}

// formOf is the editor form of a card.
func formOf(c Card, loc *time.Location) forms.CardDataForm {
	f := forms.CardDataForm{Type: string(c.Type)}
	for _, it := range c.KeyData {
		f.Items = append(f.Items, forms.CardItemForm{Key: it.Key, Data: it.Data, JumpURL: it.JumpURL, Action: it.Action})
	}
	for _, it := range c.List {
		f.Items = append(f.Items, forms.CardItemForm{Text: it.Text, JumpURL: it.JumpURL, Action: it.Action, When: localInput(it.Timestamp, loc)})
	}
	return f
}

// PreviewForm is the card a stored push shows in the phone preview: its
// card, or for different data the first account's (account names it).
func PreviewForm(j store.PushJob, first store.PushCall, loc *time.Location) (f forms.CardDataForm, account string, err error) {
	if j.Target != forms.TargetDiff {
		f, err = FormFromJob(j, loc)
		return f, "", err
	}
	entries, err := entriesOf(first)
	if err != nil {
		return f, "", err
	}
	if len(entries) == 0 {
		return f, "", fmt.Errorf("cards: stored call %d/%d has no accounts", first.JobID, first.Seq)
	}
	return formOf(entries[0].Card, loc), entries[0].AccountID, nil
}

// DiffRowsOf is a stored different-data call's accounts, each with its own
// items as the editor and a different-data file have them (LIST times in
// loc): what re-pushing its accounts sends again.
func DiffRowsOf(c store.PushCall, loc *time.Location) ([]forms.DiffRow, error) {
	entries, err := entriesOf(c)
	if err != nil {
		return nil, err
	}
	rows := make([]forms.DiffRow, len(entries))
	for i, e := range entries {
		rows[i] = forms.DiffRow{AccountID: e.AccountID, Items: formOf(e.Card, loc).Items}
	}
	return rows, nil
}

// entriesOf reads a different-data call's stored payload.
func entriesOf(c store.PushCall) ([]Entry, error) {
	var entries []Entry
	if err := json.Unmarshal([]byte(c.Payload), &entries); err != nil {
		return nil, fmt.Errorf("cards: stored call %d/%d: %w", c.JobID, c.Seq, err)
	}
	return entries, nil
}

// Repushable reports whether a job's failed and unknown accounts can be
// downloaded and pushed again as a new push: it has some, and it finished —
// not while it runs or is paused (its retry and controls apply), and not once
// cancelled or rejected (what was turned down is not offered again).
func Repushable(j store.PushJob, p store.PushProgress) bool {
	return !j.Active() && j.CancelledAt.IsZero() && j.Approval != store.ApprovalRejected && p.Failed+p.Unknown > 0
}

// localInput is an epoch-milliseconds time as the editor's datetime-local
// field shows it in loc ("" for none).
func localInput(ms int64, loc *time.Location) string {
	if ms == 0 {
		return ""
	}
	return time.UnixMilli(ms).In(loc).Format("2006-01-02T15:04")
}
