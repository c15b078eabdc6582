package quickr

import (
	"context"
	"net/http"
	"net/url"

	"github.com/merchantflow/onboarding/providers"
)

// Note sections the engine writes (the seed's NoteSection enum has more).
const (
	NoteSectionAll          = "all_sections"
	NoteSectionCaseApproved = "case_approved"
	NoteSectionCaseDeclined = "case_declined"
	NoteSectionAutomation   = "automation"
)

// Change is one field change in a changeset.
type Change struct {
	Field    string `json:"field"`
	OldValue string `json:"old_value"`
	NewValue string `json:"new_value"`
}

// Changeset is an entry of a note's agent_edits_changeset or automation_action_changeset.
type Changeset struct {
	ID      string   `json:"id"`
	Section string   `json:"section,omitempty"`
	Type    string   `json:"type"`
	Changes []Change `json:"changes"`
}

// Note is a case note. For CreateNote only Body (required), Section, Attachments and
// AutomationActionChangeset are sent; the changeset is not in the seed's create body and
// the sandbox accepts it as an extension (a real Quickr may ignore it).
type Note struct {
	Object                    string       `json:"object,omitempty"`
	ID                        string       `json:"id,omitempty"`
	AccountID                 string       `json:"account_id,omitempty"`
	CreatedBy                 string       `json:"created_by,omitempty"`
	CreatedAt                 string       `json:"created_at,omitempty"`
	UpdatedBy                 string       `json:"updated_by,omitempty"`
	UpdatedAt                 string       `json:"updated_at,omitempty"`
	Body                      string       `json:"body"`
	Section                   string       `json:"section,omitempty"`
	Attachments               []Attachment `json:"attachments,omitempty"`
	AgentEditsChangeset       []Changeset  `json:"agent_edits_changeset,omitempty"`
	AutomationActionChangeset []Changeset  `json:"automation_action_changeset,omitempty"`
}

// NoteList is a page of notes.
type NoteList struct {
	Data       []Note     `json:"data"`
	Pagination Pagination `json:"pagination"`
}

type noteCreate struct {
	Body                      string       `json:"body"`
	Section                   string       `json:"section,omitempty"`
	Attachments               []Attachment `json:"attachments,omitempty"`
	AutomationActionChangeset []Changeset  `json:"automation_action_changeset,omitempty"`
}

// CreateNote adds a note to a case (POST /cases/{cid}/notes).
func (c *Client) CreateNote(ctx context.Context, caseID string, n Note) (*Note, error) {
	const op = "create note"
	if err := required(op, "case id", caseID, "note body", n.Body); err != nil {
		return nil, err
	}
	var out Note
	u := c.url("/cases/" + url.PathEscape(caseID) + "/notes")
	body := noteCreate{Body: n.Body, Section: n.Section, Attachments: n.Attachments, AutomationActionChangeset: n.AutomationActionChangeset}
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodPost, URL: u, Body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListNotes returns one page of a case's notes (GET /cases/{cid}/notes).
func (c *Client) ListNotes(ctx context.Context, caseID string, p PageParams) (*NoteList, error) {
	const op = "list notes"
	if err := required(op, "case id", caseID); err != nil {
		return nil, err
	}
	var out NoteList
	u := c.url("/cases/"+url.PathEscape(caseID)+"/notes") + p.query(nil)
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodGet, URL: u}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
