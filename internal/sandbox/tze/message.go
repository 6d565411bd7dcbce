package tze

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// Documented limits of the message bodies, in UTF-16 units (Java String.length()).
const (
	maxMsgType  = 10  // msgType: String(10)
	maxHeadText = 255 // oa.head.text: String(255)
	maxFormRows = 6   // oa.body.form: 最多6个
)

// Delivered is one message the fake accepted and delivered (once per busiId).
type Delivered struct {
	MsgID     string
	MsgType   string // text, link or oa
	BusiID    string // link.busiId or oa's top-level busiId; "" for text (the contract gives text none)
	Title     string // link.title, oa.head.text, or text.content
	ToUserIDs []string
	ToOrgIDs  []string
	Body      string // the request body as received
	At        time.Time
}

// SendResult is the result of a successful send.
type SendResult struct {
	MsgID string `json:"msgId"`
}

// Messages returns every delivered message, oldest first.
func (f *Fake) Messages() []Delivered {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Delivered, len(f.delivered))
	for i, d := range f.delivered {
		d.ToUserIDs, d.ToOrgIDs = slices.Clone(d.ToUserIDs), slices.Clone(d.ToOrgIDs)
		out[i] = d
	}
	return out
}

// ResetMessages forgets delivered messages and busiIds.
func (f *Fake) ResetMessages() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delivered, f.byBusiID = nil, map[string]string{}
}

func (f *Fake) serveSend(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		writeErr(w, http.StatusMethodNotAllowed, CodeMethodRefused, "请求方式不支持: "+r.Method)
		return
	}
	if !f.authorized(w, r) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 4<<20))
	if err != nil {
		writeErr(w, http.StatusOK, CodeBadBody, "请求体读取失败")
		return
	}
	d, v := checkSend(body)
	if v != nil {
		writeErr(w, http.StatusOK, v.code, v.message)
		return
	}
	d.Body = string(body)
	f.mu.Lock()
	defer f.mu.Unlock()
	// A repeated busiId is the same message: same msgId, no second delivery.
	// Text messages carry no busiId in the contract, so each one is delivered.
	if d.BusiID != "" {
		if id, ok := f.byBusiID[d.BusiID]; ok {
			writeJSON(w, http.StatusOK, envelope{Code: CodeOK, Message: "成功", Result: SendResult{MsgID: id}})
			return
		}
	}
	f.seq++
	d.MsgID = strconv.Itoa(880000000 + f.seq)
	d.At = time.Now()
	if d.BusiID != "" {
		f.byBusiID[d.BusiID] = d.MsgID
	}
	f.delivered = append(f.delivered, d)
	writeJSON(w, http.StatusOK, envelope{Code: CodeOK, Message: "成功", Result: SendResult{MsgID: d.MsgID}})
}

type violation struct{ code, message string }

func required(field string) *violation {
	return &violation{CodeRequired, field + "不能为空"}
}

// object is one JSON object with its keys matched exactly (case-sensitive, as
// the Java service does), unlike encoding/json's struct decoding.
type object map[string]json.RawMessage

func isNull(raw json.RawMessage) bool { return len(raw) == 0 || string(raw) == "null" }

func asObject(raw json.RawMessage, field string) (object, *violation) {
	var o object
	if err := json.Unmarshal(raw, &o); err != nil || o == nil {
		if field == "" {
			return nil, &violation{CodeBadBody, "请求体必须是JSON对象"}
		}
		return nil, &violation{CodeBadBody, field + "必须是JSON对象"}
	}
	return o, nil
}

// obj returns a required (or optional) nested object; nil when absent.
func (o object) obj(key, field string, need bool) (object, *violation) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		if need {
			return nil, required(field)
		}
		return nil, nil
	}
	return asObject(raw, field)
}

// str returns a string field; need makes a missing or blank value a violation.
func (o object) str(key, field string, need bool) (string, *violation) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		if need {
			return "", required(field)
		}
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", &violation{CodeBadBody, field + "必须是字符串"}
	}
	if need && strings.TrimSpace(s) == "" {
		return "", required(field)
	}
	return s, nil
}

// strs returns an optional array of strings.
func (o object) strs(key string) ([]string, *violation) {
	raw, ok := o[key]
	if !ok || isNull(raw) {
		return nil, nil
	}
	var ss []string
	if err := json.Unmarshal(raw, &ss); err != nil {
		return nil, &violation{CodeBadBody, key + "必须是字符串数组"}
	}
	for i, s := range ss {
		if strings.TrimSpace(s) == "" {
			return nil, required(fmt.Sprintf("%s[%d]", key, i))
		}
	}
	return ss, nil
}

