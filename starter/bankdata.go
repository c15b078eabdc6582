package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/bankdata"
)

// parseBankData reads the upload, checks it as the gateway will (so a bad file is refused
// with exit 2 before anything is sent) and returns the upload action.
func parseBankData(c cli, args []string) (gatewayAction, error) {
	fs := newFlags("bank-data")
	file := fs.String("file", "", "the bank data as JSON ({accounts, transactions}); - reads stdin")
	requestID := fs.String("request-id", "", "idempotency key: a retry with the same id gets the same answer")
	asJSON := fs.Bool("json", false, "print JSON")
	id, err := parseID(fs, args)
	if err != nil {
		return nil, err
	}
	if *file == "" {
		return nil, fmt.Errorf("%w: bank-data needs --file", errUsage)
	}
	var r io.Reader = c.stdin
	if *file != "-" {
		f, err := os.Open(*file)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errInvalid, err)
		}
		defer f.Close()
		r = f
	}
	raw, err := io.ReadAll(io.LimitReader(r, bankdata.MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errInvalid, err)
	}
	if len(raw) > bankdata.MaxBodyBytes {
		return nil, fmt.Errorf("%w: the file is larger than %d MiB", errInvalid, bankdata.MaxBodyBytes>>20)
	}
	var d bankdata.Dataset
	if err := json.Unmarshal(raw, &d); err != nil {
		return nil, fmt.Errorf("%w: %s is not bank data: %v", errInvalid, *file, err)
	}
	if err := d.Validate(time.Now()); err != nil {
		v := &api.ValidationError{}
		if ps, ok := err.(bankdata.Problems); ok {
			for _, p := range ps {
				v.Add(p.Field, p.Message)
			}
		}
		return nil, v
	}
	return func(ctx context.Context, gw *gatewayClient, out io.Writer) error {
		st, err := gw.supplyBankData(ctx, id, *requestID, raw)
		if err != nil {
			return err
		}
		if *asJSON {
			return writeJSON(out, st)
		}
		if u := st.Upload; u != nil {
			fmt.Fprintf(out, "bank data uploaded to %s: %d account(s), %d transaction(s), %s to %s\n", id, u.Accounts, u.Transactions, u.From, u.To)
		}
		return nil
	}, nil
}
