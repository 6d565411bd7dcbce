package chengxun

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"
)

// units counts like Java's String.length(): UTF-16 code units.
func units(s string) int {
	n := 0
	for _, r := range s {
		if r > 0xFFFF && r <= utf8.MaxRune {
			n += 2
		} else {
			n++
		}
	}
	return n
}

// decodeBody reads a JSON object into v; wrong JSON types name their field.
func decodeBody(r *http.Request, v any) *apiErr {
	b, err := io.ReadAll(r.Body)
	if err != nil {
		return errf(CodeBadBody, "could not read the request body")
	}
	if err := json.Unmarshal(b, v); err != nil {
		return jsonErr("", err)
	}
	return nil
}

func jsonErr(prefix string, err error) *apiErr {
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		field := te.Field
		if prefix != "" && field != "" {
			field = prefix + "." + field
		} else if prefix != "" {
			field = prefix
		}
		return errf(CodeBadBody, "%s must be a JSON %s, got %s", field, jsonKind(te.Type.Kind().String()), te.Value)
	}
	if prefix != "" {
		return errf(CodeBadBody, "%s is not valid: %v", prefix, err)
	}
	return errf(CodeBadBody, "request body is not valid JSON: %v", err)
}

func jsonKind(goKind string) string {
	switch goKind {
	case "bool":
		return "boolean"
	case "slice":
		return "array"
	case "struct", "map":
		return "object"
	}
	return goKind
}

func checkLen(field, v string, max int) *apiErr {
	if n := units(v); n > max {
		return errf(CodeTooLong, "%s length %d exceeds %d", field, n, max)
	}
	return nil
}

// checkType validates the type enum; IMAGE and WEBVIEW are 暂不支持 for data.
func checkType(t *string) *apiErr {
	if t == nil || *t == "" {
		return errf(CodeRequired, "type is required")
	}
	switch *t {
	case TypeKeyData, TypeList:
		return nil
	case TypeImage, TypeWebView:
		return errf(CodeTypeUnsupported, "type %s 暂不支持 (not supported yet)", *t)
	}
	return errf(CodeTypeInvalid, "type %q is not one of KEYDATA, LIST, IMAGE, WEBVIEW", *t)
}

// wireItem holds the union of LIST and KEYDATA item fields; the timestamp is
// kept raw so a string or a fraction is refused rather than coerced.
type wireItem struct {
	Key       string          `json:"key"`
	Data      string          `json:"data"`
	Text      string          `json:"text"`
	JumpURL   string          `json:"jump_url"`
	Action    string          `json:"action"`
	Timestamp json.RawMessage `json:"timestamp"`
}

type wireData struct {
	Items *[]json.RawMessage `json:"items"`
}

// parseData validates the data object of a card of type typ (already checked)
// and returns it as the fake stores it. path is the field name in messages.
func parseData(path, typ string, raw json.RawMessage) (CardData, *apiErr) {
	card := CardData{Type: typ}
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return card, errf(CodeRequired, "%s is required", path)
	}
	if raw[0] != '{' {
		return card, errf(CodeBadBody, "%s must be a JSON object", path)
	}
	var d wireData
	if err := json.Unmarshal(raw, &d); err != nil {
		return card, jsonErr(path, err)
	}
	// The seed always shows data as {"items": [...]}; an object without items
	// (such as the doc example's {"err_code": null, ...}) is not a card.
	if d.Items == nil {
		return card, errf(CodeRequired, "%s.items is required", path)
	}
	items := *d.Items
	limit := maxKeyDataItems
	if typ == TypeList {
		limit = maxListItems
	}
	if len(items) > limit {
		return card, errf(CodeTooManyItems, "%s.items has %d items, at most %d for %s", path, len(items), limit, typ)
	}
	for i, rawItem := range items {
		p := fmt.Sprintf("%s.items[%d]", path, i)
		var it wireItem
		if t := bytes.TrimSpace(rawItem); len(t) == 0 || t[0] != '{' {
			return card, errf(CodeBadBody, "%s must be a JSON object", p)
		}
		if err := json.Unmarshal(rawItem, &it); err != nil {
			return card, jsonErr(p, err)
		}
		if typ == TypeKeyData {
			for _, c := range []struct {
				name, v string
				max     int
			}{{"key", it.Key, maxKey}, {"data", it.Data, maxData}, {"jump_url", it.JumpURL, maxJumpURL}, {"action", it.Action, maxAction}} {
				if e := checkLen(p+"."+c.name, c.v, c.max); e != nil {
					return card, e
				}
			}
			card.KeyData = append(card.KeyData, KeyDataItem{Key: it.Key, Data: it.Data, JumpURL: it.JumpURL, Action: it.Action})
			continue
		}
		for _, c := range []struct {
			name, v string
			max     int
		}{{"text", it.Text, maxListText}, {"jump_url", it.JumpURL, maxJumpURL}, {"action", it.Action, maxAction}} {
			if e := checkLen(p+"."+c.name, c.v, c.max); e != nil {
				return card, e
			}
		}
		var ts int64
		if t := strings.TrimSpace(string(it.Timestamp)); t != "" && t != "null" {
			n, err := strconv.ParseInt(t, 10, 64)
			if err != nil {
				return card, errf(CodeTimestamp, "%s.timestamp must be an integer, got %s", p, t)
			}
			ts = n
		}
		card.List = append(card.List, ListItem{Text: it.Text, JumpURL: it.JumpURL, Action: it.Action, Timestamp: ts})
	}
	return card, nil
}

