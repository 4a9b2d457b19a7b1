#!/usr/bin/env bash
# docs.openapi_lint: lints docs/openapi.json with Redocly CLI, "recommended" ruleset
# (tools/openapi-lint/redocly.yaml). Fails on any error AND on any warning.
# Installs the pinned linter (npm ci, from tools/openapi-lint/package-lock.json) when
# tools/openapi-lint/node_modules is missing.
# Usage: openapi_lint.sh [REPO_ROOT]
set -euo pipefail

root=$(cd "${1:-$(dirname "$0")/../..}" && pwd)
tool=$root/tools/openapi-lint
doc=$root/docs/openapi.json
redocly=$tool/node_modules/.bin/redocly

# No usage reporting, no update checks: CI reaches only the npm registry.
export REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true NO_UPDATE_NOTIFIER=1 CI=${CI:-true}

if [[ ! -x $redocly ]]; then
  command -v npm >/dev/null || { echo "FAIL: npm is not on PATH (needed to install @redocly/cli)"; exit 1; }
  echo "installing the linter: npm ci in tools/openapi-lint"
  (cd "$tool" && npm ci --no-audit --no-fund)
fi

# Human-readable report; a non-zero status means errors.
status=0
"$redocly" lint --config "$tool/redocly.yaml" --format=stylish "$doc" || status=$?
if (( status != 0 )); then
  echo "FAIL: redocly lint found errors in docs/openapi.json"
  exit 1
fi

# Warnings do not change redocly's exit status: count them from the JSON report.
totals=$("$redocly" lint --config "$tool/redocly.yaml" --format=json "$doc" 2>/dev/null |
  node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{
    const t=JSON.parse(s).totals; console.log(`${t.errors} ${t.warnings} ${t.ignored}`);})')
read -r errors warnings ignored <<<"$totals"
echo "docs/openapi.json: $errors errors, $warnings warnings, $ignored ignored on purpose" \
     "(tools/openapi-lint/.redocly.lint-ignore.yaml)"
if (( errors != 0 || warnings != 0 )); then
  echo "FAIL: the OpenAPI document must lint with no errors and no warnings"
  exit 1
fi
echo "OK: docs/openapi.json lints clean"
