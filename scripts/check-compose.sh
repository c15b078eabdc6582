#!/usr/bin/env bash
# Validates docker-compose.temporal.yml offline (no Docker engine needed):
#   1. the compose file parses and validates with a real Compose
#      implementation (`docker compose` v2 plugin, else `docker-compose`;
#      installs Debian's docker-compose package when neither exists and we
#      are root);
#   2. every service uses an image pinned to a version tag (no `latest`,
#      no untagged image, no service without an image);
#   3. the files the compose file mounts exist, the dynamic config is YAML
#      and the search-attribute script is valid sh.
# Exits non-zero on any problem, printing the compose tool's message.
#
# Usage: scripts/check-compose.sh [compose-file]
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
FILE="${1:-docker-compose.temporal.yml}"

fail() { echo "check-compose: $*" >&2; exit 1; }

[ -f "$FILE" ] || fail "$FILE not found"

# --- pick a compose implementation ------------------------------------------
COMPOSE=()
if command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
  COMPOSE=(docker compose)
elif command -v docker-compose >/dev/null 2>&1; then
  COMPOSE=(docker-compose)
else
  if [ "$(id -u)" -ne 0 ]; then
    fail "no compose tool found (neither 'docker compose' nor 'docker-compose').
Install one, e.g. as root: apt-get install docker-compose"
  fi
  echo "check-compose: installing Debian package docker-compose..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker-compose >/dev/null \
    || fail "apt-get install docker-compose failed"
  command -v docker-compose >/dev/null 2>&1 || fail "docker-compose still missing after install"
  COMPOSE=(docker-compose)
fi
version="$("${COMPOSE[@]}" version --short 2>/dev/null || "${COMPOSE[@]}" version 2>/dev/null | head -n1 || true)"
echo "check-compose: using '${COMPOSE[*]}' (${version:-unknown version}) on $FILE"

# --- 1. validate -------------------------------------------------------------
# Variables with defaults in the file must not leak in from the caller's
# environment, so the default values are what gets validated.
unset TEMPORAL_CORS_ORIGINS TEMPORAL_CODEC_ENDPOINT
# config never contacts the engine; point DOCKER_HOST nowhere to be sure.
export DOCKER_HOST="${DOCKER_HOST:-unix:///nonexistent/docker.sock}"

if ! out="$("${COMPOSE[@]}" -f "$FILE" config -q 2>&1)"; then
  echo "$out" >&2
  fail "$FILE is not a valid compose file"
fi
# Warnings (unknown variables, deprecated keys) count as problems too.
if [ -n "$out" ]; then
  echo "$out" >&2
  fail "compose printed warnings for $FILE"
fi
resolved="$("${COMPOSE[@]}" -f "$FILE" config 2>&1)" || { echo "$resolved" >&2; fail "config failed"; }

# --- 2. pinned images --------------------------------------------------------
# Walk the resolved config (normalised 2-space YAML from v1 and v2 alike):
# one "service<TAB>image" line per service, empty image when there is none.
pairs="$(printf '%s\n' "$resolved" | awk '
  /^[^ #]/ { in_services = ($0 ~ /^services:/); next }
  in_services && /^  [^ #-][^:]*:[ ]*$/ {
    if (svc != "") print svc "\t" img
    svc = $1; sub(/:$/, "", svc); img = ""; next
  }
  in_services && /^    image:/ { img = $0; sub(/^    image:[ ]*/, "", img); gsub(/["\047]/, "", img) }
  END { if (svc != "") print svc "\t" img }
')"
[ -n "$pairs" ] || fail "no services found in $FILE"

bad=0
while IFS=$'\t' read -r svc img; do
  if [ -z "$img" ]; then
    echo "check-compose: service '$svc' has no image (build-only services are not allowed here)" >&2
    bad=1; continue
  fi
  ref="${img%%@*}"            # drop an optional @sha256 digest
  last="${ref##*/}"           # repository name after the last slash
  if [[ "$last" != *:* ]]; then
    echo "check-compose: service '$svc' image '$img' has no tag (pin a version)" >&2
    bad=1; continue
  fi
  tag="${last##*:}"
  if [ "$tag" = "latest" ] || [[ ! "$tag" =~ [0-9] ]]; then
    echo "check-compose: service '$svc' image '$img' is not pinned to a version tag" >&2
    bad=1; continue
  fi
  echo "check-compose: $svc -> $img"
done <<<"$pairs"
[ "$bad" -eq 0 ] || fail "unpinned images in $FILE"

# --- 3. mounted files ---------------------------------------------------------
dyn=deploy/temporal/dynamicconfig/development-sql.yaml
reg=deploy/temporal/register-search-attributes.sh
for f in "$dyn" "$reg"; do
  [ -f "$f" ] || fail "$f (mounted by $FILE) is missing"
done
if command -v python3 >/dev/null 2>&1 && python3 -c 'import yaml' 2>/dev/null; then
  python3 - "$dyn" <<'PY' || fail "$dyn is not valid dynamic config YAML"
import sys, yaml
with open(sys.argv[1]) as f:
    doc = yaml.safe_load(f)
assert isinstance(doc, dict) and doc, "expected a non-empty mapping"
for key, values in doc.items():
    assert isinstance(values, list) and values, f"{key}: expected a list of values"
    for v in values:
        assert isinstance(v, dict) and "value" in v, f"{key}: each entry needs 'value'"
PY
else
  echo "check-compose: python3-yaml not available, skipping YAML check of $dyn"
fi
sh -n "$reg" || fail "$reg has a shell syntax error"
# The server itself knows its keys and types: an unknown key (a typo, a setting an upgrade
# removed) is a warning there and a failure here. Needs bin/temporal-server (make cluster-tools).
if [ -x bin/temporal-server ]; then
  out="$(bin/temporal-server validate-dynamic-config "$dyn" 2>&1)" || { echo "$out" >&2; fail "$dyn does not validate"; }
  if grep -qE '^  (warning|error):' <<<"$out"; then echo "$out" >&2; fail "$dyn: the server warns about it"; fi
  echo "check-compose: $dyn validated by bin/temporal-server"
else
  echo "check-compose: bin/temporal-server missing (make cluster-tools), skipping the server's check of $dyn"
fi

echo "check-compose: OK ($FILE)"
