// Package console holds the browser tests of the agents' review console: Debian's Chromium,
// driven from Go with chromedp, against the real stack (internal/stackrun): Temporal, the
// sandbox, the worker and the gateway as processes. The console itself is part of the gateway
// (internal/gateway/console.go); this package has no code of its own.
package console
