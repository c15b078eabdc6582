package engine

import "github.com/merchantflow/onboarding/api"

// The input checks are api's (api.ValidateInput, api.ValidateDeadlineChange): one validator
// for every client. Their error types are named here as well, for the engine's callers.
type (
	// FieldError is one problem with one input field, named by its JSON path.
	FieldError = api.FieldError
	// ValidationError lists every problem with an input; nothing was started or sent.
	ValidationError = api.ValidationError
)
