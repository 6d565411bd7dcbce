package chengxun

import (
	"encoding/json"
	"fmt"
	"time"
)

// CardType is a workbench card's type (the seed's enum).
type CardType string

const (
	KeyData CardType = "KEYDATA"
	List    CardType = "LIST"
	Image   CardType = "IMAGE"   // 暂不支持: the platform refuses its data today
	WebView CardType = "WEBVIEW" // 暂不支持: the platform refuses its data today
)

// CardTypes lists the enum in the order pages offer it.
func CardTypes() []CardType { return []CardType{KeyData, List, Image, WebView} }

// Valid reports whether t is one of the four documented types.
func (t CardType) Valid() bool {
	switch t {
	case KeyData, List, Image, WebView:
		return true
	}
	return false
}

// Supported reports whether the platform accepts card data of this type
// today: the seed says only LIST and KEYDATA (IMAGE/WEBVIEW 暂不支持).
func (t CardType) Supported() bool { return t == KeyData || t == List }

// TimestampUnit is the epoch unit of ListItem.Timestamp. The seed writes only
// `0L` (a Java long); Java's System.currentTimeMillis convention is assumed,
// so the console sends milliseconds. README "Assumptions".
const TimestampUnit = time.Millisecond

// ListTimestamp converts t to the wire timestamp of a LIST row.
func ListTimestamp(t time.Time) int64 { return t.UnixMilli() }

// KeyDataItem is one KEYDATA tile: key ≤ 20, data ≤ 20, jump_url ≤ 300, action ≤ 300.
type KeyDataItem struct {
	Key     string `json:"key"`
	Data    string `json:"data"`
	JumpURL string `json:"jump_url,omitempty"`
	Action  string `json:"action,omitempty"`
}

// ListItem is one LIST row: text ≤ 100, jump_url ≤ 300, action ≤ 300,
// timestamp in TimestampUnit since the epoch.
type ListItem struct {
	Text      string `json:"text"`
	JumpURL   string `json:"jump_url,omitempty"`
	Action    string `json:"action,omitempty"`
	Timestamp int64  `json:"timestamp"`
}

// ImageData is the documented IMAGE data (not supported by the platform yet).
type ImageData struct {
	URL     string `json:"url"`
	JumpURL string `json:"jump_url,omitempty"`
	Action  string `json:"action,omitempty"`
}

// WebViewData is the documented WEBVIEW data (not supported by the platform yet).
type WebViewData struct {
	URL                string `json:"url"`
	JumpURL            string `json:"jump_url,omitempty"`
	Action             string `json:"action,omitempty"`
	Height             string `json:"height,omitempty"` // e.g. single_row
	HideTitle          bool   `json:"hide_title"`
	EnableWebviewClick bool   `json:"enable_webview_click"`
}

// CardData is a card's "data" object. Its shape depends on Type, so exactly
// the field for Type is sent: KEYDATA and LIST as {"items": [...]}, IMAGE and
// WEBVIEW as their own objects.
type CardData struct {
	Type    CardType
	KeyData []KeyDataItem
	List    []ListItem
	Image   *ImageData
	WebView *WebViewData
}

// KeyDataCard is CardData of type KEYDATA.
func KeyDataCard(items ...KeyDataItem) CardData { return CardData{Type: KeyData, KeyData: items} }

// ListCard is CardData of type LIST.
func ListCard(items ...ListItem) CardData { return CardData{Type: List, List: items} }

type keyDataItems struct {
	Items []KeyDataItem `json:"items"`
}

type listItems struct {
	Items []ListItem `json:"items"`
}

// MarshalJSON writes the data object for d.Type (never the type itself,
// which travels beside it as "type").
func (d CardData) MarshalJSON() ([]byte, error) {
	switch d.Type {
	case KeyData:
		items := d.KeyData
		if items == nil {
			items = []KeyDataItem{}
		}
		return json.Marshal(keyDataItems{Items: items})
	case List:
		items := d.List
		if items == nil {
			items = []ListItem{}
		}
		return json.Marshal(listItems{Items: items})
	case Image:
		if d.Image == nil {
			return nil, fmt.Errorf("IMAGE card data without Image")
		}
		return json.Marshal(d.Image)
	case WebView:
		if d.WebView == nil {
			return nil, fmt.Errorf("WEBVIEW card data without WebView")
		}
		return json.Marshal(d.WebView)
	}
	return nil, fmt.Errorf("unknown card type %q", d.Type)
}

