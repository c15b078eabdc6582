// Package engine is the client side of the onboarding workflows: start one idempotently and
// read its status. The gateway and the starter both use it, so there is one way to do each.
package engine

import (
	"context"
	"fmt"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
)

// Engine is a Temporal client bound to the onboardings' namespace and task queue.
type Engine struct {
	Client    client.Client
	Namespace string
	TaskQueue string
	// Converter decodes payloads the engine reads from histories (Notes); nil means the
	// default converter. Set it to the client's own (the encrypting one).
	Converter converter.DataConverter
}

// New returns the engine over c.
func New(c client.Client, namespace, taskQueue string) *Engine {
	return &Engine{Client: c, Namespace: namespace, TaskQueue: taskQueue}
}

// Started tells which onboarding a start refers to.
type Started struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	// Existing is true when an onboarding for this merchant was already running.
	Existing bool `json:"existing"`
}

// StartOptions are for harnesses (tests, bench, chaos); callers of the API take the zero value.
type StartOptions struct {
	// IDSuffix is appended to the workflow ID (":" + suffix), for the bench's many
	// onboardings of one test company. Such an ID names a run of the bench, never a merchant,
	// so it is not looked up before the start: the bench measures the onboarding.
	IDSuffix string
	// Timescale is api.CompressedTime for harnesses that play weeks in minutes.
	Timescale api.Timescale
}

// Start starts the merchant's onboarding, or returns the one already running for the same
// business key (USE_EXISTING): two starts never make twins. It is StartWith without options.
func (e *Engine) Start(ctx context.Context, in api.OnboardingInput) (*Started, error) {
	return e.StartWith(ctx, in, StartOptions{})
}

// StartWith is the one way an onboarding starts, whoever asks (gateway, starter, bench,
// chaos, tests): the input is normalized and checked (api.PrepareStart; a bad one is a
// *api.ValidationError naming every field, and nothing starts), its policy resolved, and the
// workflow started under the merchant's ID with the options every onboarding has.
func (e *Engine) StartWith(ctx context.Context, in api.OnboardingInput, o StartOptions) (*Started, error) {
	in, id, err := api.PrepareStart(in, o.Timescale)
	if err != nil {
		return nil, err
	}
	existing := false
	if o.IDSuffix != "" {
		id += ":" + o.IDSuffix
	} else {
		for _, earlier := range api.EarlierWorkflowIDs(in) {
			runID, held, err := e.runningStart(ctx, earlier)
			if err != nil {
				return nil, err
			}
			if held {
				return &Started{WorkflowID: earlier, RunID: runID, Existing: true}, nil
			}
		}
		if _, existing, err = e.runningStart(ctx, id); err != nil {
			return nil, err
		}
	}
	run, err := e.Client.ExecuteWorkflow(ctx, workflowOptions(id, e.TaskQueue, in), api.OnboardMerchantType, in)
	if err != nil {
		return nil, fmt.Errorf("start onboarding %s: %w", id, err)
	}
	return &Started{WorkflowID: run.GetID(), RunID: run.GetRunID(), Existing: existing}, nil
}

// runningStart reports whether an onboarding is running under id, and its run. USE_EXISTING is
// what prevents twins; this look-up only labels the answer (two starts racing may both be
// labelled new, but only one onboarding runs). USE_EXISTING would also hand back a running
// workflow of another type that holds the ID, as if it were this merchant's onboarding; that
// is ErrIDTaken instead. (One started between this look-up and the start is not caught;
// onboarding IDs are not for other workflows.)
func (e *Engine) runningStart(ctx context.Context, id string) (runID string, held bool, err error) {
	d, err := e.Client.DescribeWorkflowExecution(ctx, id, "")
	if err != nil || d.GetWorkflowExecutionInfo().GetStatus() != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		return "", false, nil
	}
	if d.GetWorkflowExecutionInfo().GetType().GetName() != api.OnboardMerchantType {
		return "", false, ErrIDTaken
	}
	return d.GetWorkflowExecutionInfo().GetExecution().GetRunId(), true, nil
}

// workflowOptions are the options every onboarding starts with: the conflict policy that
// prevents twins, a summary naming the merchant, and the search attributes ops filter on
// before the first workflow task runs.
func workflowOptions(id, taskQueue string, in api.OnboardingInput) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            summary(in),
		TypedSearchAttributes: temporal.NewSearchAttributes(
			api.SACountry.ValueSet(in.Company.Country),
			api.SAOrgNumber.ValueSet(in.Company.OrgNumber),
			// The workflow's first stage: it needs no upsert (a billable action) to say so.
			api.SAStage.ValueSet(string(api.StageCreatingCase)),
		),
	}
}

func summary(in api.OnboardingInput) string {
	name := in.Company.Name
	if name == "" {
		name = "company"
	}
	return fmt.Sprintf("Onboarding %s %s (%s)", name, in.Company.OrgNumber, in.Company.Country)
}

// Status queries the onboarding's status (ErrNotFound for a workflow of another type).
func (e *Engine) Status(ctx context.Context, workflowID string) (*api.Status, error) {
	d, err := e.onboarding(ctx, workflowID)
	if err != nil {
		return nil, err
	}
	v, err := e.Client.QueryWorkflow(ctx, workflowID, d.GetWorkflowExecutionInfo().GetExecution().GetRunId(), api.QueryStatus)
	if err != nil {
		return nil, e.classify(ctx, workflowID, "status of", err)
	}
	var st api.Status
	if err := v.Get(&st); err != nil {
		return nil, fmt.Errorf("decode status of %s: %w", workflowID, err)
	}
	if len(st.Blocked) > 0 {
		fillBlocked(d, &st)
	}
	return &st, nil
}

// fillBlocked adds to each blocked provider what only the server knows: the retrying
// activity's attempt count, its latest failure and when it last ran, from the describe the
// status was asked after.
func fillBlocked(d *workflowservice.DescribeWorkflowExecutionResponse, st *api.Status) {
	for i := range st.Blocked {
		b := &st.Blocked[i]
		for _, pa := range d.GetPendingActivities() {
			if pa.GetActivityType().GetName() != b.Activity {
				continue
			}
			b.Attempts = pa.GetAttempt()
			if f := pa.GetLastFailure(); f != nil && f.GetMessage() != "" {
				b.LastError = f.GetMessage()
			}
			if t := pa.GetLastStartedTime(); t != nil {
				at := t.AsTime()
				b.LastAttemptAt = &at
			}
		}
	}
}
