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
[ $status -eq 0 ] && [ $client_status -eq 0 ]