// Template is an application card template. The seed gives no template
// fields; id, name and type are the minimal honest model (wire names assumed).
type Template struct {
	ID   string   `json:"template_id"`
	Name string   `json:"name"`
	Type CardType `json:"type"`
}

// TemplateList is list-template's answer. The list's fields are not in the
// seed docs, so an entry may come without a template_id; such an entry cannot
// be edited, deleted or pushed to, and is kept apart in Malformed (with the
// name and type it did have) — never among Templates, so nothing links to an
// empty id.
type TemplateList struct {
	Templates []Template
	Malformed []Template
}

// TemplateInput is what add-template sends.
type TemplateInput struct {
	Name string   `json:"name"`
	Type CardType `json:"type"`
}

// SameDataRequest is batch-set-same-data: the same data for 1–200 accounts.
type SameDataRequest struct {
	EnterpriseID        string // required unless ShowOnAllEnterprise
	ShowOnAllEnterprise bool
	AccountIDs          []string // 1–200
	Data                CardData
}

type sameDataWire struct {
	EnterpriseID        string   `json:"enterprise_id,omitempty"`
	ShowOnAllEnterprise bool     `json:"show_on_all_enterprise"`
	AccountIDList       []string `json:"account_id_list"`
	Type                CardType `json:"type"`
	Data                CardData `json:"data"`
}

// MarshalJSON writes the documented body; "type" comes from Data.Type.
func (r SameDataRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(sameDataWire{
		EnterpriseID:        r.EnterpriseID,
		ShowOnAllEnterprise: r.ShowOnAllEnterprise,
		AccountIDList:       r.AccountIDs,
		Type:                r.Data.Type,
		Data:                r.Data,
	})
}

// OrgDataRequest is set-org-data: the card an organisation shows.
// Body (assumed): {"enterprise_id", "type", "data"}.
type OrgDataRequest struct {
	EnterpriseID string
	Data         CardData
}

type orgDataWire struct {
	EnterpriseID string   `json:"enterprise_id"`
	Type         CardType `json:"type"`
	Data         CardData `json:"data"`
}

// MarshalJSON writes the assumed body; "type" comes from Data.Type.
func (r OrgDataRequest) MarshalJSON() ([]byte, error) {
	return json.Marshal(orgDataWire{EnterpriseID: r.EnterpriseID, Type: r.Data.Type, Data: r.Data})
}

// AccountCardData is one account's entry of batch-set-diff-data.
type AccountCardData struct {
	AccountID string   `json:"account_id"`
	Data      CardData `json:"data"`
}

// DiffDataRequest is batch-set-diff-data: different data per account, 1–200
// entries of one Type. Body (assumed): {"enterprise_id", "show_on_all_enterprise",
// "type", "account_data_list": [{"account_id", "data"}]}.
type DiffDataRequest struct {
	EnterpriseID        string
	ShowOnAllEnterprise bool
	Type                CardType
	Entries             []AccountCardData
}

type diffDataWire struct {
	EnterpriseID        string            `json:"enterprise_id,omitempty"`
	ShowOnAllEnterprise bool              `json:"show_on_all_enterprise"`
	Type                CardType          `json:"type"`
	AccountDataList     []AccountCardData `json:"account_data_list"`
}

// MarshalJSON writes the assumed body. Every entry's data must be of r.Type:
// the platform takes one type per call.
func (r DiffDataRequest) MarshalJSON() ([]byte, error) {
	for i, e := range r.Entries {
		if e.Data.Type != r.Type {
			return nil, fmt.Errorf("entry %d (%s) has %s data in a %s call", i, e.AccountID, e.Data.Type, r.Type)
		}
	}
	return json.Marshal(diffDataWire{
		EnterpriseID:        r.EnterpriseID,
		ShowOnAllEnterprise: r.ShowOnAllEnterprise,
		Type:                r.Type,
		AccountDataList:     r.Entries,
	})
}
