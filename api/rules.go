package api

// Evaluation is the rules' verdict with its trace.
type Evaluation struct {
	Decision  string         `json:"decision"` // APPROVE, DECLINE or REVIEW
	Reason    string         `json:"reason"`
	RiskLevel string         `json:"riskLevel,omitempty"` // the case's risk level
	Context   map[string]any `json:"context,omitempty"`
	Trace     *RuleResult    `json:"trace,omitempty"`
	// Unknown names the context facts the case could not give, with why (e.g. company_age
	// when the case documents no company date); conditions on them fail.
	Unknown map[string]string `json:"unknown,omitempty"`
	// Checks are the case's checks as the rules saw them, with their flags in words (absent
	// from evaluations recorded before it was added).
	Checks []CheckResult `json:"checks,omitempty"`
}

// CheckResult is one Quickr check as the rules saw it, in words for the agent who reviews:
// its status and every flag with what it means.
type CheckResult struct {
	Type   string `json:"type"`
	Label  string `json:"label"` // "UBO", "bank account", ...
	Status string `json:"status,omitempty"`
	// Items counts the check's data items (one per entity checked).
	Items int         `json:"items"`
	Flags []FlagFound `json:"flags,omitempty"`
}

// FlagFound is one flag a check raised.
type FlagFound struct {
	Code  string `json:"code"`
	Level string `json:"level,omitempty"` // WARNING or ERROR
	// Meaning is the case-details reference's explanation of the code ("" if it has none).
	Meaning string `json:"meaning,omitempty"`
	// On names the entity the flag is about (the data item's ref type), when it says.
	On string `json:"on,omitempty"`
	// Sentence is the flag in words: "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (...)".
	Sentence string `json:"sentence"`
}

// RuleResult is the outcome of evaluating a rule set (Quickr automations) against one case:
// the trace the status shows. The automation package evaluates; these are its results.
type RuleResult struct {
	Decision    string            `json:"decision"`
	Reason      string            `json:"reason"`
	Automations []AutomationTrace `json:"automations"`
	// Findings say in words why: for REVIEW, each condition that kept an approving rule from
	// firing; for DECLINE, each condition of a declining rule that held.
	Findings []Finding `json:"findings,omitempty"`
}

// RuleAction is what a fired automation does. Only set_case_status is acted on.
type RuleAction struct {
	Type   string `json:"type"`
	Status string `json:"status,omitempty"`
}

// AutomationTrace records how one automation was evaluated. Conditions are
// only evaluated, and traced, when the automation was triggered.
type AutomationTrace struct {
	ID         string           `json:"id,omitempty"`
	Name       string           `json:"name"`
	Triggered  bool             `json:"triggered"`
	Fired      bool             `json:"fired"`
	Actions    []RuleAction     `json:"actions,omitempty"`
	Conditions []ConditionTrace `json:"conditions,omitempty"`
	Note       string           `json:"note,omitempty"`
}

// ConditionTrace records one evaluated condition: what its path saw and why
// it held or not.
type ConditionTrace struct {
	Type     string `json:"type"`
	Field    string `json:"field,omitempty"`
	Path     string `json:"path,omitempty"`
	Expected string `json:"expected,omitempty"`
	Values   []any  `json:"values,omitempty"`
	Result   bool   `json:"result"`
	Note     string `json:"note,omitempty"`
	// Sentences say what the condition saw, in words, naming the check, flag or fact and its
	// value (leaf conditions; and/or nodes have their children's).
	Sentences []string         `json:"sentences,omitempty"`
	Children  []ConditionTrace `json:"children,omitempty"`
}

// Finding is one reason in words for a decision: for REVIEW, a condition that kept an
// approving rule from firing; for DECLINE, a condition of a declining rule that held.
type Finding struct {
	// Automation is the rule's name (its id when it has none).
	Automation string `json:"automation"`
	// Sentence names the check, flag or fact and its value.
	Sentence string `json:"sentence"`
	// Condition is the condition as written, JSONPath included: the detail behind Sentence.
	Condition string `json:"condition"`
}
