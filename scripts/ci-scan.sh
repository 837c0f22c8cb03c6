#!/usr/bin/env bash
# The CI job: scan the commits a pull request (or a push) adds, write the reports, and exit by
# the policy. action.yml and docs/ci/gitlab-ci.yml run this script; tests/integration/ci_platforms.rs runs
# it the way each of them does.
#
# Environment (all optional):
#   STRAY          the stray binary (default: stray on PATH)
#   STRAY_BASE     the base commit: the scan covers STRAY_BASE..HEAD. Empty, or all zeros (the
#                  "before" of a push that creates a branch): all of HEAD's history
#   STRAY_VAULT_FP a vault fingerprint file (stray vault fingerprint ... -o vault.fp)
#   STRAY_FAIL_ON  what fails the job (default: unvaulted with a vault, any without)
#   STRAY_OUT      directory for the reports (default: stray-results): stray.sarif, stray.json
#                  and summary.md
#   STRAY_SARIF    where to write SARIF (default: $STRAY_OUT/stray.sarif)
#   STRAY_GITLAB_REPORT  also write GitLab's secret-detection report to this file
#   STRAY_SUMMARY  append the Markdown summary to this file (GitHub: $GITHUB_STEP_SUMMARY)
#
# Trusted settings: the change under review must not be able to weaken its own verdict. With a
# base commit, .stray.toml (policy, exclusions, baseline, team rule packs, vault files) is read
# from the base commit's tree, never from the change; a base without one means no settings at
# all. Without a base, HEAD's own. A change to .stray.toml or to a baseline in the range is
# reported as a warning and in the summary.
#
# Exit codes: 0 clean, 1 policy failure (credentials to act on), 2 stray could not run.
set -uo pipefail

stray=${STRAY:-stray}
base=${STRAY_BASE:-}
if [[ "$base" =~ ^0+$ ]]; then
  base=""
fi
range=HEAD
if [ -n "$base" ]; then
  range="${base}..HEAD"
fi
out=${STRAY_OUT:-stray-results}
sarif=${STRAY_SARIF:-$out/stray.sarif}
json="$out/stray.json"
summary="$out/summary.md"
mkdir -p "$out" "$(dirname "$sarif")" || exit 2

args=(scan "--git=$range" --output "$sarif" --output "$json" --output "$summary")
if [ -n "${STRAY_GITLAB_REPORT:-}" ]; then
  args+=(--output "$STRAY_GITLAB_REPORT")
fi
if [ -n "${STRAY_VAULT_FP:-}" ]; then
  args+=(--vault "$STRAY_VAULT_FP")
fi
if [ -n "${STRAY_FAIL_ON:-}" ]; then
  args+=(--fail-on "$STRAY_FAIL_ON")
fi

# The settings of the base commit. Its tree goes into a directory inside the checkout so that a
# baseline read from there is anchored at the repository root, as it would be in the base itself.
trusted=""
cleanup() { [ -n "$trusted" ] && rm -rf "$trusted"; }
trap cleanup EXIT
if [ -n "$base" ]; then
  if ! git rev-parse --verify --quiet "$base^{commit}" >/dev/null; then
    echo "::error title=stray::stray could not run: the base commit $base is not in this clone (fetch it, or check out with full history)"
    exit 2
  fi
  if git cat-file -e "$base:.stray.toml" 2>/dev/null; then
    trusted=$(mktemp -d "$(git rev-parse --show-toplevel)/.stray-base.XXXXXX") || exit 2
    git archive "$base" | tar -x -C "$trusted" || exit 2
    args+=(--config "$trusted/.stray.toml")
  else
    args+=(--no-config)
  fi
  # Pathspecs match like fnmatch: `*` also crosses `/`.
  changed=$(git diff --name-only "$base" HEAD -- '.stray.toml' '*/.stray.toml' '*baseline*.json')
  while IFS= read -r file; do
    [ -n "$file" ] || continue
    echo "::warning file=$file,title=stray::this change edits $file; the verdict uses the base commit's settings, not this change's"
  done <<<"$changed"
else
  changed=""
fi

"$stray" "${args[@]}"
status=$?

if [ -f "$summary" ] && [ -n "$changed" ]; then
  {
    echo
    echo "**Settings changed in this range** (not applied: the verdict uses the base commit's):"
    while IFS= read -r file; do echo "- \`$file\`"; done <<<"$changed"
  } >>"$summary"
fi
if [ -n "${STRAY_SUMMARY:-}" ] && [ -f "$summary" ]; then
  cat "$summary" >>"$STRAY_SUMMARY"
fi
case "$status" in
  0) echo "stray: no credential outside the vault in $range" ;;
  1) echo "::error title=stray::credentials outside the vault were added in $range; see $summary, $sarif or the code scanning alerts" ;;
  *) echo "::error title=stray::stray could not run (exit $status): a tool error, not a finding" ;;
esac
exit "$status"
