// Package api is what apps, agents and ops exchange with the onboarding engine: the names of
// its task queue, workflows and messages, the workflow ID, the search attributes, and every
// payload that crosses the engine's edge (the start input and its policy, the messages, the
// status and the result with the evidence in them).
//
// It is a leaf: it imports no other package of this module, only the Temporal SDK, so the
// gateway, the starter and other clients depend on it and on the Temporal client alone. The
// workflow and activity packages use these types as they are; their JSON shapes
// are what recorded histories hold, so a field's name or json tag never changes.
package api
