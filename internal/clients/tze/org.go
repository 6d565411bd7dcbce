package tze

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/orgconsole/console/internal/clients/upstream"
)

// OrgChildListRequest is 获取部门列表 7.0's query.
type OrgChildListRequest struct {
	OrgID    string // org_id, required: the organisation / school id
	ParentID string // parent_id, optional: list below this node (the node itself is not listed)
	All      bool   // is_all: true = every level below, false = direct children only
}

// OrgNode is one department of the list.
type OrgNode struct {
	OrgID        string
	OrgName      string
	ParentID     string
	OrgType      string // code, see TypeLabel; unknown codes are kept as sent
	DisplayOrder int
}

// DisplayOrder is display_order on the wire: documented as int, but the doc's
// own example sends the string "1", and the platform sends both.
type DisplayOrder int

// UnmarshalJSON accepts 3, "3", " 3 ", 3.0, "" and null (the last two as 0).
func (d *DisplayOrder) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*d = 0
		return nil
	}
	s := string(b)
	if len(b) > 0 && b[0] == '"' {
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
	}
	n, err := parseDisplayOrder(s)
	*d = DisplayOrder(n)
	return err
}

func parseDisplayOrder(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != math.Trunc(f) || math.Abs(f) > math.MaxInt32 {
			return 0, fmt.Errorf("display_order %q is not an integer", s)
		}
		n = int(f)
	}
	return n, nil
}

// OrgChildList lists the departments of an organisation below a node. It is
// a read, so it is retried after timeouts and 5xx. An unknown org comes back
// as an *upstream.APIError with the platform's code (100001) and message.
func (c *Client) OrgChildList(ctx context.Context, req OrgChildListRequest) ([]OrgNode, error) {
	q := url.Values{}
	if req.OrgID != "" {
		q.Set("org_id", req.OrgID)
	}
	if req.ParentID != "" {
		q.Set("parent_id", req.ParentID)
	}
	q.Set("is_all", "0")
	if req.All {
		q.Set("is_all", "1")
	}
	var out []OrgNode
	err := c.up.Do(ctx, upstream.Call{
		Op: "get-org-child-list", Method: http.MethodGet, Path: PathOrgChildList, Query: q, Idempotent: true,
		Decode: func(status int, body []byte) error {
			env, nodes, err := decodeOrgAnswer(body)
			if err != nil {
				if status/100 != 2 {
					return &upstream.APIError{Kind: upstream.KindHTTP, HTTPStatus: status}
				}
				return &upstream.APIError{Kind: upstream.KindMalformed, HTTPStatus: status,
					Err: fmt.Errorf("the answer is not the documented org list: %w", err)}
			}
			if err := env.check(status); err != nil {
				return err
			}
			out = nodes
			return nil
		},
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Org type codes as documented (部门类型).
const (
	OrgTypeInstitution = "1"  // 机构
	OrgTypeSchool      = "2"  // 学校
	OrgTypeCampus      = "3"  // 校区
	OrgTypeDepartment  = "4"  // 部门
	OrgTypeStage       = "5"  // 学段
	OrgTypeGrade       = "6"  // 年级
	OrgTypeClass       = "7"  // 班级
	OrgTypeEnterprise  = "8"  // 企业机构
	OrgTypeStudio      = "9"  // 教学工作室
	OrgTypePlatform    = "10" // 平台
)

// OrgTypeCodes lists the documented codes in order, for legends and filters.
func OrgTypeCodes() []string {
	return []string{OrgTypeInstitution, OrgTypeSchool, OrgTypeCampus, OrgTypeDepartment, OrgTypeStage,
		OrgTypeGrade, OrgTypeClass, OrgTypeEnterprise, OrgTypeStudio, OrgTypePlatform}
}

// TypeLabel is the label of an org_type code: Chinese unless lang starts with
// "en". An unknown code is shown as its raw value, never hidden.
func TypeLabel(code, lang string) string {
	zh, en, ok := typeLabels(code)
	if !ok {
		return code
	}
	if strings.HasPrefix(strings.ToLower(lang), "en") {
		return en
	}
	return zh
}

// KnownType reports whether code is one of the documented org types.
func KnownType(code string) bool {
	_, _, ok := typeLabels(code)
	return ok
}

func typeLabels(code string) (zh, en string, ok bool) {
	switch code {
	case OrgTypeInstitution:
		return "机构", "Institution", true
	case OrgTypeSchool:
		return "学校", "School", true
	case OrgTypeCampus:
		return "校区", "Campus", true
	case OrgTypeDepartment:
		return "部门", "Department", true
	case OrgTypeStage:
		return "学段", "School stage", true
	case OrgTypeGrade:
		return "年级", "Grade", true
	case OrgTypeClass:
		return "班级", "Class", true
	case OrgTypeEnterprise:
		return "企业机构", "Enterprise", true
	case OrgTypeStudio:
		return "教学工作室", "Teaching studio", true
	case OrgTypePlatform:
		return "平台", "Platform", true
	}
	return "", "", false
}
