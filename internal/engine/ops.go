package engine

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
)

// ErrNotFound: no onboarding has this workflow ID.
var ErrNotFound = errors.New("no such onboarding")

// ErrFinished: the onboarding has ended, so it takes no more decisions or changes.
var ErrFinished = errors.New("the onboarding has finished")

// ErrIDTaken: a running workflow that is not an onboarding holds the merchant's onboarding
// ID, so the onboarding cannot start (and the other workflow is not answered as if it were it).
var ErrIDTaken = errors.New("this merchant's onboarding cannot start: its workflow ID is in use by something other than an onboarding; ask an operator")

// RejectedError is a request the onboarding refused (its update validator said no). Nothing
// was written to the onboarding's history.
type RejectedError struct{ Reason string }

func (e *RejectedError) Error() string { return "rejected: " + e.Reason }

// Operations an idempotency key is scoped to.
const (
	OpDecide   = "decide"
	OpExtend   = "extend"
	OpBankData = "bank-data"
)

// UpdateID is the Temporal update ID of a request with an idempotency key: a digest of who
// asked (the agent), what for (OpDecide, OpExtend), on which onboarding, and the key. The
// server answers an update ID it has seen with that update's cached result, so the key as
// given would let another caller's request, or a request for another operation, receive an
// answer that was never its own. An empty key stays empty (the SDK makes a fresh ID: no
// idempotency asked for).
func UpdateID(caller, op, workflowID, key string) string {
	if key == "" {
		return ""
	}
	h := sha256.New()
	for _, part := range []string{"onboarding-update-v1", caller, op, workflowID, key} {
		// Length-prefixed, so no two tuples run together into the same bytes.
		fmt.Fprintf(h, "%d:%s;", len(part), part)
	}
	return op + "-" + base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

// Decide sends an agent's decision through the decide update and waits for its answer.
// requestID makes a retried request idempotent (empty: a new id); it is scoped to d.Agent,
// the operation and the onboarding (UpdateID).
func (e *Engine) Decide(ctx context.Context, workflowID, requestID string, d api.Decision) (*api.DecideResult, error) {
	var res api.DecideResult
	if err := e.update(ctx, workflowID, UpdateID(d.Agent, OpDecide, workflowID, requestID), api.UpdateDecide, d, &res); err != nil {
		return nil, err
	}
	return &res, nil
}

// ExtendDeadline sends the extend-deadline update and returns the status it answers with.
// requestID is scoped like Decide's, to ch.By.
func (e *Engine) ExtendDeadline(ctx context.Context, workflowID, requestID string, ch api.DeadlineChange) (*api.Status, error) {
	if err := api.ValidateDeadlineChange(ch, time.Now()); err != nil {
		return nil, err
	}
	var st api.Status
	if err := e.update(ctx, workflowID, UpdateID(ch.By, OpExtend, workflowID, requestID), api.UpdateExtendDeadline, ch, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// SupplyBankData hands the onboarding the merchant's bank data, stored already (u names it);
// the workflow refuses it when its credit analysis no longer waits for it (RejectedError).
func (e *Engine) SupplyBankData(ctx context.Context, workflowID, requestID string, u api.BankDataUpload) (*api.BankDataStatus, error) {
	var st api.BankDataStatus
	if err := e.update(ctx, workflowID, UpdateID(u.By, OpBankData, workflowID, requestID), api.UpdateSupplyBankData, u, &st); err != nil {
		return nil, err
	}
	return &st, nil
}

// update sends an update to the onboarding's current run, once onboarding has said that the
// workflow is one.
func (e *Engine) update(ctx context.Context, workflowID, updateID, name string, arg, out any) error {
	runID, err := e.runningOnboarding(ctx, workflowID)
	if err != nil {
		return err
	}
	h, err := e.Client.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID:   workflowID,
		RunID:        runID,
		UpdateID:     updateID,
		UpdateName:   name,
		Args:         []any{arg},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err == nil {
		err = h.Get(ctx, out)
	}
	if err == nil {
		return nil
	}
	var app *temporal.ApplicationError
	if errors.As(err, &app) {
		return &RejectedError{Reason: app.Message()}
	}
	return e.classify(ctx, workflowID, name, err)
}

// Cancel asks the onboarding to stop. The workflow archives the KYC case, tells the app and
// ends CANCELLED; Cancel returns once the request is recorded, not when that is done.
func (e *Engine) Cancel(ctx context.Context, workflowID, reason, by string) error {
	d, err := e.onboarding(ctx, workflowID)
	if err != nil {
		return err
	}
	// An onboarding with an outcome is only finishing its paperwork; a cancellation would
	// change nothing, so say it has finished.
	info := d.GetWorkflowExecutionInfo()
	if info.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING ||
		keyword(info.GetSearchAttributes().GetIndexedFields(), api.SAStage.GetName()) == string(api.StageFinished) {
		return ErrFinished
	}
	_, err = e.Client.WorkflowService().RequestCancelWorkflowExecution(ctx, &workflowservice.RequestCancelWorkflowExecutionRequest{
		Namespace:         e.Namespace,
		WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: workflowID, RunId: info.GetExecution().GetRunId()},
		Identity:          by,
		Reason:            reason,
	})
	if err == nil {
		return nil
	}
	return e.classify(ctx, workflowID, "cancel", err)
}

// onboarding describes the workflow with the ID and returns it when it is an onboarding
// (type OnboardMerchant). No workflow with the ID and a workflow of another type are the
// same ErrNotFound, so an answer never tells which workflows exist. Callers act on the run
// this returns (its run ID), not on whatever holds the ID by the time they act.
func (e *Engine) onboarding(ctx context.Context, workflowID string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	d, err := e.Client.DescribeWorkflowExecution(ctx, workflowID, "")
	var nf *serviceerror.NotFound
	switch {
	case errors.As(err, &nf):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("describe %s: %w", workflowID, err)
	case d.GetWorkflowExecutionInfo().GetType().GetName() != api.OnboardMerchantType:
		return nil, ErrNotFound
	}
	return d, nil
}

// runningOnboarding is onboarding for the operations that need a running one: the run ID,
// or ErrFinished.
func (e *Engine) runningOnboarding(ctx context.Context, workflowID string) (string, error) {
	d, err := e.onboarding(ctx, workflowID)
	if err != nil {
		return "", err
	}
	if d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", ErrFinished
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId(), nil
}

// classify turns "not found" into ErrNotFound or ErrFinished: the server says not found for
// both, and callers answer them differently.
func (e *Engine) classify(ctx context.Context, workflowID, op string, err error) error {
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) && !strings.Contains(err.Error(), "already completed") {
		return fmt.Errorf("%s %s: %w", op, workflowID, err)
	}
	d, derr := e.Client.DescribeWorkflowExecution(ctx, workflowID, "")
	if derr == nil && d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return ErrFinished
	}
	if derr != nil && errors.As(derr, &nf) {
		return ErrNotFound
	}
	return fmt.Errorf("%s %s: %w", op, workflowID, err)
}

