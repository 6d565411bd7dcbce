package cards

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/orgconsole/console/internal/forms"
	"github.com/orgconsole/console/internal/store"
	"github.com/orgconsole/console/internal/web"
	pages "github.com/orgconsole/console/web/templates/cards"
)

// The push wizard keeps its state in a store.PushDraft owned by the viewer:
// the editor, targets, confirmation and push steps post the draft's id and
// what the step changes, never the data of the steps before. An uploaded
// file is parsed and checked once, when it arrives; the draft keeps the
// result (ids, or rows), so later steps neither carry nor parse it again.

// errDraftGone marks a draft that is not the viewer's, expired or never
// existed; the page says so (404) without telling which.
var errDraftGone = errors.New("cards: push draft gone")

// loadDraft reads the viewer's draft id.
func (h *Handler) loadDraft(c echo.Context, id string) (store.PushDraft, error) {
	if id == "" {
		return store.PushDraft{}, errDraftGone
	}
	d, err := h.store.PushDraft(c.Request().Context(), id, web.Current(c).Viewer.ID)
	if errors.Is(err, store.ErrNotFound) {
		return d, errDraftGone
	}
	return d, err
}

// draftError renders the "draft gone" page for errDraftGone; other errors pass.
func draftError(c echo.Context, err error) error {
	if errors.Is(err, errDraftGone) {
		return web.Render(c, http.StatusNotFound, pages.DraftGone())
	}
	return err
}

// cardOf is the card a draft holds.
func cardOf(d store.PushDraft) (pages.Draft, error) {
	out := pages.Draft{ID: d.ID, TemplateID: d.TemplateID, TemplateName: d.TemplateName, Form: forms.CardDataForm{Type: d.CardType}}
	if d.Items != "" {
		if err := json.Unmarshal([]byte(d.Items), &out.Form.Items); err != nil {
			return out, fmt.Errorf("cards: draft %s items: %w", d.ID, err)
		}
	}
	return out, nil
}

// setCard puts the card into the draft.
func setCard(d *store.PushDraft, card pages.Draft) error {
	b, err := json.Marshal(card.Form.Items)
	if err != nil {
		return err
	}
	d.TemplateID, d.TemplateName, d.CardType, d.Items = card.TemplateID, card.TemplateName, card.Form.Type, string(b)
	return nil
}

// targetOf is the targets a draft holds (accounts by default).
func targetOf(d store.PushDraft) forms.PushTargetForm {
	t := forms.PushTargetForm{Target: d.Target, EnterpriseID: d.EnterpriseID, ShowOnAllEnterprise: d.ShowOnAll, AccountIDs: d.AccountText}
	if d.AccountFileIDs != "" {
		t.FileIDs = strings.Split(d.AccountFileIDs, "\n")
	}
	if t.Target == "" {
		t.Target = forms.TargetAccounts
	}
	return t
}

// setTarget puts the targets into the draft (the uploaded ids are set with the file).
func setTarget(d *store.PushDraft, t forms.PushTargetForm) {
	d.Target, d.EnterpriseID, d.ShowOnAll, d.AccountText = t.Target, t.EnterpriseID, t.ShowOnAllEnterprise, t.AccountIDs
	switch d.Target {
	case forms.TargetOrg, forms.TargetAccounts, forms.TargetDiff:
	default:
		d.Target = "" // the table accepts the three targets only; Validate reports the rest
	}
}

// encodeRows is how a draft keeps a different-data CSV's rows: JSON, gzipped
// (account ids and cells compress well; a 10 MB file's rows stay a few MB).
func encodeRows(rows []forms.DiffRow) ([]byte, error) {
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	if err != nil {
		return nil, err
	}
	if err := json.NewEncoder(zw).Encode(rows); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func decodeRows(b []byte) ([]forms.DiffRow, error) {
	if len(b) == 0 {
		return nil, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("cards: draft rows: %w", err)
	}
	var rows []forms.DiffRow
	if err := json.NewDecoder(zr).Decode(&rows); err != nil {
		return nil, fmt.Errorf("cards: draft rows: %w", err)
	}
	return rows, nil
}

// version identifies what a draft held when a confirmation page was shown.
func version(d store.PushDraft) string { return strconv.FormatInt(d.Revision, 10) }
