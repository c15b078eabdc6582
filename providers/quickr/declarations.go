package quickr

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/merchantflow/onboarding/providers"
)

// Declaration intents for UpdateDeclaration. The seed's sequence diagram spells the finish
// intent "declarations_finished"; the reference enum (used here) says declarations_finish.
const (
	IntentDeclarationsUpdate = "declarations_update" // save a partial declaration, form stays open
	IntentDeclarationsFinish = "declarations_finish" // submit the declaration
)

// Attachment is a file attached to a declaration or note.
type Attachment struct {
	ID              string `json:"id"`
	DeclarationType string `json:"declaration_type,omitempty"`
	MimeType        string `json:"mime_type,omitempty"`
	Description     string `json:"description,omitempty"`
}

// Declaration is GET/PUT /cases/{cid}/declarations/{did}.
type Declaration struct {
	Publisher    json.RawMessage `json:"publisher,omitempty"`
	Prefills     []TypeData      `json:"prefills,omitempty"`
	Sections     []Section       `json:"sections,omitempty"`
	Declarations []TypeData      `json:"declarations"`
	Attachments  []Attachment    `json:"attachments,omitempty"`
}

// declarationUpdate is the PUT body.
type declarationUpdate struct {
	Intent       string     `json:"intent"`
	Declarations []TypeData `json:"declarations"`
}

// GetDeclaration returns a case's declaration (GET /cases/{cid}/declarations/{did}).
func (c *Client) GetDeclaration(ctx context.Context, caseID, declarationID string) (*Declaration, error) {
	const op = "get declaration"
	if err := required(op, "case id", caseID, "declaration id", declarationID); err != nil {
		return nil, err
	}
	var out Declaration
	u := c.url("/cases/" + url.PathEscape(caseID) + "/declarations/" + url.PathEscape(declarationID))
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodGet, URL: u}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateDeclaration saves (IntentDeclarationsUpdate) or submits (IntentDeclarationsFinish) the
// declaration on the merchant's behalf (PUT /cases/{cid}/declarations/{did}). Each entry
// replaces the case's declaration of the same type.
func (c *Client) UpdateDeclaration(ctx context.Context, caseID, declarationID, intent string, declarations []TypeData) (*Declaration, error) {
	const op = "update declaration"
	if err := required(op, "case id", caseID, "declaration id", declarationID, "intent", intent); err != nil {
		return nil, err
	}
	if declarations == nil {
		declarations = []TypeData{} // required by the API, may be empty
	}
	var out Declaration
	u := c.url("/cases/" + url.PathEscape(caseID) + "/declarations/" + url.PathEscape(declarationID))
	body := declarationUpdate{Intent: intent, Declarations: declarations}
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodPut, URL: u, Body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