// checkTarget applies the enterprise_id / show_on_all_enterprise rule.
func checkTarget(enterpriseID *string, showOnAll *bool) *apiErr {
	if showOnAll == nil {
		return errf(CodeRequired, "show_on_all_enterprise is required")
	}
	if !*showOnAll && (enterpriseID == nil || strings.TrimSpace(*enterpriseID) == "") {
		return errf(CodeEnterpriseRequired, "enterprise_id is required when show_on_all_enterprise is false")
	}
	return nil
}

func checkAccountID(field, id string) *apiErr {
	if strings.TrimSpace(id) == "" {
		return errf(CodeAccountEmpty, "%s is empty", field)
	}
	return nil
}

// sameDataBody is batch-set-same-data's documented body.
type sameDataBody struct {
	EnterpriseID        *string         `json:"enterprise_id"`
	ShowOnAllEnterprise *bool           `json:"show_on_all_enterprise"`
	AccountIDList       *[]string       `json:"account_id_list"`
	Type                *string         `json:"type"`
	Data                json.RawMessage `json:"data"`
}

func (f *Fake) batchSetSameData(w http.ResponseWriter, r *http.Request) {
	var b sameDataBody
	if e := decodeBody(r, &b); e != nil {
		fail(w, e)
		return
	}
	if e := checkTarget(b.EnterpriseID, b.ShowOnAllEnterprise); e != nil {
		fail(w, e)
		return
	}
	if b.AccountIDList == nil {
		fail(w, errf(CodeRequired, "account_id_list is required"))
		return
	}
	ids := *b.AccountIDList
	if len(ids) < 1 || len(ids) > maxAccounts {
		fail(w, errf(CodeAccountCount, "account_id_list has %d items, must be 1 to %d", len(ids), maxAccounts))
		return
	}
	for i, id := range ids {
		if e := checkAccountID(fmt.Sprintf("account_id_list[%d]", i), id); e != nil {
			fail(w, e)
			return
		}
	}
	if e := checkType(b.Type); e != nil {
		fail(w, e)
		return
	}
	card, e := parseData("data", *b.Type, b.Data)
	if e != nil {
		fail(w, e)
		return
	}
	f.storeAccounts(PathBatchSetSameData, deref(b.EnterpriseID), *b.ShowOnAllEnterprise, func(yield func(string, CardData) bool) {
		for _, id := range ids {
			if !yield(id, card) {
				return
			}
		}
	})
	ok(w)
}

// diffDataBody is the assumed body of batch-set-diff-data: the target fields
// of batch-set-same-data, one type, and per-account data.
type diffDataBody struct {
	EnterpriseID        *string         `json:"enterprise_id"`
	ShowOnAllEnterprise *bool           `json:"show_on_all_enterprise"`
	Type                *string         `json:"type"`
	AccountDataList     *[]accountEntry `json:"account_data_list"`
}

type accountEntry struct {
	AccountID string          `json:"account_id"`
	Data      json.RawMessage `json:"data"`
}

func (f *Fake) batchSetDiffData(w http.ResponseWriter, r *http.Request) {
	var b diffDataBody
	if e := decodeBody(r, &b); e != nil {
		fail(w, e)
		return
	}
	if e := checkTarget(b.EnterpriseID, b.ShowOnAllEnterprise); e != nil {
		fail(w, e)
		return
	}
	if b.AccountDataList == nil {
		fail(w, errf(CodeRequired, "account_data_list is required"))
		return
	}
	list := *b.AccountDataList
	if len(list) < 1 || len(list) > maxAccounts {
		fail(w, errf(CodeAccountCount, "account_data_list has %d items, must be 1 to %d", len(list), maxAccounts))
		return
	}
	if e := checkType(b.Type); e != nil {
		fail(w, e)
		return
	}
	cards := make([]CardData, len(list))
	for i, entry := range list {
		p := fmt.Sprintf("account_data_list[%d]", i)
		if e := checkAccountID(p+".account_id", entry.AccountID); e != nil {
			fail(w, e)
			return
		}
		c, e := parseData(p+".data", *b.Type, entry.Data)
		if e != nil {
			fail(w, e)
			return
		}
		cards[i] = c
	}
	f.storeAccounts(PathBatchSetDiffData, deref(b.EnterpriseID), *b.ShowOnAllEnterprise, func(yield func(string, CardData) bool) {
		for i, entry := range list {
			if !yield(entry.AccountID, cards[i]) {
				return
			}
		}
	})
	ok(w)
}

