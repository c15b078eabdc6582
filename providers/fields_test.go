package providers_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/merchantflow/onboarding/providers"
)

func TestFields(t *testing.T) {
	f, err := providers.DecodeFields([]byte(`{"credit_terms_id":"ct-1","amount":"12.5","count":3,"gone":null,"nested":{"a":1}}`))
	require.NoError(t, err)
	require.Equal(t, "ct-1", f.Str("creditTermsId", "credit_terms_id"), "the second spelling is found")
	require.Equal(t, "3", f.Str("count"), "numbers read as text")
	require.Equal(t, 12.5, f.Num("amount"), "numeric strings read as numbers")
	require.Equal(t, "", f.Str("gone"), "null is absent")
	require.Nil(t, f.Raw("gone", "missing"))
	require.JSONEq(t, `{"a":1}`, string(f.Raw("nested")))
	require.Equal(t, "", f.Str("nested"), "an object is not text")
	require.Zero(t, f.Num("missing"))
	_, err = providers.DecodeFields([]byte(`[1]`))
	require.Error(t, err)
}
