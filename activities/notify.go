package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/webhooksig"
	"github.com/merchantflow/onboarding/providers"
)

// notifyProvider names the app in errors and logs.
const notifyProvider = "app"

// notifyTimeout bounds one notification when NotifyHTTP is nil.
const notifyTimeout = 10 * time.Second

// Headers of a notification besides the webhooksig ones.
const (
	HeaderIdempotencyKey = "Idempotency-Key"
	// HeaderSignature and HeaderTimestamp repeat Webhook-Signature and Webhook-Timestamp
	// for receivers that read the X- names (the sandbox's app inbox does).
	HeaderSignature = "X-Signature"
	HeaderTimestamp = "X-Timestamp"
)

// Notify POSTs n as JSON to the app's NotifyURL, signed the way provider webhooks are
// (package webhooksig): Webhook-Id = n.ID, Webhook-Timestamp = unix seconds,
// Webhook-Signature = "v1=" + hex HMAC-SHA256 of "<timestamp>.<body>" with NotifySecret.
// One signing scheme for everything that crosses our boundary keeps the app's verification
// the same as the gateway's; the same values also go out as X-Timestamp and X-Signature, and
// n.ID as Idempotency-Key, so the app can drop a retried delivery.
//
// 2xx is success. 4xx other than 408 and 429 is non-retryable (the app refuses this
// notification); anything else (network, 3xx, 408, 429, 5xx) is retried, honouring
// Retry-After. With no NotifyURL configured Notify does nothing (logged once at debug level).
// A review-overdue notification the app accepted counts as a "review" reminder
// (MetricRemindersSent).
func (a *Activities) Notify(ctx context.Context, n api.Notification) error {
	if n.ID == "" || n.Type == "" {
		return invalidInput("notification id and type are required")
	}
	err := a.notify(ctx, n)
	if err == nil && n.Type == api.NotifyReviewOverdue {
		// The review's reminders are sent by the workflow, one notification each.
		a.countReminder(ctx, "review")
	}
	return err
}

func (a *Activities) notify(ctx context.Context, n api.Notification) error {
	if a.NotifyURL == "" {
		a.noNotifyURL.Do(func() {
			activity.GetLogger(ctx).Debug("No notify URL configured; notifications are dropped")
		})
		return nil
	}
	body, err := json.Marshal(n)
	if err != nil {
		return invalidInput("encode notification: %v", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.NotifyURL, bytes.NewReader(body))
	if err != nil {
		return temporal.NewNonRetryableApplicationError("notify URL: "+err.Error(), ErrNotConfigured, err)
	}
	now := a.now()
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set(HeaderIdempotencyKey, n.ID)
	webhooksig.SetHeaders(req.Header, a.NotifySecret, n.ID, now, body)
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
	req.Header.Set(HeaderSignature, req.Header.Get(webhooksig.HeaderSignature))

	hc := a.NotifyHTTP
	if hc == nil {
		hc = providers.NewHTTPClient(notifyTimeout)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return providerError(&providers.Error{Provider: notifyProvider, Op: "notify", Err: err})
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	pe := &providers.Error{
		Provider:   notifyProvider,
		Op:         "notify",
		Status:     resp.StatusCode,
		Message:    string(bytes.TrimSpace(msg)),
		RetryAfter: providers.ParseRetryAfter(resp.Header.Get("Retry-After"), now),
	}
	if pe.Message == "" {
		pe.Message = http.StatusText(resp.StatusCode)
	}
	if resp.StatusCode < 400 {
		// A redirect the client did not follow is not the app refusing the notification.
		return temporal.NewApplicationErrorWithOptions(fmt.Sprintf("notify: HTTP %d", resp.StatusCode), ErrProviderUnavailable,
			temporal.ApplicationErrorOptions{Cause: pe, NextRetryDelay: pe.RetryAfter})
	}
	return providerError(pe)
}
