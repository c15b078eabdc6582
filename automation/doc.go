// Package automation evaluates rule sets written in Quickr's automation
// language against a case-details document and turns the outcome into an
// onboarding decision (APPROVE, DECLINE or REVIEW) with a trace that human
// agents can read.
//
// The package owns the automation data types and their JSON form (both the
// guide's "trigger" and the reference's "triggers" key, both trigger type
// spellings), validation, JSONPath resolution, condition semantics, the
// decision rule and the project's default rules (rules/default.json).
//
// It is pure and deterministic: it is called from a Temporal activity and its
// result is stored in workflow history, so it must never import Temporal,
// net/http or anything under providers/, and it must never depend on map
// iteration order.
//
// # Condition semantics
//
// The top-level condition list is an implicit AND; an automation fires when
// it is triggered and all its conditions hold. A JSONPath that resolves to
// nothing makes every condition false except equal_to_null.
//
//   - equal {field, value}: every value the field resolves to, written as a
//     string, equals value. JSON numbers compare numerically with a numeric
//     value (0 == "0", 24.5 == "24.50"); booleans are "true"/"false"; null
//     equals nothing.
//   - greater_than_or_equal {field, value}: every value is a number (or a
//     numeric string) >= value.
//   - every {field, path}: every value of field is among the values at path.
//   - and, or {conditions}: all / any of the nested conditions.
//   - equal_to_null {field}: the field resolves to nothing or only to nulls.
//
// When a field resolves to several values, equal and greater_than_or_equal
// hold only if all of them satisfy the test. Nested conditions are all
// evaluated (no short circuit) so the trace is complete.
//
// Parse rejects an automation without conditions (Quickr allows it, but here
// it would act on every case) and an equal condition with an empty value
// (test absence with equal_to_null instead). Values given as JSON numbers or
// booleans are accepted and stored as strings.
//
// # JSONPath
//
// Paths are compiled by github.com/ohler55/ojg/jp. It was picked because it
// is actively maintained, has no dependencies, works directly on the
// map[string]any / []any values of a decoded document and supports the
// filter syntax the seed uses ([?(@.type=='sanctions')], ||, &&), wildcards
// and recursive descent. github.com/theory/jsonpath (RFC 9535) was the other
// candidate but is not served by the module proxy here; spyzhov/ajson works
// on its own node tree instead of plain Go values.
//
// Two spellings from Quickr's JavaScript examples are rewritten before
// compiling: "===" and "!==" outside string literals become "==" and "!=",
// and a trailing ".length" is applied by this package to each matched value
// (array: element count, string: character count, object: its "length" key).
// Inside a filter ".length" is an ordinary key; use ojg's length(@.data).
// Values are returned in document order with object keys sorted, because
// ojg's own order over objects follows Go map iteration.
//
// # Context
//
// Document places the given map under "context", so rules read for example
// $.context.company_age. The onboarding engine provides these keys:
//
//   - company_age: whole years since the company's registration (else incorporation) date
//     in the case's company additional_data; absent when the case has none (number)
//   - credit_score: current credit score value (number)
//   - credit_analysis_score: open-banking credit analysis score, 0-100 (number)
//   - credit_terms_status: status of the credit terms request (string, e.g. "COMPLETED")
//   - identity_match: whether the verified identity matches the signatory (bool)
//   - prior_kyc_cases: number of earlier KYC cases found for the merchant (number)
//   - prior_kyc_status: "found", "none" or "unavailable" (string)
//
// # Decision
//
// A fired set_case_status action to ACTIVE approves; to DECLINED, SUSPENDED
// or ARCHIVED it declines; other statuses are recorded but not decisive.
// Decline beats approve, and when nothing decisive fires the case goes to
// human review. Other action types (e.g. set_check_status) are kept and
// reported as ignored.
package automation
