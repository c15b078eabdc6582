package bankdata

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/internal/codec"
)

var now = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)

func valid() Dataset {
	return Dataset{
		Accounts: []Account{{ID: "acc-1", IBAN: "NO9386011117947", Currency: "NOK", Balance: 1000.5, BalanceDate: "2026-11-30"}},
		Transactions: []Transaction{
			{ID: "t1", AccountID: "acc-1", Amount: 9000, Currency: "NOK", Date: "2026-11-02"},
			{ID: "t2", AccountID: "acc-1", Amount: -12.34, Currency: "NOK", Date: "2026-11-30"},
		},
	}
}

func TestValidateAcceptsAWellFormedUpload(t *testing.T) {
	require.NoError(t, valid().Validate(now))
}

func TestValidateNamesEveryProblem(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(*Dataset)
		field string
	}{
		{"no accounts", func(d *Dataset) { d.Accounts = nil }, "accounts"},
		{"no transactions", func(d *Dataset) { d.Transactions = nil }, "transactions"},
		{"too many accounts", func(d *Dataset) { d.Accounts = make([]Account, MaxAccounts+1) }, "accounts"},
		{"lower-case currency", func(d *Dataset) { d.Accounts[0].Currency = "nok" }, "accounts[0].currency"},
		{"bad iban", func(d *Dataset) { d.Accounts[0].IBAN = "NO93 8601 1117 947" }, "accounts[0].iban"},
		{"duplicate account", func(d *Dataset) { d.Accounts = append(d.Accounts, d.Accounts[0]) }, "accounts[1].id"},
		{"unknown account", func(d *Dataset) { d.Transactions[0].AccountID = "acc-9" }, "transactions[0].accountId"},
		{"other currency", func(d *Dataset) { d.Transactions[1].Currency = "EUR" }, "transactions[1].currency"},
		{"three decimals", func(d *Dataset) { d.Transactions[1].Amount = -12.345 }, "transactions[1].amount"},
		{"NaN", func(d *Dataset) { d.Transactions[0].Amount = math.NaN() }, "transactions[0].amount"},
		{"huge", func(d *Dataset) { d.Transactions[0].Amount = 1e13 }, "transactions[0].amount"},
		{"future", func(d *Dataset) { d.Transactions[0].Date = "2026-12-02" }, "transactions[0].date"},
		{"too old", func(d *Dataset) { d.Transactions[0].Date = "2025-01-01" }, "transactions[0].date"},
		{"not a date", func(d *Dataset) { d.Transactions[0].Date = "02.11.2026" }, "transactions[0].date"},
		{"duplicate transaction", func(d *Dataset) { d.Transactions[1].ID = "t1" }, "transactions[1].id"},
		{"empty id", func(d *Dataset) { d.Transactions[0].ID = "" }, "transactions[0].id"},
		{"long text", func(d *Dataset) { d.Transactions[0].Description = strings.Repeat("x", 201) }, "transactions[0].description"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := valid()
			tt.edit(&d)
			err := d.Validate(now)
			var ps Problems
			require.ErrorAs(t, err, &ps)
			require.Equal(t, tt.field, ps[0].Field, "%v", ps)
		})
	}
}

func newStore(t *testing.T, spec string) (*Store, string) {
	t.Helper()
	keys, err := codec.ParseKeys(spec)
	require.NoError(t, err)
	dir := t.TempDir()
	s, err := NewStore(dir, keys)
	require.NoError(t, err)
	return s, dir
}

func TestStoreRoundTripsEncryptedAndContentAddressed(t *testing.T) {
	spec, err := codec.GenerateSpec("k1")
	require.NoError(t, err)
	s, dir := newStore(t, spec)
	ctx := context.Background()
	sum, err := s.Put(ctx, valid())
	require.NoError(t, err)
	require.True(t, ValidRef(sum.Ref), sum.Ref)
	require.Equal(t, Summary{Ref: sum.Ref, Accounts: 1, Transactions: 2, From: "2026-11-02", To: "2026-11-30", Bytes: sum.Bytes}, sum)

	again, err := s.Put(ctx, valid())
	require.NoError(t, err)
	require.Equal(t, sum.Ref, again.Ref, "the same data is the same reference")
	files, _ := filepath.Glob(filepath.Join(dir, "*.bin"))
	require.Len(t, files, 1)
	raw, err := os.ReadFile(files[0])
	require.NoError(t, err)
	require.NotContains(t, string(raw), "NO9386011117947", "stored encrypted")

	got, err := s.Get(ctx, sum.Ref)
	require.NoError(t, err)
	require.Equal(t, valid(), got)

	// Another keyring cannot read it; a tampered file is refused.
	other, _ := codec.GenerateSpec("k1")
	s2, err := NewStore(dir, mustKeys(t, other))
	require.NoError(t, err)
	_, err = s2.Get(ctx, sum.Ref)
	require.Error(t, err)
	raw[len(raw)-1] ^= 1
	require.NoError(t, os.WriteFile(files[0], raw, 0o600))
	_, err = s.Get(ctx, sum.Ref)
	require.Error(t, err)

	_, err = s.Get(ctx, "sha256:"+strings.Repeat("0", 64))
	require.True(t, errors.Is(err, ErrNotFound))
	_, err = s.Get(ctx, "../../etc/passwd")
	require.ErrorContains(t, err, "malformed")
}

func mustKeys(t *testing.T, spec string) *codec.Keyring {
	k, err := codec.ParseKeys(spec)
	require.NoError(t, err)
	return k
}
