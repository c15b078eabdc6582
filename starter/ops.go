package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"

	"github.com/merchantflow/onboarding/api"
	"github.com/merchantflow/onboarding/internal/codec"
	"github.com/merchantflow/onboarding/internal/engine"
)

// newPayloadKey prints a fresh "id=base64key" line for ONBOARDING_PAYLOAD_KEYS. It needs no
// connection and no configuration, so it runs before either is read.
func (c cli) newPayloadKey(args []string) int {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return c.fail(fmt.Errorf("%w: new-payload-key takes one key id, e.g. 2026-12", errUsage))
	}
	line, err := codec.GenerateSpec(args[0])
	if err != nil {
		return c.fail(fmt.Errorf("%w: %v", errInvalid, err))
	}
	fmt.Fprintln(c.stdout, line)
	return exitOK
}

func parseSetup(_ cli, args []string) (action, error) {
	pos, err := parseFlags(newFlags("setup-search-attributes"), args)
	if err != nil {
		return nil, err
	}
	if len(pos) > 0 {
		return nil, fmt.Errorf("%w: setup-search-attributes takes no arguments", errUsage)
	}
	return setupSearchAttributes, nil
}

// setupSearchAttributes registers the onboarding search attributes (all Keyword) in the
// configured namespace: the missing ones are created, existing ones must have the right type.
// Running it again changes nothing.
func setupSearchAttributes(ctx context.Context, e *engine.Engine, out io.Writer) error {
	ops := e.Client.OperatorService()
	have, err := ops.ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: e.Namespace})
	if err != nil {
		return cloudHint(fmt.Errorf("list search attributes of %s: %w", e.Namespace, err))
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, sa := range api.SearchAttributes {
		name, want := sa.GetName(), sa.GetValueType()
		t, ok := have.GetCustomAttributes()[name]
		switch {
		case !ok:
			missing[name] = want
		case t != want:
			return fmt.Errorf("search attribute %s exists as %s; the engine needs %s (remove it or use another namespace)", name, t, api.SearchAttributeType(sa))
		default:
			fmt.Fprintf(out, "%-20s %-11s exists\n", name, api.SearchAttributeType(sa))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = ops.AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{Namespace: e.Namespace, SearchAttributes: missing})
	if err != nil {
		return cloudHint(fmt.Errorf("create search attributes in %s: %w", e.Namespace, err))
	}
	// In the order of api.SearchAttributes, like the ones that exist.
	for _, sa := range api.SearchAttributes {
		if _, ok := missing[sa.GetName()]; ok {
			fmt.Fprintf(out, "%-20s %-11s created\n", sa.GetName(), api.SearchAttributeType(sa))
		}
	}
	return nil
}

// cloudHint adds what to do on Temporal Cloud, which refuses the operator calls: its search
// attributes are managed with tcld.
func cloudHint(err error) error {
	var denied *serviceerror.PermissionDenied
	var unimpl *serviceerror.Unimplemented
	if !errors.As(err, &denied) && !errors.As(err, &unimpl) {
		return err
	}
	var b strings.Builder
	b.WriteString(err.Error())
	b.WriteString("\nOn Temporal Cloud, create them with tcld instead:\n")
	for _, sa := range api.SearchAttributes {
		fmt.Fprintf(&b, "  tcld namespace search-attributes add --namespace <namespace.account> --search-attribute %s=%s\n", sa.GetName(), api.SearchAttributeType(sa))
	}
	return errors.New(strings.TrimRight(b.String(), "\n"))
}
