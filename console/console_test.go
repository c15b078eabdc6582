package console

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/engine"
	"github.com/merchantflow/onboarding/internal/stackrun"
	"github.com/merchantflow/onboarding/providers/sandbox"
)

// chromium is Debian's package (apt-get install chromium); .ci/run installs it.
const chromium = "/usr/bin/chromium"

type harness struct {
	t     *testing.T
	ctx   context.Context
	stack *stackrun.Stack
	eng   *engine.Engine
	shots string
}

func newHarness(t *testing.T) *harness {
	if testing.Short() {
		t.Skip("builds and runs the whole stack and a browser")
	}
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("the console's browser tests need Debian's Chromium at %s (apt-get install -y chromium; .ci/run installs it): %v", chromium, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 6*time.Minute)
	t.Cleanup(cancel)
	root, err := stackrun.RepoRoot()
	require.NoError(t, err)
	bin, err := stackrun.Build(ctx, root, t.TempDir())
	require.NoError(t, err)
	// The sandbox plays merchant, signatories and providers at once (zero delays).
	s, err := stackrun.Start(ctx, stackrun.Config{Bin: bin, Dir: t.TempDir(), Sandbox: stackrun.SandboxConfig{Seed: 14}})
	require.NoError(t, err)
	t.Cleanup(func() { require.NoError(t, s.Close()) })
	tc, err := s.Client(ctx)
	require.NoError(t, err)
	shots := filepath.Join(root, "screenshots")
	require.NoError(t, os.MkdirAll(shots, 0o755))
	return &harness{t: t, ctx: ctx, stack: s, eng: engine.New(tc, stackrun.Namespace, s.TaskQueue), shots: shots}
}

// browser starts a headless Chromium with a fresh profile: a browser of its own, one agent.
func (h *harness) browser() context.Context {
	h.t.Helper()
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(h.t.TempDir()),
		chromedp.WindowSize(1280, 1000),
	}
	actx, cancelA := chromedp.NewExecAllocator(h.ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	h.t.Cleanup(func() { cancelB(); cancelA() })
	require.NoError(h.t, chromedp.Run(bctx))
	return bctx
}

func (h *harness) run(b context.Context, actions ...chromedp.Action) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(b, time.Minute)
	defer cancel()
	if err := chromedp.Run(ctx, actions...); err != nil {
		// Say where the browser was and what it showed.
		var loc, html string
		dctx, dcancel := context.WithTimeout(b, 5*time.Second)
		defer dcancel()
		_ = chromedp.Run(dctx, chromedp.Location(&loc), chromedp.OuterHTML("html", &html, chromedp.ByQuery))
		require.NoError(h.t, err, "at %s:\n%s", loc, html)
	}
}

func (h *harness) text(b context.Context, sel string) string {
	h.t.Helper()
	var s string
	h.run(b, chromedp.Text(sel, &s, chromedp.ByQuery))
	return s
}

func (h *harness) screenshot(b context.Context, name string) {
	h.t.Helper()
	var png []byte
	h.run(b, chromedp.FullScreenshot(&png, 100))
	require.NoError(h.t, os.WriteFile(filepath.Join(h.shots, name+".png"), png, 0o644))
}

// viewShot saves what the window shows (1280x1000), not the whole page.
func (h *harness) viewShot(b context.Context, name string) {
	h.t.Helper()
	var png []byte
	h.run(b, chromedp.CaptureScreenshot(&png))
	require.NoError(h.t, os.WriteFile(filepath.Join(h.shots, name+".png"), png, 0o644))
}

// signIn signs in with token through the form.
func (h *harness) signIn(b context.Context, token string) {
	h.t.Helper()
	h.run(b,
		chromedp.Navigate(h.stack.GatewayURL+"/console/"),
		chromedp.WaitVisible("#token", chromedp.ByID),
		chromedp.SendKeys("#token", token, chromedp.ByID),
		chromedp.Click("#signin", chromedp.ByID),
		chromedp.WaitVisible("#queue", chromedp.ByID),
	)
}

