package core

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/merchantflow/onboarding/internal/webhooksig"
)

// Delivery is one webhook as the sandbox tried to send it.
type Delivery struct {
	ID        string    `json:"id"`
	Provider  string    `json:"provider"`
	URL       string    `json:"url"`
	LastURL   string    `json:"lastUrl,omitempty"` // where the latest attempt went (WebhookFailover)
	Reference string    `json:"reference,omitempty"`
	Type      string    `json:"type"`
	Attempts  int       `json:"attempts"`
	Status    string    `json:"status"` // pending, delivered, failed, dropped
	LastCode  int       `json:"lastCode,omitempty"`
	LastError string    `json:"lastError,omitempty"`
	CreatedAt time.Time `json:"createdAt"`
}

// maxDeliveries bounds the delivery log.
const maxDeliveries = 5000

type webhookSender struct {
	c      *Core
	seq    atomic.Int64
	ctx    context.Context
	cancel context.CancelFunc

	mu  sync.Mutex
	log []*Delivery
}

func newWebhookSender(c *Core) *webhookSender {
	ctx, cancel := context.WithCancel(context.Background())
	return &webhookSender{c: c, ctx: ctx, cancel: cancel}
}

func (h *webhookSender) close() { h.cancel() }

// send delivers payload to url (the case's or session's callback URL, as the worker gave it)
// asynchronously: unsigned, as the seeds document none (signed when Config.SignWebhooks),
// retried with doubling backoff on any non-2xx or network error, subject to the provider's
// webhook faults. Every copy of a duplicated delivery carries the same body, so the same
// event id. reference only labels the delivery log (GET /control/webhooks?reference=).
func (h *webhookSender) send(provider, url, reference, typ string, payload any) {
	if url == "" {
		return
	}
	body, err := json.Marshal(payload)
	if err != nil {
		h.c.cfg.Logf("sandbox: webhook encode: %v", err)
		return
	}
	d := &Delivery{
		ID:        fmt.Sprintf("%s.whk.%d", provider, h.seq.Add(1)),
		Provider:  provider,
		URL:       url,
		Reference: reference,
		Type:      typ,
		Status:    "pending",
		CreatedAt: h.c.clock.Now(),
	}
	h.record(d)
	ft := h.c.faults.get(provider)
	if ft.DropWebhooks > 0 && h.c.Float() < ft.DropWebhooks {
		h.update(d, func(d *Delivery) { d.Status = "dropped" })
		return
	}
	copies := 1
	if ft.DuplicateWebhooks > 0 && h.c.Float() < ft.DuplicateWebhooks {
		copies = 2
	}
	for i := 0; i < copies; i++ {
		var jitter time.Duration
		if ft.WebhookJitter > 0 {
			jitter = time.Duration(h.c.Intn(int(ft.WebhookJitter) + 1))
		}
		h.c.After(jitter, func() { h.attempt(d, body, 1) })
	}
}

func (h *webhookSender) attempt(d *Delivery, body []byte, n int) {
	if h.ctx.Err() != nil {
		return
	}
	target := h.target(d.URL, n)
	req, err := http.NewRequestWithContext(h.ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		h.update(d, func(d *Delivery) { d.Status, d.LastError = "failed", err.Error() })
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if h.c.cfg.SignWebhooks {
		webhooksig.SetHeaders(req.Header, []byte(h.c.cfg.WebhookSecret), d.ID, h.c.clock.Now(), body)
	}
	code, errText := 0, ""
	resp, err := h.c.cfg.HTTPClient.Do(req)
	if err != nil {
		errText = err.Error()
	} else {
		code = resp.StatusCode
		resp.Body.Close()
	}
	ok := err == nil && code >= 200 && code < 300
	h.update(d, func(d *Delivery) {
		d.Attempts++
		d.LastCode, d.LastError, d.LastURL = code, errText, target
		switch {
		case ok:
			d.Status = "delivered"
		case n >= h.c.cfg.WebhookAttempts:
			d.Status = "failed"
		}
	})
	if ok || n >= h.c.cfg.WebhookAttempts {
		if !ok {
			h.c.cfg.Logf("sandbox: webhook %s to %s failed after %d attempts: %d %s", d.ID, target, n, code, errText)
		}
		return
	}
	h.c.After(h.c.cfg.WebhookBackoff<<(n-1), func() { h.attempt(d, body, n+1) })
}

// target is where attempt n (from 1) of a delivery to url goes: url itself, or, when url
// starts with one of Config.WebhookFailover's bases, the same path under the base n-1 places
// further along the list (round robin from the one the URL names).
func (h *webhookSender) target(url string, n int) string {
	bases := h.c.cfg.WebhookFailover
	for i, base := range bases {
		base = strings.TrimRight(base, "/")
		rest, ok := strings.CutPrefix(url, base)
		if !ok || (rest != "" && rest[0] != '/') {
			continue
		}
		next := strings.TrimRight(bases[(i+n-1)%len(bases)], "/")
		return next + rest
	}
	return url
}

func (h *webhookSender) record(d *Delivery) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.log = append(h.log, d)
	if len(h.log) > maxDeliveries {
		h.log = h.log[len(h.log)-maxDeliveries:]
	}
}

func (h *webhookSender) update(d *Delivery, f func(*Delivery)) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f(d)
}

// deliveries returns copies of the log, optionally for one reference.
func (h *webhookSender) deliveries(reference string) []Delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := []Delivery{}
	for _, d := range h.log {
		if reference == "" || d.Reference == reference {
			out = append(out, *d)
		}
	}
	return out
}
