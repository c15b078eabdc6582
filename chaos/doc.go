// Command chaos runs batches of onboardings through the real stack (internal/stackrun) while
// something breaks: the worker is SIGKILLed again and again, providers fail and throttle, the
// Temporal dev server goes down, webhooks are lost, doubled or reordered. Each scenario passes
// when every onboarding reaches the outcome it has without the fault and the sandbox counted
// exactly one KYC case, customer, credit analysis, credit-terms request and IDV session per
// onboarding. `make chaos` runs it; the README's "Chaos" section describes the scenarios.
//
// It is a program, not a library: nothing imports it.
package main
