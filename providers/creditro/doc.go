// Package creditro is a client for the Creditro public KYC API: it reads the KYC cases that
// already exist for our Creditro customer, which the engine records as prior-KYC evidence.
//
// It owns the Creditro wire types, the decoding of the customer id from the API token, and the
// provider's retry guidance (RetryRule). The client never retries; failures are
// *providers.Error. It must not import Temporal, activities or workflows.
package creditro
