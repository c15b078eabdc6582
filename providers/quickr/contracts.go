package quickr

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/merchantflow/onboarding/providers"
)

// ActionCreateNewContractSigning is the only action the contract endpoint takes.
const ActionCreateNewContractSigning = "create_new_contract_signing"

// ContractDetails is what the contract endpoints return.
type ContractDetails struct {
	Publisher     json.RawMessage `json:"publisher,omitempty"`
	FormSubmitter *Person         `json:"form_submitter,omitempty"`
	Contracts     []ContractGroup `json:"contracts"`
}

// Summary condenses the contract entries (see SummarizeContracts).
func (d *ContractDetails) Summary(now time.Time) ContractSummary {
	return SummarizeContracts(d.Contracts, now)
}

type contractActions struct {
	Actions []string `json:"actions"`
}

// GetContract returns one contract (GET /cases/{cid}/contracts/{contract_id}).
func (c *Client) GetContract(ctx context.Context, caseID, contractID string) (*ContractDetails, error) {
	const op = "get contract"
	if err := required(op, "case id", caseID, "contract id", contractID); err != nil {
		return nil, err
	}
	var out ContractDetails
	u := c.url("/cases/" + url.PathEscape(caseID) + "/contracts/" + url.PathEscape(contractID))
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodGet, URL: u}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ReopenContract starts a new signing round on a contract that expired before everyone
// signed (POST /cases/{cid}/contracts/{contract_id} {"actions":["create_new_contract_signing"]}).
// Every signatory must sign again. Quickr refuses it for a completely signed or a closed
// contract (the sandbox answers 409).
func (c *Client) ReopenContract(ctx context.Context, caseID, contractID string) (*ContractDetails, error) {
	const op = "reopen contract"
	if err := required(op, "case id", caseID, "contract id", contractID); err != nil {
		return nil, err
	}
	return c.contractAction(ctx, op, caseID, contractID)
}

// CreateContract creates a contract for a case that has none
// (POST /cases/{cid}/contracts/new, with the same body as ReopenContract [INF]). The sandbox
// answers 409 when the case already has one.
func (c *Client) CreateContract(ctx context.Context, caseID string) (*ContractDetails, error) {
	const op = "create contract"
	if err := required(op, "case id", caseID); err != nil {
		return nil, err
	}
	return c.contractAction(ctx, op, caseID, "new")
}

func (c *Client) contractAction(ctx context.Context, op, caseID, contractID string) (*ContractDetails, error) {
	var out ContractDetails
	u := c.url("/cases/" + url.PathEscape(caseID) + "/contracts/" + url.PathEscape(contractID))
	body := contractActions{Actions: []string{ActionCreateNewContractSigning}}
	if _, err := c.do(ctx, providers.Request{Op: op, Method: http.MethodPost, URL: u, Body: body}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