// ListFilter selects onboardings from visibility. Empty fields do not filter.
type ListFilter struct {
	Stage   string // one of the api.Stage values
	Outcome string // one of the api.Outcome values
	Country string
	// RiskLevel is LOW, MEDIUM or HIGH (the RiskLevel search attribute).
	RiskLevel string
	// PageSize is at most 1000 (default 50); PageToken continues a previous page.
	PageSize  int
	PageToken string
}

// Summary is one onboarding as visibility knows it (no query, so it is cheap for many).
type Summary struct {
	WorkflowID string     `json:"workflowId"`
	RunID      string     `json:"runId"`
	Status     string     `json:"status"` // Running, Completed, Failed, Canceled, Terminated, ...
	Stage      string     `json:"stage,omitempty"`
	Outcome    string     `json:"outcome,omitempty"`
	Country    string     `json:"country,omitempty"`
	OrgNumber  string     `json:"orgNumber,omitempty"`
	CaseID     string     `json:"caseId,omitempty"`
	RiskLevel  string     `json:"riskLevel,omitempty"`
	StartedAt  time.Time  `json:"startedAt"`
	ClosedAt   *time.Time `json:"closedAt,omitempty"`
}

// Page is one page of a list; NextPageToken is empty on the last page.
type Page struct {
	Onboardings   []Summary `json:"onboardings"`
	NextPageToken string    `json:"nextPageToken,omitempty"`
}

var (
	stages   = []api.Stage{api.StageStarting, api.StageCreatingCase, api.StageAwaitingDeclaration, api.StageAwaitingSignature, api.StageEvaluating, api.StageAwaitingReview, api.StageFinished}
	outcomes = []api.Outcome{api.OutcomeApproved, api.OutcomeDeclined, api.OutcomeExpired, api.OutcomeCancelled, api.OutcomeFailed}
)

