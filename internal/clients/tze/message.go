package tze

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// Message is one of TextMessage, LinkMessage, OAMessage.
type Message interface {
	// MsgType is the msgtype on the wire: text, link or oa.
	MsgType() string
	fill(*sendBody)
}

// Message types.
const (
	MsgText = "text"
	MsgLink = "link"
	MsgOA   = "oa"
)

// DefaultBgColor is oa.head.bgColor's documented default (ARGB, opaque red).
const DefaultBgColor = "FFCC0000"

// TextMessage is msgtype text. The contract gives it no busiId: a text send is
// made "exactly once" by the console's own record of its busiId, not upstream.
type TextMessage struct {
	Content string `json:"content"`
}

// LinkMessage is msgtype link; fields in the doc example's order.
type LinkMessage struct {
	PCURL   string `json:"pcUrl"`
	AppURL  string `json:"appUrl"`
	PicURL  string `json:"picUrl"` // may be empty: no picture is shown
	Content string `json:"content"`
	Title   string `json:"title"`
	BusiID  string `json:"busiId"`
}

// OAMessage is msgtype oa: busiId and the URLs sit at the top level, head and
// body inside "oa".
type OAMessage struct {
	BusiID string
	PCURL  string
	AppURL string
	Head   OAHead
	Body   OABody // sent only when some field is set
}

// OAHead is oa.head.
type OAHead struct {
	Text    string `json:"text"`
	BgColor string `json:"bgColor,omitempty"` // 8 hex digits ARGB; empty = platform default FFCC0000
}

// OABody is oa.body; every field is optional.
type OABody struct {
	Title     string       `json:"title,omitempty"`
	Content   string       `json:"content,omitempty"`
	ImageURL  string       `json:"imageUrl,omitempty"`
	FileCount string       `json:"fileCount,omitempty"` // display only, not verified upstream
	Author    string       `json:"author,omitempty"`
	Form      []OAFormItem `json:"form,omitempty"` // at most 6
}

// OAFormItem is one row of oa.body.form.
type OAFormItem struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

func (b OABody) empty() bool {
	return b.Title == "" && b.Content == "" && b.ImageURL == "" && b.FileCount == "" && b.Author == "" && len(b.Form) == 0
}

// Recipients says who receives a message. The contract documents no recipient
// fields: "toUserIds" and "toOrgIds" (arrays of id strings) are an assumption,
// kept here and nowhere else (README "Assumptions").
type Recipients struct {
	UserIDs []string `json:"toUserIds,omitempty"` // account ids
	OrgIDs  []string `json:"toOrgIds,omitempty"`  // org nodes (everyone below them)
}

// Count is the number of ids addressed.
func (r Recipients) Count() int { return len(r.UserIDs) + len(r.OrgIDs) }

// sendBody is the JSON posted: msgtype spelled as in the doc's examples.
type sendBody struct {
	MsgType string       `json:"msgtype"`
	BusiID  string       `json:"busiId,omitempty"` // oa only
	PCURL   string       `json:"pcUrl,omitempty"`  // oa only
	AppURL  string       `json:"appUrl,omitempty"` // oa only
	Text    *TextMessage `json:"text,omitempty"`
	Link    *LinkMessage `json:"link,omitempty"`
	OA      *oaPart      `json:"oa,omitempty"`
	Recipients
}

type oaPart struct {
	Head OAHead  `json:"head"`
	Body *OABody `json:"body,omitempty"`
}

func (m TextMessage) MsgType() string { return MsgText }
func (m LinkMessage) MsgType() string { return MsgLink }
func (m OAMessage) MsgType() string   { return MsgOA }

func (m TextMessage) fill(b *sendBody) { b.Text = &m }
func (m LinkMessage) fill(b *sendBody) { b.Link = &m }
func (m OAMessage) fill(b *sendBody) {
	b.BusiID, b.PCURL, b.AppURL = m.BusiID, m.PCURL, m.AppURL
	b.OA = &oaPart{Head: m.Head}
	if !m.Body.empty() {
		body := m.Body
		b.OA.Body = &body
	}
}

// BusiIDOf is the message's busiId on the wire ("" for text, which has none).
func BusiIDOf(m Message) string {
	switch m := m.(type) {
	case LinkMessage:
		return m.BusiID
	case OAMessage:
		return m.BusiID
	}
	return ""
}

// RequestBody is the exact JSON Send posts, for the confirmation page and
// "copy as cURL".
func RequestBody(to Recipients, msg Message) ([]byte, error) {
	b := sendBody{MsgType: msg.MsgType(), Recipients: to}
	msg.fill(&b)
	return json.Marshal(b)
}

// SendResult is a successful send's result.
type SendResult struct {
	MsgID string `json:"msgId"`
}

type sendAnswer struct {
	envelope
	Result SendResult `json:"result"`
}

// Send posts a message. It is not idempotent, so it is never resent after a
// timeout or 5xx (the upstream may have delivered it); only a refused token
// is retried once, as the platform did not process that request. A success
// without a msgId is still a success: the message was accepted.
func (c *Client) Send(ctx context.Context, to Recipients, msg Message) (SendResult, error) {
	body, err := RequestBody(to, msg)
	if err != nil {
		return SendResult{}, err
	}
	return c.SendBody(ctx, msg.MsgType(), body)
}

// SendBody posts a body RequestBody made earlier, byte for byte: a queued
// send delivers exactly what its review page showed.
func (c *Client) SendBody(ctx context.Context, msgType string, body []byte) (SendResult, error) {
	var out SendResult
	var err error
	err = c.up.Do(ctx, upstream.Call{
		Op: "send-" + msgType, Method: http.MethodPost, Path: PathSend, Body: json.RawMessage(body),
		Decode: func(status int, data []byte) error {
			var a sendAnswer
			if err := upstream.DecodeJSON(status, data, &a); err != nil {
				return err
			}
			if err := a.check(status); err != nil {
				return err
			}
			out = a.Result
			return nil
		},
	})
	return out, err
}

// TokenPlaceholder stands in for the accessToken in CurlCommand: the shell
// expands it, the page never shows the real token.
const TokenPlaceholder = "$TZE_ACCESS_TOKEN"

// CurlCommand is a shell command posting body to the send endpoint, with the
// token left to the TZE_ACCESS_TOKEN environment variable. Every literal part
// is single-quoted, so the body cannot break out of the quotes.
func (c *Client) CurlCommand(body []byte) string {
	u := c.up.BaseURL() + PathSend + "?accessToken="
	return "curl -X POST " + shellQuote(u) + `"` + TokenPlaceholder + `"` + " \\\n" +
		"  -H " + shellQuote("Content-Type: application/json;charset=UTF-8") + " \\\n" +
		"  --data-raw " + shellQuote(string(body))
}

// shellQuote single-quotes s for POSIX shells (' becomes '\”).
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
