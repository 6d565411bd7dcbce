package cards

import (
	"encoding/json"
	"fmt"

	"github.com/orgconsole/console/internal/clients/chengxun"
	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
)

// Plan is a push as confirmed by the user: where the data goes and what it is.
// The confirmation page and the stored job are both built from it, so what
// the page shows is what is sent.
type Plan struct {
	TemplateID   string
	TemplateName string
	Target       string // forms.TargetOrg, TargetAccounts or TargetDiff
	EnterpriseID string
	ShowOnAll    bool
	Card         Card     // org and accounts targets
	AccountIDs   []string // accounts target: valid, de-duplicated
	Entries      []Entry  // diff target: one per account
}

// Type is the card type pushed.
func (p Plan) Type() chengxun.CardType {
	if p.Target == forms.TargetDiff && len(p.Entries) > 0 {
		return p.Entries[0].Card.Type
	}
	return p.Card.Type
}

// Accounts is the number of accounts the push reaches (0 for an organisation).
func (p Plan) Accounts() int {
	switch p.Target {
	case forms.TargetAccounts:
		return len(p.AccountIDs)
	case forms.TargetDiff:
		return len(p.Entries)
	}
	return 0
}

// Calls is the number of upstream calls the push makes.
func (p Plan) Calls() int {
	if p.Target == forms.TargetOrg {
		return 1
	}
	return (p.Accounts() + chengxun.MaxAccountsPerCall - 1) / chengxun.MaxAccountsPerCall
}

// Job is the stored job and its calls (not yet saved).
func (p Plan) Job(key, createdBy string) (store.PushJob, []store.PushCall, error) {
	j := store.PushJob{
		IdempotencyKey: key, CreatedBy: createdBy, TemplateID: p.TemplateID, TemplateName: p.TemplateName,
		CardType: string(p.Type()), Target: p.Target, EnterpriseID: p.EnterpriseID, ShowOnAll: p.ShowOnAll,
		TotalAccounts: p.Accounts(),
	}
	var calls []store.PushCall
	switch p.Target {
	case forms.TargetOrg:
		if p.EnterpriseID == "" {
			return j, nil, fmt.Errorf("cards: organisation push without enterprise_id")
		}
		j.DataJSON = p.Card.marshal()
		calls = []store.PushCall{{}}
	case forms.TargetAccounts:
		j.DataJSON = p.Card.marshal()
		for _, ids := range forms.Batches(p.AccountIDs, chengxun.MaxAccountsPerCall) {
			calls = append(calls, store.PushCall{AccountIDs: ids})
		}
	case forms.TargetDiff:
		for _, batch := range forms.Batches(p.Entries, chengxun.MaxAccountsPerCall) {
			ids := make([]string, len(batch))
			for i, e := range batch {
				ids[i] = e.AccountID
			}
			b, err := json.Marshal(batch)
			if err != nil {
				return j, nil, err
			}
			calls = append(calls, store.PushCall{AccountIDs: ids, Payload: string(b)})
		}
	default:
		return j, nil, fmt.Errorf("cards: unknown target %q", p.Target)
	}
	if p.Target != forms.TargetOrg && !p.ShowOnAll && p.EnterpriseID == "" {
		return j, nil, fmt.Errorf("cards: enterprise_id required unless show_on_all_enterprise")
	}
	if len(calls) == 0 {
		return j, nil, fmt.Errorf("cards: push without accounts")
	}
	return j, calls, nil
}

// FirstCall is the path and exact JSON body of the push's first upstream call.
func (p Plan) FirstCall() (path string, body []byte, err error) {
	j, calls, err := p.Job("preview", "")
	if err != nil {
		return "", nil, err
	}
	return CallRequest(j, calls[0])
}

// CallRequest is the path and exact JSON body of a stored call: what the
// card-call job will send (the approval page shows it).
func CallRequest(j store.PushJob, c store.PushCall) (path string, body []byte, err error) {
	req, err := requestFor(j, c)
	if err != nil {
		return "", nil, err
	}
	body, err = json.Marshal(req.body)
	return req.path, body, err
}

// request is one upstream call of a job, ready to send.
type request struct {
	path string
	body any // chengxun.OrgDataRequest, SameDataRequest or DiffDataRequest
}

// requestFor rebuilds a call's request from what the store holds.
func requestFor(j store.PushJob, c store.PushCall) (request, error) {
	switch j.Target {
	case forms.TargetOrg, forms.TargetAccounts:
		card, err := parseCard(j.DataJSON)
		if err != nil {
			return request{}, err
		}
		if j.Target == forms.TargetOrg {
			return request{chengxun.PathSetOrgData, chengxun.OrgDataRequest{EnterpriseID: j.EnterpriseID, Data: card.Data()}}, nil
		}
		return request{chengxun.PathBatchSetSameData, chengxun.SameDataRequest{
			EnterpriseID: j.EnterpriseID, ShowOnAllEnterprise: j.ShowOnAll, AccountIDs: c.AccountIDs, Data: card.Data(),
		}}, nil
	case forms.TargetDiff:
		entries, err := entriesOf(c)
		if err != nil {
			return request{}, err
		}
		r := chengxun.DiffDataRequest{EnterpriseID: j.EnterpriseID, ShowOnAllEnterprise: j.ShowOnAll,
			Type: chengxun.CardType(j.CardType), Entries: make([]chengxun.AccountCardData, len(entries))}
		for i, e := range entries {
			r.Entries[i] = chengxun.AccountCardData{AccountID: e.AccountID, Data: e.Card.Data()}
		}
		return request{chengxun.PathBatchSetDiffData, r}, nil
	}
	return request{}, fmt.Errorf("cards: unknown target %q", j.Target)
}
