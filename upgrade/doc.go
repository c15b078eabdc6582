// Package upgrade tests that the current build of the worker continues what the previous
// release started: an onboarding begun by the worker built at BaseCommit, parked at the
// declaration on a file-backed Temporal dev server, must reach its outcome after the worker is
// replaced by the working tree's build and the server restarted from its database. The new
// build replays the old build's history, so a change to the command sequence that is not
// behind workflow.GetVersion fails it. It has no code but BaseCommit; the test runs the real
// stack as processes (internal/stackrun).
package upgrade

// BaseCommit is the commit of the previous release, the build running in production that the
// working tree must be able to replace. It moves forward when a release ships: set it to the
// released commit (the full hash, `git rev-parse <release>`), as the README's upgrade
// playbook says. Between releases it stays put, so every change on the way to the next
// release is tested against histories written by the build it replaces.
const BaseCommit = "6287a4737c8792160dbb450604afea3aee5275cd"
