#!/usr/bin/env bash
# The whole stack in the foreground on loopback: Temporal dev server (state in .run/, so a
# restart keeps the onboardings) with its UI, the search attributes, the sandbox, the worker
# and the gateway, wired to each other. Ctrl-C stops every child. `make run` calls this after
# building bin/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

HOST=127.0.0.1
TEMPORAL_PORT=${TEMPORAL_PORT:-7233}
UI_PORT=${UI_PORT:-8233}
SANDBOX_PORT=${SANDBOX_PORT:-8090}
GATEWAY_PORT=${GATEWAY_PORT:-8081}
METRICS_PORT=${METRICS_PORT:-9464}
RUN_DIR=.run
mkdir -p "$RUN_DIR/logs"

# Name=Type; keep in step with workflows.SearchAttributes (a test checks).
SEARCH_ATTRIBUTES=(OnboardingStage=Keyword MerchantCountry=Keyword MerchantOrgNumber=Keyword KycCaseId=Keyword Outcome=Keyword RiskLevel=Keyword ProviderBlocked=KeywordList DecisionWriteBack=Keyword)

say() { printf '\033[1m[run]\033[0m %s\n' "$*"; }
die() { printf '\033[31m[run] %s\033[0m\n' "$*" >&2; exit 1; }

port_busy() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }
for spec in "Temporal:$TEMPORAL_PORT:TEMPORAL_PORT" "Temporal UI:$UI_PORT:UI_PORT" \
            "sandbox:$SANDBOX_PORT:SANDBOX_PORT" "gateway:$GATEWAY_PORT:GATEWAY_PORT" \
            "worker metrics:$METRICS_PORT:METRICS_PORT"; do
  IFS=: read -r name port var <<<"$spec"
  if port_busy "$port"; then
    die "port $port ($name) is already in use on $HOST. Stop whatever listens there (e.g. an earlier 'make run'), or pick another: make run $var=<port>"
  fi
done

