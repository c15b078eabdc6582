package main

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/stackrun"
)

// blockedAttr is the search attribute (KeywordList) an onboarding carries while it is
// blocked on a provider, naming the blocked providers; the workflow clears it when it
// resumes. The harness only reads it, to report how many onboardings were blocked: a server
// without it registered skips the count with a note and fails nothing.
const blockedAttr = "ProviderBlocked"

// blockedEvery is how often visibility is sampled; an onboarding blocked for less is missed.
const blockedEvery = 2 * time.Second

// blockedWatch is what the samples saw.
type blockedWatch struct {
	mu      sync.Mutex
	skipped string                     // why nothing was counted; empty while counting
	seen    map[string]map[string]bool // workflow ID -> providers it was seen blocked on
	last    map[string][]string        // the latest sample: workflow ID -> providers
}

// watchBlocked samples, every blockedEvery until ctx ends, the onboardings of the task queue
// whose blockedAttr is set, and records them in w.
func (h *harness) watchBlocked(ctx context.Context, tc client.Client, w *blockedWatch) {
	w.mu.Lock()
	w.seen, w.last = map[string]map[string]bool{}, map[string][]string{}
	w.mu.Unlock()
	skip := func(format string, args ...any) {
		w.mu.Lock()
		defer w.mu.Unlock()
		w.skipped = fmt.Sprintf(format, args...)
	}
	// Registered? Asked until Temporal answers: it may be down for the temporal-restart
	// scenario.
	for {
		resp, err := tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: stackrun.Namespace})
		if err == nil {
			if _, ok := resp.GetCustomAttributes()[blockedAttr]; !ok {
				skip("blocked onboardings not counted: search attribute %s is not registered on the server", blockedAttr)
				return
			}
			break
		}
		if !pause(ctx, blockedEvery) {
			skip("blocked onboardings not counted: Temporal did not say whether %s is registered: %v", blockedAttr, err)
			return
		}
	}
	for {
		now, err := sampleBlocked(ctx, tc, h.stack.TaskQueue)
		var invalid *serviceerror.InvalidArgument
		if errors.As(err, &invalid) {
			skip("blocked onboardings not counted: visibility refused the query on %s: %v", blockedAttr, err)
			return
		}
		if err == nil {
			w.mu.Lock()
			w.last = now
			for id, providers := range now {
				if w.seen[id] == nil {
					w.seen[id] = map[string]bool{}
				}
				for _, p := range providers {
					w.seen[id][p] = true
				}
			}
			w.mu.Unlock()
		}
		if !pause(ctx, blockedEvery) {
			return
		}
	}
}

// sampleBlocked lists the onboardings of taskQueue with blockedAttr set, with its values.
func sampleBlocked(ctx context.Context, tc client.Client, taskQueue string) (map[string][]string, error) {
	query := fmt.Sprintf(`WorkflowType = "%s" AND %s IS NOT NULL AND TaskQueue = "%s"`, api.OnboardMerchantType, blockedAttr, taskQueue)
	out := map[string][]string{}
	var token []byte
	for {
		resp, err := tc.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: query, PageSize: 1000, NextPageToken: token})
		if err != nil {
			return nil, err
		}
		for _, e := range resp.GetExecutions() {
			out[e.GetExecution().GetWorkflowId()] = keywords(e.GetSearchAttributes().GetIndexedFields()[blockedAttr])
		}
		token = resp.GetNextPageToken()
		if len(token) == 0 {
			return out, nil
		}
	}
}

// keywords decodes a KeywordList search attribute (or a single Keyword); unreadable values
// count as one unnamed provider, so the onboarding is still counted.
func keywords(p *commonpb.Payload) []string {
	dc := converter.GetDefaultDataConverter()
	var list []string
	if err := dc.FromPayload(p, &list); err == nil {
		return list
	}
	var one string
	if err := dc.FromPayload(p, &one); err == nil {
		return []string{one}
	}
	return []string{"?"}
}

// report fills res.Blocked and res.BlockedBy, or notes why there is no count.
func (w *blockedWatch) report(res *result) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.skipped != "" {
		res.Blocked = -1
		res.Notes = append(res.Notes, w.skipped)
		return
	}
	res.Blocked = len(w.seen)
	if len(w.seen) == 0 {
		return
	}
	res.BlockedBy = map[string]int{}
	for _, providers := range w.seen {
		for p := range providers {
			res.BlockedBy[p]++
		}
	}
	var by []string
	for p, n := range res.BlockedBy {
		by = append(by, fmt.Sprintf("%s=%d", p, n))
	}
	sort.Strings(by)
	res.Notes = append(res.Notes, fmt.Sprintf("%d onboardings seen blocked (sampled every %s), by provider: %s",
		res.Blocked, blockedEvery, strings.Join(by, " ")))
}

// blockedOn returns the providers id was blocked on in the latest sample, if any.
func (w *blockedWatch) blockedOn(id string) []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.last[id]
}
