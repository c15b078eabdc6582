// Package openbanking is a client for the open-banking credit decisioning API: exchange the
// client id and secret for an access token, create (or find) the customer for our
// customIdentifier, upload accounts and transactions to start an analysis, and read the
// analysis until it is COMPLETED with scores and credit insights.
//
// The seed is a quick-start with its code samples stripped: paths and shapes here are the
// [SBX] conventions of providers.md §6, each noted where it is used, and responses are read
// defensively. It owns the open-banking wire types and retry guidance. The client never
// retries; failures are *providers.Error. It must not import Temporal, activities or
// workflows.
package openbanking
