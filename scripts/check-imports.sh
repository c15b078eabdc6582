#!/usr/bin/env bash
# Workflow code must stay deterministic and provider-free: workflows/ may not import I/O,
# clocks, randomness, logging or provider packages (workflowcheck covers calls; this covers
# imports, tests excluded). Clients (the gateway, the starter) talk to the engine through the
# api package and the Temporal client only: nothing they link may be a provider, the
# activities, the workflows or the rules engine.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
module=$(go list -m)
forbidden='^(net/http|os|os/exec|math/rand|math/rand/v2|go.uber.org/zap|'"$module"'/providers(/.*)?|'"$module"'/internal(/.*)?)$'
status=0
while read -r pkg imports; do
  for imp in $imports; do
    if [[ $imp =~ $forbidden ]]; then
      echo "check-imports: $pkg imports $imp (not allowed in workflow code)" >&2
      status=1
    fi
  done
done < <(go list -f '{{.ImportPath}} {{join .Imports " "}}' ./workflows/...)
[ $status -eq 0 ] && echo "check-imports: workflows/ imports only deterministic packages"

# Nor may workflow code speak Quickr: its case statuses, event types, rule verdicts and risk
# levels are read through the activities package's translations (activities/vocab.go). The
# words come from the Quickr client's and the rule engine's own constants, and any quoted
# CASE_*, CONTRACT_* or SIGNATORY_* literal counts too. Comment lines, and the lines declaring
# the engine's own Stage and Outcome values (OutcomeDeclined is "DECLINED" by coincidence), are
# not looked at.
words=$(sed -nE 's/^[[:space:]]*(Status|Event|Risk|Decision)[A-Za-z]*[[:space:]]*=[[:space:]]*"([A-Z_]+)".*/\2/p' \
  providers/quickr/types.go providers/quickr/events.go providers/quickr/agent.go automation/types.go | sort -u | paste -sd'|' -)
if [ -z "$words" ]; then
  echo "check-imports: found no Quickr words to look for (did their constants move?)" >&2
  exit 1
fi
literal='"(('"$words"')|(CASE|CONTRACT|SIGNATORY)_[A-Z_]*)"'
hits=$(grep -nE "$literal" $(ls workflows/*.go | grep -v '_test\.go$') |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*//' |
  grep -vE '^[^:]+:[0-9]+:[[:space:]]*[A-Za-z]+[[:space:]]+(Stage|Outcome)[[:space:]]*=' || true)
if [ -n "$hits" ]; then
  echo "check-imports: Quickr vocabulary in workflow code (use activities.CaseProgressOf, EventKindOf, VerdictOf, QuickrStatusFor, Risk*):" >&2
  echo "$hits" >&2
  status=1
else
  echo "check-imports: workflows/ uses no Quickr status, event or verdict literal"
fi
client_forbidden='^'"$module"'/(providers(/.*)?|activities|workflows|automation)$'
client_status=0
for client in ./gateway ./starter; do
  while read -r dep; do
    if [[ $dep =~ $client_forbidden ]]; then
      echo "check-imports: $client links $dep (clients use $module/api and the Temporal client)" >&2
      client_status=1
    fi
  done < <(go list -deps "$client")
done
[ $client_status -eq 0 ] && echo "check-imports: gateway/ and starter/ link no provider, activity, workflow or rules package"
exit $(( status | client_status ))