// url checks an http(s) URL field (already known to be present when need).
func urlField(o object, key, field string, need bool) (string, *violation) {
	s, v := o.str(key, field, need)
	if v != nil || s == "" {
		return s, v
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.ContainsAny(s, " \t\r\n") {
		return "", &violation{CodeURL, field + "必须是http或https地址"}
	}
	return s, nil
}

func utf16Len(s string) int { return len(utf16.Encode([]rune(s))) }

func tooLong(field string, max, got int) *violation {
	return &violation{CodeTooLong, fmt.Sprintf("%s长度不能超过%d(当前%d)", field, max, got)}
}

func isHex8(s string) bool {
	if len(s) != 8 {
		return false
	}
	for _, c := range []byte(s) {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// checkSend validates a send body per upstreams.md §C and reports the first violation.
func checkSend(body []byte) (Delivered, *violation) {
	var d Delivered
	if !json.Valid(bytes.TrimSpace(body)) {
		return d, &violation{CodeBadBody, "请求体不是合法的JSON"}
	}
	top, v := asObject(body, "")
	if v != nil {
		return d, v
	}
	mt, v := top.str("msgtype", "msgtype", true)
	if v != nil {
		if _, camel := top["msgType"]; camel {
			v.message += " (键名应为msgtype)"
		}
		return d, v
	}
	if n := utf16Len(mt); n > maxMsgType {
		return d, tooLong("msgtype", maxMsgType, n)
	}
	d.MsgType = mt
	switch mt {
	case "text":
		t, v := top.obj("text", "text", true)
		if v != nil {
			return d, v
		}
		if d.Title, v = t.str("content", "text.content", true); v != nil {
			return d, v
		}
	case "link":
		l, v := top.obj("link", "link", true)
		if v != nil {
			return d, v
		}
		for _, k := range []string{"pcUrl", "appUrl"} {
			if _, v := urlField(l, k, "link."+k, true); v != nil {
				return d, v
			}
		}
		if d.Title, v = l.str("title", "link.title", true); v != nil {
			return d, v
		}
		if d.BusiID, v = l.str("busiId", "link.busiId", true); v != nil {
			return d, v
		}
		if _, v = l.str("content", "link.content", true); v != nil {
			return d, v
		}
		// Marked required, but "如不填,在客户端不显示图片": empty is allowed.
		if _, v = urlField(l, "picUrl", "link.picUrl", false); v != nil {
			return d, v
		}
	case "oa":
		var v *violation
		if d.BusiID, v = top.str("busiId", "busiId", true); v != nil {
			return d, v
		}
		for _, k := range []string{"pcUrl", "appUrl"} {
			if _, v := urlField(top, k, k, true); v != nil {
				return d, v
			}
		}
		if d.Title, v = checkOA(top); v != nil {
			return d, v
		}
	default:
		return d, &violation{CodeMsgType, "msgtype只能是text、link或oa: " + mt}
	}
	if d.ToUserIDs, v = top.strs(FieldToUserIDs); v != nil {
		return d, v
	}
	if d.ToOrgIDs, v = top.strs(FieldToOrgIDs); v != nil {
		return d, v
	}
	if len(d.ToUserIDs)+len(d.ToOrgIDs) == 0 {
		return d, &violation{CodeNoRecipients, FieldToUserIDs + "和" + FieldToOrgIDs + "不能同时为空"}
	}
	return d, nil
}

func checkOA(top object) (string, *violation) {
	oa, v := top.obj("oa", "oa", true)
	if v != nil {
		return "", v
	}
	head, v := oa.obj("head", "oa.head", true)
	if v != nil {
		return "", v
	}
	text, v := head.str("text", "oa.head.text", true)
	if v != nil {
		return "", v
	}
	if n := utf16Len(text); n > maxHeadText {
		return "", tooLong("oa.head.text", maxHeadText, n)
	}
	bg, v := head.str("bgColor", "oa.head.bgColor", false)
	if v != nil {
		return "", v
	}
	if _, present := head["bgColor"]; present && !isNull(head["bgColor"]) && !isHex8(bg) {
		return "", &violation{CodeBgColor, "oa.head.bgColor必须是8位十六进制ARGB(如FFCC0000),不要加0x: " + bg}
	}
	body, v := oa.obj("body", "oa.body", false)
	if v != nil || body == nil {
		return text, v
	}
	for _, k := range []string{"title", "content", "author", "fileCount"} {
		if _, v := body.str(k, "oa.body."+k, false); v != nil {
			return "", v
		}
	}
	if _, v := urlField(body, "imageUrl", "oa.body.imageUrl", false); v != nil {
		return "", v
	}
	raw, ok := body["form"]
	if !ok || isNull(raw) {
		return text, nil
	}
	var rows []json.RawMessage
	if err := json.Unmarshal(raw, &rows); err != nil {
		return "", &violation{CodeBadBody, "oa.body.form必须是JSON数组"}
	}
	if len(rows) > maxFormRows {
		return "", &violation{CodeTooManyForm, fmt.Sprintf("oa.body.form最多%d个(当前%d)", maxFormRows, len(rows))}
	}
	for i, r := range rows {
		field := fmt.Sprintf("oa.body.form[%d]", i)
		row, v := asObject(r, field)
		if v != nil {
			return "", v
		}
		for _, k := range []string{"key", "value"} {
			if _, v := row.str(k, field+"."+k, false); v != nil {
				return "", v
			}
		}
	}
	return text, nil
}
