#!/bin/sh
# Registers the onboarding engine's custom search attributes on the local
# Temporal Server (docker-compose.temporal.yml, service
# temporal-register-search-attributes). Runs inside temporalio/admin-tools.
# Idempotent: an attribute that already exists is not an error.
set -eu

ADDRESS="${TEMPORAL_ADDRESS:-temporal:7233}"
NAMESPACE="${NAMESPACE:-default}"
# Name=Type; keep in step with workflows.SearchAttributes (a test checks).
ATTRIBUTES="OnboardingStage=Keyword MerchantCountry=Keyword MerchantOrgNumber=Keyword KycCaseId=Keyword Outcome=Keyword RiskLevel=Keyword ProviderBlocked=KeywordList DecisionWriteBack=Keyword"

# auto-setup creates the namespace shortly after the server reports healthy.
tries=0
until temporal operator namespace describe --address "$ADDRESS" --namespace "$NAMESPACE" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "namespace '$NAMESPACE' not available at $ADDRESS after 120s" >&2
    exit 1
  fi
  echo "waiting for namespace '$NAMESPACE' ($tries/60)..."
  sleep 2
done

failed=0
for entry in $ATTRIBUTES; do
  name=${entry%%=*}
  type=${entry#*=}
  if out=$(temporal operator search-attribute create --address "$ADDRESS" \
      --namespace "$NAMESPACE" --name "$name" --type "$type" 2>&1); then
    echo "registered $name ($type)"
  elif printf '%s' "$out" | grep -qi 'already exists'; then
    echo "$name already registered"
  else
    echo "failed to register $name: $out" >&2
    failed=1
  fi
done

temporal operator search-attribute list --address "$ADDRESS" --namespace "$NAMESPACE"
exit "$failed"
