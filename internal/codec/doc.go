// Package codec owns payload encryption: the keyring read from configuration, the AES-256-GCM
// payload codec that encrypts every payload before it reaches Temporal, and the codec-server
// HTTP handler through which the Temporal UI and CLI decode payloads for authenticated users.
//
// It sits below every package that talks to Temporal: it may import internal/config and the
// Temporal SDK's converter, and must never import temporalx, gateway, workflows, activities,
// providers or any main package. Key material never leaves it: no error, String method or
// log line carries a key, and the handler never logs tokens.
package codec
