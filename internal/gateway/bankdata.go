package gateway

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"

	"go.uber.org/zap"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
)

// BankDataStore keeps an upload and names it; *bankdata.Store implements it.
type BankDataStore interface {
	Put(ctx context.Context, d bankdata.Dataset) (bankdata.Summary, error)
}

// supplyBankData: PUT /v1/onboardings/{id}/bank-data. The app uploads the merchant's
// accounts and transactions; they are validated, stored encrypted (the shared bank-data
// store) and handed to the onboarding by reference, so the workflow's history holds only
// their summary. The onboarding refuses them (409) once its credit analysis no longer waits.
func (s *Server) supplyBankData(w http.ResponseWriter, r *http.Request) {
	// The data comes from the merchant, through the app: an agent's token does not upload it.
	if c := callerOf(r.Context()); c.Role != RoleApp {
		writeProblem(w, http.StatusForbidden, "bank data comes from the merchant's app: this needs an app token; "+c.Name+" is an agent token", nil)
		return
	}
	key, ok := idempotencyKey(w, r)
	if !ok {
		return
	}
	if s.cfg.BankData == nil {
		writeProblem(w, http.StatusServiceUnavailable, "bank data uploads are not configured on this gateway (ONBOARDING_BANK_DATA_DIR)", nil)
		return
	}
	var d bankdata.Dataset
	if !decodeBodyLimit(w, r, &d, bankdata.MaxBodyBytes) {
		return
	}
	if err := d.Validate(s.cfg.Now()); err != nil {
		v := &api.ValidationError{}
		var ps bankdata.Problems
		if errors.As(err, &ps) {
			for _, p := range ps {
				v.Fields = append(v.Fields, api.FieldError{Field: p.Field, Message: p.Message})
			}
		}
		s.fail(w, r, v)
		return
	}
	sum, err := s.cfg.BankData.Put(r.Context(), d)
	if err != nil {
		s.log.Error("storing bank data failed", zap.Error(err))
		writeProblem(w, http.StatusInternalServerError, "the bank data could not be stored; try again", nil)
		return
	}
	st, err := s.eng.SupplyBankData(r.Context(), r.PathValue("id"), key, api.BankDataUpload{
		Ref: sum.Ref, Accounts: sum.Accounts, Transactions: sum.Transactions, From: sum.From, To: sum.To, Bytes: sum.Bytes,
		By: callerOf(r.Context()).Name, RequestID: key,
	})
	s.answer(w, r, st, err)
}

// decodeBodyLimit reads a JSON body of at most limit bytes strictly into v; on failure it has
// answered and returns false.
func decodeBodyLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) bool {
	if !jsonContentType(r.Header) {
		writeProblem(w, http.StatusUnsupportedMediaType, "send the body as Content-Type: application/json (charset utf-8, if any)", nil)
		return false
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		writeProblem(w, http.StatusRequestEntityTooLarge, "the body is larger than "+sizeText(limit), nil)
		return false
	case err != nil:
		writeProblem(w, http.StatusBadRequest, "the body could not be read", nil)
		return false
	}
	if berr := decodeJSON(body, v); berr != nil {
		writeProblem(w, berr.status, berr.msg, berr.fields)
		return false
	}
	return true
}

// sizeText is a body limit for people: "64 KiB", "16 MiB".
func sizeText(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n>>10, 10) + " KiB"
}
