#!/usr/bin/env bash
# Workflow code must stay deterministic and provider-free: workflows/ may not import I/O,
# clocks, randomness, logging or provider packages (workflowcheck covers calls; this covers
# imports, tests excluded).
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
exit $status
