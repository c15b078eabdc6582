package automation

import (
	_ "embed"
	"fmt"
)

//go:embed rules/default.json
var defaultRules []byte

// DefaultRules parses the rules shipped with the project
// (rules/default.json): auto decline on sanctions, auto decline on an
// inactive company, auto approve of a clean company.
func DefaultRules() ([]Automation, error) {
	list, err := Parse(defaultRules)
	if err != nil {
		return nil, fmt.Errorf("default rules: %w", err)
	}
	return list, nil
}

// Default returns the shipped rules, or nil if they do not parse (a test
// guards against that). Each call returns a fresh copy.
func Default() []Automation {
	list, _ := DefaultRules()
	return list
}