// Query builds the visibility query of f, or an *api.ValidationError. Values are checked against
// the known stages, outcomes and countries, so nothing a caller sends reaches the query text
// unchecked.
func (f ListFilter) Query() (string, error) {
	v := &api.ValidationError{}
	parts := []string{"WorkflowType = '" + api.OnboardMerchantType + "'"}
	if f.Stage != "" {
		if !slices.Contains(stages, api.Stage(f.Stage)) {
			v.Add("stage", "must be one of "+joinStrings(stages))
		}
		parts = append(parts, fmt.Sprintf("%s = '%s'", api.SAStage.GetName(), f.Stage))
	}
	if f.Outcome != "" {
		if !slices.Contains(outcomes, api.Outcome(f.Outcome)) {
			v.Add("outcome", "must be one of "+joinStrings(outcomes))
		}
		parts = append(parts, fmt.Sprintf("%s = '%s'", api.SAOutcome.GetName(), f.Outcome))
	}
	if f.Country != "" {
		if !api.IsCountry(f.Country) {
			v.Add("country", "must be one of NO, SE, DK, FI")
		}
		parts = append(parts, fmt.Sprintf("%s = '%s'", api.SACountry.GetName(), f.Country))
	}
	if f.RiskLevel != "" {
		if !slices.Contains([]string{"LOW", "MEDIUM", "HIGH"}, f.RiskLevel) {
			v.Add("riskLevel", "must be one of LOW, MEDIUM, HIGH")
		}
		parts = append(parts, fmt.Sprintf("%s = '%s'", api.SARiskLevel.GetName(), f.RiskLevel))
	}
	if f.PageSize < 0 || f.PageSize > 1000 {
		v.Add("pageSize", "must be between 1 and 1000")
	}
	if _, err := base64.RawURLEncoding.DecodeString(f.PageToken); err != nil {
		v.Add("pageToken", "is not a token from a previous page")
	}
	if err := v.OrNil(); err != nil {
		return "", err
	}
	return strings.Join(parts, " AND "), nil
}

func joinStrings[S ~string](vs []S) string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return strings.Join(out, ", ")
}

// List reads one page of onboardings from visibility (running ones first, then newest).
func (e *Engine) List(ctx context.Context, f ListFilter) (*Page, error) {
	q, err := f.Query()
	if err != nil {
		return nil, err
	}
	size := f.PageSize
	if size == 0 {
		size = 50
	}
	token, _ := base64.RawURLEncoding.DecodeString(f.PageToken)
	resp, err := e.Client.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
		Namespace:     e.Namespace,
		PageSize:      int32(size),
		NextPageToken: token,
		Query:         q,
	})
	if err != nil {
		var inv *serviceerror.InvalidArgument
		if errors.As(err, &inv) && f.PageToken != "" {
			v := &api.ValidationError{}
			v.Add("pageToken", "is not a token from a previous page")
			return nil, v
		}
		return nil, fmt.Errorf("list onboardings: %w", err)
	}
	page := &Page{Onboardings: []Summary{}, NextPageToken: base64.RawURLEncoding.EncodeToString(resp.GetNextPageToken())}
	for _, e := range resp.GetExecutions() {
		s := Summary{
			WorkflowID: e.GetExecution().GetWorkflowId(),
			RunID:      e.GetExecution().GetRunId(),
			Status:     statusName(e.GetStatus()),
			StartedAt:  e.GetStartTime().AsTime(),
		}
		if ct := e.GetCloseTime(); ct != nil && e.GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			t := ct.AsTime()
			s.ClosedAt = &t
		}
		fields := e.GetSearchAttributes().GetIndexedFields()
		s.Stage = keyword(fields, api.SAStage.GetName())
		s.Outcome = keyword(fields, api.SAOutcome.GetName())
		s.Country = keyword(fields, api.SACountry.GetName())
		s.OrgNumber = keyword(fields, api.SAOrgNumber.GetName())
		s.CaseID = keyword(fields, api.SAKycCaseID.GetName())
		s.RiskLevel = keyword(fields, api.SARiskLevel.GetName())
		page.Onboardings = append(page.Onboardings, s)
	}
	return page, nil
}

// keyword decodes a Keyword search attribute. Search attributes are never encrypted by the
// payload codec (the server indexes them), so the default converter reads them.
func keyword(fields map[string]*commonpb.Payload, name string) string {
	p, ok := fields[name]
	if !ok {
		return ""
	}
	var s string
	if err := converter.GetDefaultDataConverter().FromPayload(p, &s); err != nil {
		return ""
	}
	return s
}

func statusName(s enumspb.WorkflowExecutionStatus) string {
	name := strings.TrimPrefix(s.String(), "WORKFLOW_EXECUTION_STATUS_")
	if name == "" {
		return ""
	}
	return name[:1] + strings.ToLower(name[1:])
}
