// Package deepidv is a client for the DeepIDV credit terms API: create and send a credit-terms
// request to the applicant, then read it by id or by our external id until it is COMPLETED
// (the API has no webhook, so callers poll).
//
// It owns the DeepIDV wire types, the client-side validation the seed asks for, and the
// provider's retry guidance. Responses are read in both spellings the seed uses (camelCase
// examples, snake_case field tables). The client never retries; failures are
// *providers.Error. It must not import Temporal, activities or workflows.
package deepidv