func (h *harness) signOut(b context.Context) {
	h.t.Helper()
	h.run(b, chromedp.Click("button.link", chromedp.ByQuery), chromedp.WaitVisible("#token", chromedp.ByID))
}

// decide fills the decision form of the open onboarding page and sends it.
func (h *harness) decide(b context.Context, decision, risk, reason string) {
	h.t.Helper()
	h.run(b,
		chromedp.WaitVisible("#decide-form", chromedp.ByID),
		// The answer is the next page's flash: drop this page's, so the wait below is for it.
		chromedp.Evaluate(`document.getElementById("flash") && document.getElementById("flash").remove()`, nil),
		chromedp.Click("#d-"+decision, chromedp.ByID),
		chromedp.SetValue("#riskLevel", risk, chromedp.ByID),
		chromedp.SendKeys("#reason", reason, chromedp.ByID),
		chromedp.Click("#decide", chromedp.ByID),
		chromedp.WaitVisible("#flash", chromedp.ByID),
	)
}

// start starts a merchant's onboarding and waits until it awaits review.
func (h *harness) start(org, name string) string {
	h.t.Helper()
	co, known := sandbox.TestCompanies[org]
	contact := api.Person{Name: "Kari Nordmann", Email: "kari@example.test"}
	if known {
		name, contact.Name = co.Name, co.Board[0].Name
	}
	started, err := h.eng.Start(h.ctx, api.OnboardingInput{
		Company: api.Company{OrgNumber: org, Country: "NO", Name: name},
		Contact: contact,
		Address: "Testveien 1, 0150 Oslo",
		Credit:  api.Credit{Amount: 50000, Currency: "NOK", PeriodDays: 30},
	})
	require.NoError(h.t, err)
	h.awaitStage(started.WorkflowID, api.StageAwaitingReview)
	return started.WorkflowID
}

func (h *harness) awaitStage(id string, stage api.Stage) *api.Status {
	h.t.Helper()
	var st *api.Status
	require.Eventually(h.t, func() bool {
		var err error
		st, err = h.eng.Status(h.ctx, id)
		return err == nil && st.Stage == stage
	}, 2*time.Minute, 100*time.Millisecond, "%s never reached %s", id, stage)
	return st
}

func (h *harness) outcome(id string) api.Outcome {
	h.t.Helper()
	st := h.awaitStage(id, api.StageFinished)
	return st.Outcome
}

// orgNumber makes a valid Norwegian organisation number from an 8-digit base (mod 11), for
// merchants the sandbox's registry does not know: they go to review.
func orgNumber(t *testing.T, base int) string {
	digits := strconv.Itoa(base)
	weights := []int{3, 2, 7, 6, 5, 4, 3, 2}
	sum := 0
	for i, w := range weights {
		sum += int(digits[i]-'0') * w
	}
	check := (11 - sum%11) % 11
	require.NotEqual(t, 10, check, "pick another base")
	return digits + strconv.Itoa(check)
}

