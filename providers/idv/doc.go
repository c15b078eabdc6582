// Package idv is a client for the session-based identity verification API: create a session
// for the person to verify, read its state, and read the verified identity once it completes.
//
// It owns the IDV wire types (including the callback the provider posts on a state change),
// the session states, and the documented retry rule. The client never retries; failures are
// *providers.Error. It must not import Temporal, activities or workflows.
package idv
