#!/usr/bin/env bash
# The CI job: scan the commits a pull request adds, write SARIF, and exit by the policy.
# action.yml and docs/ci/gitlab-ci.yml run this script; tests/ci.rs runs it too.
#
# Environment (all optional):
#   STRAY          the stray binary (default: stray on PATH)
#   STRAY_BASE     the base ref; the scan covers STRAY_BASE..HEAD (default: all of HEAD's history)
#   STRAY_VAULT_FP a vault fingerprint file (stray vault fingerprint ... -o vault.fp)
#   STRAY_FAIL_ON  what fails the job (default: unvaulted with a vault, any without)
#   STRAY_SARIF    where to write SARIF (default: stray.sarif)
#
# Exit codes: 0 clean, 1 policy failure (credentials to act on), 2 stray could not run.
set -uo pipefail

stray=${STRAY:-stray}
range=HEAD
if [ -n "${STRAY_BASE:-}" ]; then
  range="${STRAY_BASE}..HEAD"
fi
sarif=${STRAY_SARIF:-stray.sarif}
args=(scan "--git=$range" --format sarif --output "$sarif")
if [ -n "${STRAY_VAULT_FP:-}" ]; then
  args+=(--vault "$STRAY_VAULT_FP")
fi
if [ -n "${STRAY_FAIL_ON:-}" ]; then
  args+=(--fail-on "$STRAY_FAIL_ON")
fi

"$stray" "${args[@]}"
status=$?
case "$status" in
  0) echo "stray: no credential outside the vault in $range" ;;
  1) echo "::error title=stray::credentials outside the vault were added in $range; see $sarif or the code scanning alerts" ;;
  *) echo "::error title=stray::stray could not run (exit $status): a tool error, not a finding" ;;
esac
exit "$status"