func TestReviewConsoleInABrowser(t *testing.T) {
	h := newHarness(t)
	floki := h.start("123456789", "")
	fourEyes := h.start(orgNumber(t, 91234563), "Four Eyes Trading AS")
	movedOn := h.start(orgNumber(t, 91234564), "Moved On Shipping AS")

	b := h.browser()

	t.Run("an agent signs in, finds Floki in the queue, reads the unsupported-UBO reason and approves", func(t *testing.T) {
		h.signIn(b, h.stack.AgentToken)
		require.Equal(t, "stackrun-agent", h.text(b, "#agent"))
		queue := h.text(b, "#queue")
		require.Contains(t, queue, "Floki Shipbuilders")
		require.Contains(t, queue, "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED")
		require.Contains(t, queue, "left", "the time left on the review SLA")
		h.screenshot(b, "queue")

		// The filters narrow the queue: MEDIUM risk (Floki, a sole proprietorship) only.
		h.run(b, chromedp.Navigate(h.stack.GatewayURL+"/console/?stage=AWAITING_REVIEW&risk=MEDIUM&country=NO"), chromedp.WaitVisible("#queue", chromedp.ByID))
		queue = h.text(b, "#queue")
		require.Contains(t, queue, "Floki Shipbuilders")
		require.NotContains(t, queue, "Four Eyes Trading")

		h.run(b, chromedp.Click(`a[href="/console/onboardings/`+url.PathEscape(floki)+`"]`, chromedp.ByQuery), chromedp.WaitVisible("#reasons", chromedp.ByID))
		reasons := h.text(b, "#reasons")
		require.Contains(t, reasons, "the UBO check flagged COMPANY_TYPE_NOT_SUPPORTED (warning: Quickr does not support this check for the company type, mostly a sole proprietorship)")
		require.Contains(t, h.text(b, "#checks"), "COMPANY_TYPE_NOT_SUPPORTED")
		require.Contains(t, h.text(b, "#identity"), "Matches")
		require.Contains(t, h.text(b, "#credit-analysis"), "Score")
		require.Contains(t, h.text(b, "#rules"), "Auto approve: clean company")
		require.Contains(t, h.text(b, "#timeline"), "AWAITING_REVIEW")
		h.screenshot(b, "onboarding-floki")
		h.viewShot(b, "console") // the README's picture: docs/console.png

		h.decide(b, "approve", "", "sole proprietorship: no UBO to check; owner verified by hand")
		require.Contains(t, h.text(b, "#flash"), "Decided: APPROVED.")
		require.Equal(t, api.OutcomeApproved, h.outcome(floki))
		require.Eventually(t, func() bool {
			h.run(b, chromedp.Reload(), chromedp.WaitVisible("#notes", chromedp.ByID))
			return strings.Contains(h.text(b, "#notes"), "agent stackrun-agent decided approve")
		}, time.Minute, 500*time.Millisecond, "the note written to Quickr is shown")
		require.Contains(t, h.text(b, "#stage"), "APPROVED")
		h.screenshot(b, "onboarding-floki-approved")
	})

	t.Run("a HIGH-risk approval needs a second, different agent and the console says so", func(t *testing.T) {
		h.run(b, chromedp.Navigate(h.stack.GatewayURL+"/console/onboardings/"+url.PathEscape(fourEyes)), chromedp.WaitVisible("#reasons", chromedp.ByID))
		h.decide(b, "approve", "HIGH", "large exposure: needs a second look")
		require.Contains(t, h.text(b, "#flash"), "Your approval is recorded as the first of two.")
		fe := h.text(b, "#foureyes")
		require.Contains(t, fe, "First approval by stackrun-agent")
		require.Contains(t, fe, "a second, different agent must approve")
		h.screenshot(b, "four-eyes-first-approval")

		// The same agent again: refused, with the rule's reason.
		h.decide(b, "approve", "", "approving again")
		require.Contains(t, h.text(b, "#flash"), "The onboarding refused the decision.")
		require.Contains(t, h.text(b, "#flash-detail"), "a HIGH risk case needs approvals from two different agents; stackrun-agent has already approved")

		h.signOut(b)
		h.signIn(b, h.stack.SecondAgentToken)
		require.Equal(t, "stackrun-agent-2", h.text(b, "#agent"))
		h.run(b, chromedp.Navigate(h.stack.GatewayURL+"/console/onboardings/"+url.PathEscape(fourEyes)), chromedp.WaitVisible("#foureyes", chromedp.ByID))
		require.Contains(t, h.text(b, "#foureyes"), "A second approval, by an agent other than stackrun-agent, decides it.")
		h.decide(b, "approve", "", "second pair of eyes: agreed")
		require.Contains(t, h.text(b, "#flash"), "Decided: APPROVED.")
		require.Equal(t, api.OutcomeApproved, h.outcome(fourEyes))
	})

	t.Run("a decision on an onboarding that has moved on is refused with its reason", func(t *testing.T) {
		h.run(b, chromedp.Navigate(h.stack.GatewayURL+"/console/onboardings/"+url.PathEscape(movedOn)), chromedp.WaitVisible("#decide-form", chromedp.ByID))
		// Meanwhile another agent declines it through the API.
		_, err := h.eng.Decide(h.ctx, movedOn, "", api.Decision{Decision: api.DecisionDecline, Agent: "stackrun-agent", Reason: "declined elsewhere"})
		require.NoError(t, err)
		require.Equal(t, api.OutcomeDeclined, h.outcome(movedOn))
		h.decide(b, "approve", "", "too late")
		require.Contains(t, h.text(b, "#flash"), "The onboarding refused the decision.")
		require.Contains(t, h.text(b, "#flash-detail"), "has finished")
		require.Contains(t, h.text(b, "#stage"), "DECLINED")
		h.screenshot(b, "moved-on-refused")
	})

	t.Run("CSRF and signed-out requests are refused", func(t *testing.T) {
		target := h.stack.GatewayURL + "/console/onboardings/" + url.PathEscape(movedOn) + "/decision"
		// Scripts cannot call the console (its CSP allows no fetch); a form posted from the
		// page itself, but without the form's CSRF token, is refused.
		var fetchErr string
		h.run(b, chromedp.Evaluate(`fetch(`+strconv.Quote(target)+`, {method: "POST"}).then(() => "sent", e => e.name)`, &fetchErr,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		require.Equal(t, "TypeError", fetchErr, "the Content-Security-Policy blocks it")
		h.run(b, chromedp.Evaluate(`(() => { const f = document.createElement("form"); f.method = "post"; f.action = `+strconv.Quote(target)+`;
			const d = document.createElement("input"); d.name = "decision"; d.value = "approve"; f.appendChild(d);
			document.body.appendChild(f); f.submit(); })()`, nil),
			chromedp.WaitVisible("#problem", chromedp.ByID))
		require.Contains(t, h.text(b, "#problem"), "CSRF check failed")
		h.screenshot(b, "csrf-refused")
		h.run(b, chromedp.Navigate(h.stack.GatewayURL+"/console/onboardings/"+url.PathEscape(movedOn)), chromedp.WaitVisible("#notes", chromedp.ByID))

		// With the session's cookie and even the right token, but sent from another site.
		var cookies []*network.Cookie
		var csrf string
		h.run(b, chromedp.ActionFunc(func(ctx context.Context) error {
			var err error
			cookies, err = network.GetCookies().Do(ctx)
			return err
		}), chromedp.Value(`input[name=csrf]`, &csrf, chromedp.ByQuery))
		var session string
		for _, c := range cookies {
			if c.Name == "onboarding_console" {
				session = c.Value
				require.True(t, c.HTTPOnly)
				require.Equal(t, network.CookieSameSiteStrict, c.SameSite)
			}
		}
		require.NotEmpty(t, session)
		post := func(cookie bool, origin string, form url.Values) *http.Response {
			req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, target, strings.NewReader(form.Encode()))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if cookie {
				req.AddCookie(&http.Cookie{Name: "onboarding_console", Value: session})
			}
			if origin != "" {
				req.Header.Set("Origin", origin)
			}
			res, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			_ = res.Body.Close()
			return res
		}
		require.Equal(t, http.StatusForbidden, post(true, "http://attacker.example", url.Values{"csrf": {csrf}, "decision": {"approve"}}).StatusCode)
		require.Equal(t, http.StatusForbidden, post(true, "", url.Values{"csrf": {"forged"}, "decision": {"approve"}}).StatusCode)
		require.Equal(t, http.StatusUnauthorized, post(false, "", url.Values{"csrf": {csrf}, "decision": {"approve"}}).StatusCode)

		// Signed out, the session is gone: its cookie no longer works, and pages ask to sign in.
		h.signOut(b)
		require.Equal(t, http.StatusUnauthorized, post(true, "", url.Values{"csrf": {csrf}, "decision": {"approve"}}).StatusCode)
		jar, _ := cookiejar.New(nil)
		c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		res, err := c.Get(h.stack.GatewayURL + "/console/")
		require.NoError(t, err)
		_ = res.Body.Close()
		require.Equal(t, http.StatusSeeOther, res.StatusCode)
		require.Equal(t, "/console/signin", res.Header.Get("Location"))
	})
}
