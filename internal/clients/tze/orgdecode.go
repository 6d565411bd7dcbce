package tze

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"
)

// decodeOrgAnswer reads the org child list answer in one streaming pass.
// A whole organisation is ~11 MB of JSON for 100,000 nodes; encoding/json
// needs several passes over it (one per Unmarshaler level) and takes about
// three times as long, which the tree page's cold start would feel.
//
// Tolerated, as the contract asks: `result` as {count, list} or a bare array
// (json[]); display_order as a number or a string; code as a string or a
// number. Unknown keys are skipped; keys match exactly (case-sensitive).
func decodeOrgAnswer(body []byte) (envelope, []OrgNode, error) {
	var env envelope
	var nodes []OrgNode
	d := jsontext.NewDecoder(bytes.NewReader(body),
		jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if err := expect(d, '{'); err != nil {
		return env, nil, err
	}
	for d.PeekKind() != '}' {
		key, err := d.ReadToken()
		if err != nil {
			return env, nil, err
		}
		switch key.String() {
		case "code":
			s, err := scalar(d)
			if err != nil {
				return env, nil, fmt.Errorf("code: %w", err)
			}
			env.Code = codeValue(s)
		case "message":
			s, err := scalar(d)
			if err != nil {
				return env, nil, fmt.Errorf("message: %w", err)
			}
			env.Message = s
		case "result":
			if nodes, err = readResult(d); err != nil {
				return env, nil, fmt.Errorf("result: %w", err)
			}
		default:
			if err := d.SkipValue(); err != nil {
				return env, nil, err
			}
		}
	}
	if _, err := d.ReadToken(); err != nil {
		return env, nil, err
	}
	if nodes == nil {
		nodes = []OrgNode{}
	}
	return env, nodes, nil
}

func expect(d *jsontext.Decoder, kind jsontext.Kind) error {
	tok, err := d.ReadToken()
	if err != nil {
		return err
	}
	if tok.Kind() != kind {
		return fmt.Errorf("want %v, got %v", kind, tok.Kind())
	}
	return nil
}

// scalar reads a string, a number (its text) or null ("").
func scalar(d *jsontext.Decoder) (string, error) {
	tok, err := d.ReadToken()
	if err != nil {
		return "", err
	}
	switch tok.Kind() {
	case '"', '0':
		return tok.String(), nil
	case 'n':
		return "", nil
	}
	return "", fmt.Errorf("unexpected %v", tok.Kind())
}

func readResult(d *jsontext.Decoder) ([]OrgNode, error) {
	switch d.PeekKind() {
	case 'n':
		_, err := d.ReadToken()
		return nil, err
	case '[':
		return readList(d, 0)
	case '{':
	default:
		return nil, errors.New("neither a list nor {count, list}")
	}
	if _, err := d.ReadToken(); err != nil {
		return nil, err
	}
	var nodes []OrgNode
	count := 0
	for d.PeekKind() != '}' {
		key, err := d.ReadToken()
		if err != nil {
			return nil, err
		}
		switch key.String() {
		case "count":
			tok, err := d.ReadToken()
			if err != nil {
				return nil, err
			}
			// A capacity hint only. Parsed from the text: jsontext's number
			// accessors changed signature between versions.
			if n, err := strconv.Atoi(tok.String()); err == nil && tok.Kind() == '0' {
				count = min(max(n, 0), 1<<20)
			}
		case "list":
			if d.PeekKind() == 'n' {
				_, err = d.ReadToken()
			} else {
				nodes, err = readList(d, count)
			}
			if err != nil {
				return nil, err
			}
		default:
			if err := d.SkipValue(); err != nil {
				return nil, err
			}
		}
	}
	_, err := d.ReadToken()
	return nodes, err
}

func readList(d *jsontext.Decoder, hint int) ([]OrgNode, error) {
	if err := expect(d, '['); err != nil {
		return nil, err
	}
	nodes := make([]OrgNode, 0, hint)
	for d.PeekKind() != ']' {
		n, err := readNode(d)
		if err != nil {
			return nil, fmt.Errorf("node %d: %w", len(nodes), err)
		}
		nodes = append(nodes, n)
	}
	_, err := d.ReadToken()
	return nodes, err
}

func readNode(d *jsontext.Decoder) (OrgNode, error) {
	var n OrgNode
	if err := expect(d, '{'); err != nil {
		return n, err
	}
	for d.PeekKind() != '}' {
		key, err := d.ReadToken()
		if err != nil {
			return n, err
		}
		var dst *string
		switch key.String() {
		case "org_id":
			dst = &n.OrgID
		case "org_name":
			dst = &n.OrgName
		case "parent_id":
			dst = &n.ParentID
		case "org_type":
			dst = &n.OrgType
		case "display_order":
			s, err := scalar(d)
			if err != nil {
				return n, fmt.Errorf("display_order: %w", err)
			}
			if n.DisplayOrder, err = parseDisplayOrder(s); err != nil {
				return n, err
			}
			continue
		default:
			if err := d.SkipValue(); err != nil {
				return n, err
			}
			continue
		}
		// Ids are strings per the doc; a number is kept as its exact text, never via float.
		if *dst, err = scalar(d); err != nil {
			return n, fmt.Errorf("%s: %w", key.String(), err)
		}
	}
	_, err := d.ReadToken()
	return n, err
}
