// Package gateway is the engine's HTTP face: provider webhooks become workflow signals (and,
// as the API grows, apps start onboardings, read their status and agents decide). It talks to
// Temporal through a narrow interface and never to providers directly.
package gateway
