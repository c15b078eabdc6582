package api

import (
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
)

// TaskQueue is the default task queue of onboarding workflows and activities.
const TaskQueue = "onboarding"

// Registered workflow type names. Clients check OnboardMerchantType before they act on a
// workflow ID.
const (
	OnboardMerchantType = "OnboardMerchant"
	ReconcileQuickrType = "ReconcileQuickr"
)

// Message names.
const (
	// SignalCaseEvent carries a Quickr case webhook (CaseEvent) from the gateway.
	SignalCaseEvent = "quickr-case-event"
	// SignalIDVEvent carries an identity-verification callback (IDVEvent) from the gateway.
	SignalIDVEvent = "idv-event"
	// SignalAgentDecision carries a Decision for tools that can only signal. It is checked by
	// the same rules as the decide update; an invalid one is recorded in the status, ignored.
	SignalAgentDecision = "agent-decision"
	// UpdateDecide is an agent's Decision, validated before it touches history.
	UpdateDecide = "decide"
	// UpdateExtendDeadline is a DeadlineChange, validated before it touches history.
	UpdateExtendDeadline = "extend-deadline"
	// UpdateSupplyBankData is the merchant's bank data (BankDataUpload: a reference to the
	// stored upload and its summary), which the credit analysis waits for.
	UpdateSupplyBankData = "supply-bank-data"
	// QueryStatus returns Status.
	QueryStatus = "status"
)

// IDPrefix starts every onboarding's workflow ID, which is also its Quickr case's reference.
const IDPrefix = "onboarding:"

// SAStageName is the name of the stage search attribute (SAStage), for code that reads raw
// search attributes.
const SAStageName = "OnboardingStage"

// WorkflowID is the onboarding's ID, derived from the merchant's business key so that a
// second start for the same merchant finds the running onboarding instead of making a twin.
// Give it a normalized company (NormalizeInput): the ID trims and upper-cases, nothing more.
func WorkflowID(country, orgNumber string) string {
	return IDPrefix + strings.ToUpper(strings.TrimSpace(country)) + ":" + strings.TrimSpace(orgNumber)
}

// Search attributes ops filter on in the Temporal UI. All are Keyword.
var (
	SAStage     = temporal.NewSearchAttributeKeyKeyword(SAStageName)
	SACountry   = temporal.NewSearchAttributeKeyKeyword("MerchantCountry")
	SAOrgNumber = temporal.NewSearchAttributeKeyKeyword("MerchantOrgNumber")
	SAKycCaseID = temporal.NewSearchAttributeKeyKeyword("KycCaseId")
	SAOutcome   = temporal.NewSearchAttributeKeyKeyword("Outcome")
	SARiskLevel = temporal.NewSearchAttributeKeyKeyword("RiskLevel")
	// SAProviderBlocked lists the providers an onboarding is blocked on (KeywordList; unset
	// when none): `ProviderBlocked = "quickr"` finds those waiting for Quickr's credentials.
	SAProviderBlocked = temporal.NewSearchAttributeKeyKeywordList("ProviderBlocked")
	// SADecisionWriteBack is "FAILED" on an onboarding whose decision Quickr has not
	// recorded after hours of retries: ops record it by hand (the outcome stands).
	SADecisionWriteBack = temporal.NewSearchAttributeKeyKeyword("DecisionWriteBack")
	// SearchAttributes lists every one with its type for registration (make run, the tests,
	// setup tools). Keep scripts/run-stack.sh and docker-compose.temporal.yml in step.
	SearchAttributes = []temporal.SearchAttributeKey{SAStage, SACountry, SAOrgNumber, SAKycCaseID, SAOutcome, SARiskLevel, SAProviderBlocked, SADecisionWriteBack}
)

// WriteBackFailed is the DecisionWriteBack search attribute's value when ops must finish it.
const WriteBackFailed = "FAILED"

// SearchAttributeExamples is one value of each search attribute, for APIs that register
// attributes from a typed set (the test suite's dev server).
func SearchAttributeExamples() []temporal.SearchAttributeUpdate {
	out := make([]temporal.SearchAttributeUpdate, 0, len(SearchAttributes))
	for _, k := range SearchAttributes {
		switch k := k.(type) {
		case temporal.SearchAttributeKeyKeyword:
			out = append(out, k.ValueSet(""))
		case temporal.SearchAttributeKeyKeywordList:
			out = append(out, k.ValueSet([]string{}))
		}
	}
	return out
}

// SearchAttributeType is the type name of a search attribute as the Temporal CLI and the
// operator API spell it: "Keyword" or "KeywordList".
func SearchAttributeType(k temporal.SearchAttributeKey) string {
	if k.GetValueType() == enumspb.INDEXED_VALUE_TYPE_KEYWORD_LIST {
		return "KeywordList"
	}
	return "Keyword"
}
