package activities

import "context"

// FloorInput is the no-op activity's input: Seq numbers the call within its floor run.
type FloorInput struct {
	Seq int `json:"seq"`
}

// FloorResult echoes the call's number.
type FloorResult struct {
	Seq int `json:"seq"`
}

// FloorNoop does nothing and returns at once. It is the activity of the BenchFloor workflow,
// the baseline `make bench` measures the onboarding against: what Temporal and the worker
// cost for one activity, with no provider behind it.
func (a *Activities) FloorNoop(_ context.Context, in FloorInput) (*FloorResult, error) {
	return &FloorResult{Seq: in.Seq}, nil
}
