package stackrun

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
)

// temporalHealthy checks that the frontend answers and the namespace exists.
func (s *Stack) temporalHealthy(ctx context.Context) error {
	c, err := s.Dial(ctx, client.Options{})
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.WorkflowService().DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: Namespace})
	return err
}

// workerPolling checks that this run of the worker (identified by the SDK's default
// identity, "<pid>@<host>") polls the task queue for workflow and activity tasks.
func (s *Stack) workerPolling(p *Proc) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		c, err := s.Client(ctx)
		if err != nil {
			return err
		}
		prefix := strconv.Itoa(p.PID()) + "@"
		for _, tqType := range []enumspb.TaskQueueType{enumspb.TASK_QUEUE_TYPE_WORKFLOW, enumspb.TASK_QUEUE_TYPE_ACTIVITY} {
			resp, err := c.DescribeTaskQueue(ctx, s.TaskQueue, tqType)
			if err != nil {
				return err
			}
			found := false
			for _, poller := range resp.GetPollers() {
				if strings.HasPrefix(poller.GetIdentity(), prefix) {
					found = true
				}
			}
			if !found {
				return fmt.Errorf("no %s poller with identity %s* on %s", tqType, prefix, s.TaskQueue)
			}
		}
		return nil
	}
}

// httpHealthy checks that GET url answers 200.
func httpHealthy(url string) func(ctx context.Context) error {
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
		}
		return nil
	}
}
