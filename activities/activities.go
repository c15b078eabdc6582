package activities

import (
	"context"

	"github.com/merchantflow/onboarding/providers/quickr"
)

// QuickrAPI is the part of the Quickr client the activities use.
type QuickrAPI interface {
	CreateCase(ctx context.Context, in quickr.CaseCreate) (*quickr.Case, error)
	GetCase(ctx context.Context, caseID string) (*quickr.Case, error)
	FindCaseByReference(ctx context.Context, ref string) (*quickr.Case, error)
}

// Activities are the engine's activities. Register a pointer to it with the worker; the
// workflows call its methods through a nil *Activities (var a *Activities).
type Activities struct {
	Quickr QuickrAPI
	// QuickrCallbackURL is where Quickr sends case webhooks: the gateway's /webhooks/quickr.
	QuickrCallbackURL string
}