pids=()
cleanup() {
  trap - INT TERM EXIT
  trap '' INT # a second Ctrl-C must not cut the shutdown short
  if [ ${#pids[@]} -gt 0 ]; then
    say "stopping..."
    # Reverse order: gateway and worker first, Temporal last.
    for ((i=${#pids[@]}-1; i>=0; i--)); do kill -TERM "${pids[i]}" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  fi
  say "stopped. Onboardings are kept in $RUN_DIR/temporal.db ('make clean' wipes them)."
}
# A requested stop (Ctrl-C, SIGTERM) is a success; any other exit keeps its code.
trap 'cleanup; exit 0' INT TERM
trap cleanup EXIT

start() { # name, command...
  local name=$1; shift
  "$@" >>"$RUN_DIR/logs/$name.log" 2>&1 &
  pids+=($!)
  say "$name started (pid $!, log $RUN_DIR/logs/$name.log)"
}

# Local secrets, made once and kept in .run/ (never in the repository): the payload
# encryption key, API tokens for an app and two agents, the codec server's token and the
# callback URL secret (the worker mints the providers' callback URLs with it, the gateway
# verifies them). The starter reads them too: `set -a; . .run/secrets.env; set +a`.
SECRETS="$RUN_DIR/secrets.env"
rand() { head -c "$1" /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
if [ ! -s "$SECRETS" ]; then
  (umask 077; cat >"$SECRETS" <<ENV
# Made by make run for this machine only. Rotate the payload key by putting a new id=key
# first in ONBOARDING_PAYLOAD_KEYS and keeping the old one after it (see the README).
ONBOARDING_PAYLOAD_KEYS=local-$(date +%Y%m%d)=$(head -c 32 /dev/urandom | base64)
ONBOARDING_API_TOKENS=app:demo-app=$(rand 24),agent:demo-agent=$(rand 24),agent:second-agent=$(rand 24)
ONBOARDING_CODEC_TOKENS=$(rand 24)
ONBOARDING_CALLBACK_SECRETS=$(rand 32)
ENV
  )
  say "made local secrets in $SECRETS"
elif ! grep -q '^ONBOARDING_CALLBACK_SECRETS=' "$SECRETS"; then
  # A secrets file from before callback URLs carried a token.
  (umask 077; echo "ONBOARDING_CALLBACK_SECRETS=$(rand 32)" >>"$SECRETS")
  say "added a callback URL secret to $SECRETS"
fi
set -a
# shellcheck disable=SC1090
. "$SECRETS"
set +a
CODEC_TOKEN=${ONBOARDING_CODEC_TOKENS%%,*}
APP_TOKEN=$(sed -n 's/.*app:demo-app=\([^,]*\).*/\1/p' <<<"$ONBOARDING_API_TOKENS")
AGENT_TOKEN=$(sed -n 's/.*agent:demo-agent=\([^,]*\).*/\1/p' <<<"$ONBOARDING_API_TOKENS")
export ONBOARDING_CODEC_ORIGINS="http://$HOST:$UI_PORT,http://localhost:$UI_PORT"

sa_flags=()
for sa in "${SEARCH_ATTRIBUTES[@]}"; do sa_flags+=(--search-attribute "$sa"); done
start temporal bin/temporal server start-dev --ip "$HOST" --port "$TEMPORAL_PORT" --ui-port "$UI_PORT" \
  --db-filename "$RUN_DIR/temporal.db" --log-level warn "${sa_flags[@]}" \
  --dynamic-config-value system.enableActivityEagerExecution=true \
  --ui-codec-endpoint "http://$HOST:$GATEWAY_PORT/codec/t/$CODEC_TOKEN"

# Local profile: the worker and the gateway may fall back to the sandbox's published
# credentials (and the addresses below). Without it they refuse to start while one is unset.
export ONBOARDING_PROFILE=local
export ONBOARDING_TEMPORAL_ADDRESS="$HOST:$TEMPORAL_PORT"
for _ in $(seq 1 120); do
  if bin/temporal operator cluster health --address "$ONBOARDING_TEMPORAL_ADDRESS" >/dev/null 2>&1; then break; fi
  kill -0 "${pids[0]}" 2>/dev/null || die "the Temporal dev server exited; see $RUN_DIR/logs/temporal.log"
  sleep 0.5
done
bin/temporal operator cluster health --address "$ONBOARDING_TEMPORAL_ADDRESS" >/dev/null 2>&1 \
  || die "the Temporal dev server did not become healthy in 60 s; see $RUN_DIR/logs/temporal.log"

# The demo default: the sandbox plays merchant, signatories and providers by itself.
export ONBOARDING_SANDBOX_AUTO="${SANDBOX_AUTO:-${ONBOARDING_SANDBOX_AUTO:-true}}"
export ONBOARDING_SANDBOX_ADDR="$HOST:$SANDBOX_PORT"
export ONBOARDING_GATEWAY_ADDR="$HOST:$GATEWAY_PORT"
export ONBOARDING_METRICS_ADDR="$HOST:$METRICS_PORT"
sandbox="http://$HOST:$SANDBOX_PORT"
export ONBOARDING_QUICKR_BASE_URL="$sandbox/quickr/v2"
export ONBOARDING_CREDITRO_BASE_URL="$sandbox/creditro"
export ONBOARDING_IDV_BASE_URL="$sandbox/idv"
export ONBOARDING_DEEPIDV_BASE_URL="$sandbox/deepidv"
export ONBOARDING_OPENBANKING_BASE_URL="$sandbox/openbanking"
export ONBOARDING_NOTIFY_URL="$sandbox/app/inbox"
# The gateway stores the merchants' bank data where the worker reads it (encrypted).
export ONBOARDING_BANK_DATA_DIR="$RUN_DIR/bank-data"
# The sandbox's app uploads sample bank data through the gateway when asked.
export ONBOARDING_SANDBOX_APP_API_URL="http://$HOST:$GATEWAY_PORT"
export ONBOARDING_SANDBOX_APP_TOKEN="$APP_TOKEN"
# The routes: each case and IDV session is given <route>/<token>, its own capability URL.
export ONBOARDING_QUICKR_CALLBACK_URL="http://$HOST:$GATEWAY_PORT/webhooks/quickr"
export ONBOARDING_IDV_CALLBACK_URL="http://$HOST:$GATEWAY_PORT/webhooks/idv"
start sandbox bin/sandbox
start worker bin/worker
start gateway bin/gateway

cat <<MSG

  Temporal UI   http://$HOST:$UI_PORT   (filter: OnboardingStage="AWAITING_REVIEW"; payloads decoded by the gateway's codec server)
  Temporal      $HOST:$TEMPORAL_PORT
  gateway       http://$HOST:$GATEWAY_PORT   (API: /v1, contract: /v1/openapi.json)
  console       http://$HOST:$GATEWAY_PORT/console/   (agents' review queue; sign in with an agent token: demo-agent's is below, second-agent's is in the secrets file)
  sandbox       http://$HOST:$SANDBOX_PORT   (auto mode: $ONBOARDING_SANDBOX_AUTO; app inbox: /control/inbox)
  metrics       http://$HOST:$METRICS_PORT/metrics   (worker, Prometheus format; see README "Metrics")
  secrets       $SECRETS   (payload key, API and codec tokens, callback URL secret; load them with: set -a; . $SECRETS; set +a)
  webhooks      http://$HOST:$GATEWAY_PORT/webhooks/quickr/<token>, /webhooks/idv/<token>   (each case's and session's own callback URL, minted by the worker)

  Start an onboarding through the gateway (another terminal):
    curl -s -X POST http://$HOST:$GATEWAY_PORT/v1/onboardings -H "Authorization: Bearer $APP_TOKEN" \\
      -H 'Content-Type: application/json' -d '{"company":{"orgNumber":"987654321","country":"NO","name":"Ragnarok AS"},
      "contact":{"name":"Ragnar Lothbrok","email":"ragnar@example.test"},"credit":{"amount":50000}}'
  Follow it (the sandbox declares, signs and verifies by itself in about half a minute):
    curl -s http://$HOST:$GATEWAY_PORT/v1/onboardings/onboarding:NO:987654321 -H "Authorization: Bearer $APP_TOKEN"
  Or with the CLI, after loading the secrets:
    bin/starter start --company 123456789 --country NO --name "Floki Shipbuilders" \\
      --contact-name "Floki Vilgerdarson" --contact-email floki@example.test --amount 50000
  Floki goes to review; decide it as the demo agent, with the CLI (the agent is the token's name):
    ONBOARDING_GATEWAY_URL=http://$HOST:$GATEWAY_PORT ONBOARDING_AGENT_TOKEN=$AGENT_TOKEN \
      bin/starter decide onboarding:NO:123456789 --decision approve
  or with curl:
    curl -s -X POST http://$HOST:$GATEWAY_PORT/v1/onboardings/onboarding:NO:123456789/decision \\
      -H "Authorization: Bearer $AGENT_TOKEN" -H 'Content-Type: application/json' -d '{"decision":"approve"}'

  Ctrl-C stops everything.
MSG

# Stay in the foreground until Ctrl-C or until any child dies.
set +e
wait -n "${pids[@]}"
code=$?
say "a process exited (code $code); see $RUN_DIR/logs/. Stopping the rest."
exit "$code"