// orgDataBody is the assumed body of set-org-data.
type orgDataBody struct {
	EnterpriseID *string         `json:"enterprise_id"`
	Type         *string         `json:"type"`
	Data         json.RawMessage `json:"data"`
}

func (f *Fake) setOrgData(w http.ResponseWriter, r *http.Request) {
	var b orgDataBody
	if e := decodeBody(r, &b); e != nil {
		fail(w, e)
		return
	}
	if b.EnterpriseID == nil || strings.TrimSpace(*b.EnterpriseID) == "" {
		fail(w, errf(CodeEnterpriseRequired, "enterprise_id is required"))
		return
	}
	if e := checkType(b.Type); e != nil {
		fail(w, e)
		return
	}
	card, e := parseData("data", *b.Type, b.Data)
	if e != nil {
		fail(w, e)
		return
	}
	card.EnterpriseID = *b.EnterpriseID
	card.UpdatedAt = f.opts.Now()
	card.Op = "set-org-data"
	f.mu.Lock()
	f.orgs[card.EnterpriseID] = card
	f.mu.Unlock()
	ok(w)
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// allKey is the enterprise key of data shown in every organisation.
const allKey = "*"

func (f *Fake) storeAccounts(path, enterpriseID string, all bool, entries func(yield func(string, CardData) bool)) {
	now := f.opts.Now()
	key := enterpriseID
	if all {
		key, enterpriseID = allKey, ""
	}
	op := strings.TrimPrefix(path, "/apps/v1/card/")
	f.mu.Lock()
	defer f.mu.Unlock()
	for id, c := range entries {
		c.EnterpriseID, c.AllEnterprises, c.UpdatedAt, c.Op = enterpriseID, all, now, op
		m := f.accounts[id]
		if m == nil {
			m = map[string]CardData{}
			f.accounts[id] = m
		}
		m[key] = c
	}
}

// templateBody is the assumed body of add-template and update-template.
type templateBody struct {
	ID   *string `json:"template_id"`
	Name *string `json:"name"`
	Type *string `json:"type"`
}

func checkTemplate(b templateBody) *apiErr {
	if b.Name == nil || strings.TrimSpace(*b.Name) == "" {
		return errf(CodeRequired, "name is required")
	}
	if e := checkLen("name", *b.Name, maxTemplateNameLength); e != nil {
		return e
	}
	if b.Type == nil || *b.Type == "" {
		return errf(CodeRequired, "type is required")
	}
	switch *b.Type {
	case TypeKeyData, TypeList, TypeImage, TypeWebView:
		return nil // templates of every type exist; only their data is 暂不支持
	}
	return errf(CodeTypeInvalid, "type %q is not one of KEYDATA, LIST, IMAGE, WEBVIEW", *b.Type)
}

func (f *Fake) addTemplate(w http.ResponseWriter, r *http.Request) {
	var b templateBody
	if e := decodeBody(r, &b); e != nil {
		fail(w, e)
		return
	}
	if e := checkTemplate(b); e != nil {
		fail(w, e)
		return
	}
	f.mu.Lock()
	f.nextID++
	t := Template{ID: fmt.Sprintf("ctpl%d", f.nextID), Name: *b.Name, Type: *b.Type}
	f.templates = append(f.templates, t)
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, templateResponse{Data: t})
}

func (f *Fake) listTemplates(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, templateListResponse{Data: f.Templates()})
}

func (f *Fake) updateTemplate(w http.ResponseWriter, r *http.Request) {
	var b templateBody
	if e := decodeBody(r, &b); e != nil {
		fail(w, e)
		return
	}
	if b.ID == nil || *b.ID == "" {
		fail(w, errf(CodeRequired, "template_id is required"))
		return
	}
	if e := checkTemplate(b); e != nil {
		fail(w, e)
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.templates {
		if f.templates[i].ID == *b.ID {
			f.templates[i].Name, f.templates[i].Type = *b.Name, *b.Type
			ok(w)
			return
		}
	}
	fail(w, errf(CodeTemplateNotFound, "template_id %s not found", *b.ID))
}

func (f *Fake) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	id := r.URL.Query().Get("template_id")
	if id == "" {
		fail(w, errf(CodeRequired, "template_id is required"))
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range f.templates {
		if f.templates[i].ID == id {
			f.templates = append(f.templates[:i], f.templates[i+1:]...)
			ok(w)
			return
		}
	}
	fail(w, errf(CodeTemplateNotFound, "template_id %s not found", id))
}
