package workflows

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/activities"
)

// workflowSources parses the package's non-test files, but for the bench's floor workflow,
// which runs a no-op activity on options of its own (floor.go).
func workflowSources(t *testing.T) map[string]*ast.File {
	t.Helper()
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	fset := token.NewFileSet()
	out := map[string]*ast.File{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") || f == "floor.go" {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		require.NoError(t, err)
		out[f] = file
	}
	return out
}

// calledActivities are the activity methods the workflow code names (a.CreateKYCCase, ...).
func calledActivities(t *testing.T) []string {
	t.Helper()
	methods := reflect.TypeOf(a)
	var names []string
	for _, file := range workflowSources(t) {
		ast.Inspect(file, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && x.Name == "a" {
				if _, ok := methods.MethodByName(sel.Sel.Name); ok && !slices.Contains(names, sel.Sel.Name) {
					names = append(names, sel.Sel.Name)
				}
			}
			return true
		})
	}
	slices.Sort(names)
	return names
}

// recordedActivities are the activity types the recorded histories scheduled.
func recordedActivities(t *testing.T) []string {
	t.Helper()
	var names []string
	files, err := filepath.Glob(filepath.Join("testdata", "histories", "v*", "*.json"))
	require.NoError(t, err)
	for _, f := range files {
		raw, err := os.ReadFile(f)
		require.NoError(t, err)
		var h struct {
			Events []struct {
				Scheduled *struct {
					ActivityType struct {
						Name string `json:"name"`
					} `json:"activityType"`
				} `json:"activityTaskScheduledEventAttributes"`
			} `json:"events"`
		}
		require.NoError(t, json.Unmarshal(raw, &h), f)
		for _, e := range h.Events {
			if e.Scheduled != nil && !slices.Contains(names, e.Scheduled.ActivityType.Name) {
				names = append(names, e.Scheduled.ActivityType.Name)
			}
		}
	}
	require.NotEmpty(t, names)
	return names
}

func TestEveryActivityTheWorkflowsCallHasARow(t *testing.T) {
	called := calledActivities(t)
	require.Contains(t, called, "CreateKYCCase") // the scan sees the calls
	for _, name := range append(called, recordedActivities(t)...) {
		row, ok := activityTable[name]
		require.True(t, ok, "activity %s has no row in activityTable", name)
		require.NotEmpty(t, row.provider, name)
	}
	// And no row is left over from an activity no longer called.
	for name := range activityTable {
		require.Contains(t, called, name, "row %s names an activity the workflows do not call", name)
	}
}

func TestOptionsComeFromTheProvidersRules(t *testing.T) {
	budget := 6 * time.Hour
	idv := optionsFor(a.StartIdentityVerification, "s", budget)
	attempt, policy, ok := activities.RetryOptions(providerIDV)
	require.True(t, ok)
	require.Equal(t, attempt, idv.StartToCloseTimeout, "IDV's documented 60 s request timeout and the margin")
	require.Equal(t, policy.MaximumAttempts, idv.RetryPolicy.MaximumAttempts, "at most 4 retries")
	require.Zero(t, idv.ScheduleToCloseTimeout, "IDV's own schedule, no engine budget on top")

	for _, act := range []any{a.CreateKYCCase, a.StartCreditAnalysis, a.RequestCreditTerms} {
		opts := optionsFor(act, "s", budget)
		require.Equal(t, activities.AttemptTimeout(providerOf(act)), opts.StartToCloseTimeout, activityName(act))
		require.Equal(t, budget, opts.ScheduleToCloseTimeout, activityName(act))
		require.Equal(t, callSchedule.max, opts.RetryPolicy.MaximumInterval, activityName(act))
	}
	prior := optionsFor(a.LookupPriorKYC, "s", time.Hour)
	require.Equal(t, time.Hour, prior.ScheduleToCloseTimeout, "the policy's maximum wait")
	require.Equal(t, evidenceSchedule.first, prior.RetryPolicy.InitialInterval)
	sweep := optionsFor(a.SweepQuickrCases, "s", 0)
	require.Equal(t, 5*time.Minute, sweep.ScheduleToCloseTimeout)
	require.Equal(t, time.Minute, sweep.HeartbeatTimeout)
	require.Equal(t, 10*time.Second, optionsFor(a.Notify, "s", 0).StartToCloseTimeout)
}

func TestNonRetryableTypesComeFromOneList(t *testing.T) {
	for name := range activityTable {
		act := name // optionsFor looks activities up by name
		require.Equal(t, activities.NonRetryable, optionsFor(act, "s", time.Hour).RetryPolicy.NonRetryableErrorTypes, name)
	}
	require.ElementsMatch(t,
		[]string{activities.ErrProviderRejected, activities.ErrInvalidInput, activities.ErrCaseMismatch, activities.ErrStillWaiting},
		blockedNoRetry, "blocked: credentials and configuration are what the retries wait for")

	// No other list, and no options outside options.go (the floor workflow aside).
	for f, file := range workflowSources(t) {
		ast.Inspect(file, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if sel, ok := n.Type.(*ast.SelectorExpr); ok && f != "options.go" {
					require.NotEqual(t, "ActivityOptions", sel.Sel.Name, "%s builds activity options of its own", f)
				}
			case *ast.KeyValueExpr:
				if k, ok := n.Key.(*ast.Ident); ok && k.Name == "NonRetryableErrorTypes" {
					v, isIdent := n.Value.(*ast.Ident)
					require.True(t, isIdent && (v.Name == "noRetry" || v.Name == "blockedNoRetry"), "%s lists non-retryable types of its own", f)
				}
			}
			return true
		})
	}
}
