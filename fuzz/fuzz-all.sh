#!/usr/bin/env bash
# Fuzzes every input parser in turn: seeds each corpus from the real fixtures, then runs
# `cargo fuzz run` on each target for SECONDS (default 600, ten minutes).
#
#   fuzz/fuzz-all.sh                 # every target, 10 minutes each
#   fuzz/fuzz-all.sh 60              # every target, 1 minute each
#   fuzz/fuzz-all.sh 120 archive     # named targets only
#   JOBS=2 fuzz/fuzz-all.sh          # two targets at a time (one per core)
#
# Each run's libFuzzer output goes to fuzz/logs/<target>.log; the last lines of every log
# (runs, coverage, corpus size) are printed at the end.
#
# Needs cargo-fuzz (`cargo install cargo-fuzz`) and a nightly compiler; on stable,
# RUSTC_BOOTSTRAP=1 (set below) unlocks the flags cargo-fuzz passes. Crashes land in
# fuzz/artifacts/<target>/; copy each into fixtures/fuzz/<target>/ once fixed so
# `cargo test --test integration fuzz_regressions::` replays it.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
export RUSTC_BOOTSTRAP=1

seconds="${1:-600}"
shift || true
if [ "$#" -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

fx=fixtures
v=$fx/vault
# Copies files into a target's corpus; with a prefix, each seed gets those bytes first.
seed() {
    local target="$1" prefix="$2"
    shift 2
    local dir="fuzz/corpus/$target"
    mkdir -p "$dir"
    for file in "$@"; do
        [ -f "$file" ] || continue
        local name
        name="seed-$(printf '%s' "$file" | tr '/' '_')"
        { printf "$prefix"; cat "$file"; } > "$dir/$name"
    done
}
files_under() { find "$@" -type f 2>/dev/null | sort; }

mapfile -t laptop < <(files_under $fx/laptop $fx/false-positives)
mapfile -t json < <(files_under $fx -name '*.json' -not -path '*/fuzz/*')
mapfile -t yaml < <(files_under $fx -name '*.y*ml')

seed vault_bitwarden_json '' $v/bitwarden/*.json $v/malformed/bitwarden.json
seed vault_bitwarden_csv '' $v/bitwarden/*.csv $v/malformed/bitwarden.csv
seed vault_onepassword_1pux '' $v/1password/export.1pux $v/1password/legacy.1pif $v/malformed/1password.1pux
seed vault_onepassword_csv '' $v/1password/export.csv $v/malformed/1password.csv
seed vault_hashicorp '' $v/hashicorp/* $v/malformed/hashicorp.json
seed vault_aws '' $v/aws/* $v/malformed/aws.json
seed vault_keepass '' $v/keepassxc/* $v/malformed/keepassxc.csv
seed vault_infisical '' $v/infisical/* $v/malformed/infisical.json
seed vault_gcp '' $v/gcp/* $v/malformed/gcp.json
seed vault_azure '' $v/azure/* $v/malformed/azure.json
seed vault_generic_json '' $v/doppler/secrets.json $fx/laptop/home/.cursor/mcp.json
seed vault_generic_env '' $v/doppler/doppler-secrets.env $(files_under $fx/laptop -name '.env*')
mapfile -t vault_all < <(files_under $v)
seed vault_detect '' "${vault_all[@]}"
seed decode_json_strings '' "${json[@]}"
seed decode_base64 '' "${yaml[@]}" "${json[@]}"
seed decode_utf16 '' $(files_under $fx/utf16) "${laptop[@]}"
seed context '\000"' "${json[@]}"
seed context '\001:' "${yaml[@]}"
seed context '\002=' "${laptop[@]}"
seed archive '' $v/1password/export.1pux $v/malformed/1password.1pux
seed rule_pack '' rules/*.toml
seed scan_bytes '\000' "${laptop[@]}"
seed scan_bytes '\003' "${laptop[@]}"

# Hand-made seeds for the formats no fixture holds.
mkdir -p fuzz/corpus/{vault_fingerprints,baseline,config,decode_base64}
cat > fuzz/corpus/vault_fingerprints/seed-hand.json <<'JSON'
{"stray_fingerprints":1,"created":"2026-01-01T00:00:00Z","summary":{"written":1,"omitted_guessable":0},
 "entries":[{"fingerprint":"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08","item":"prod","field":"password","vault":"ops","created":"2025-01-01T00:00:00Z","tags":["a"],"history":true,"format":"bitwarden-json","guessable":false}]}
JSON
cat > fuzz/corpus/baseline/seed-hand.json <<'JSON'
{"stray_baseline":1,"created":"2026-01-01T00:00:00Z","entries":[{"fingerprint":"abc","rule":"openai-api-key","redacted":"sk-...","paths":["./app/.env"],"reason":"test key","owner":"ada","expires":"2027-03-01"}]}
JSON
printf 'x = "y" # stray:allow: test fixture */\n' > fuzz/corpus/baseline/seed-inline.txt
cat > fuzz/corpus/config/seed-hand.toml <<'TOML'
[scan]
exclude = ["vendor/**"]
rules = ["rules"]
respect_gitignore = true
max_file_size = "25MiB"

[policy]
fail_on = ["unvaulted", "overdue"]
max_age = 90
baseline = ".stray-baseline.json"

[vault]
files = ["vault.fp"]
name = "ops"

[owners]
"provider:openai" = "ada@acme.io"

[criticality]
"provider:slack" = "high"
TOML
cat > fuzz/corpus/decode_base64/seed-docker.json <<'JSON'
{"auths":{"ghcr.io":{"auth":"dXNlcjpnaHBfYWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU2Nzg5"}}}
JSON
printf 'apiVersion: v1\nkind: Secret\ndata:\n  password: aHVudGVyMg==\n  token: Z2hwX2FiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ==\n' \
    > fuzz/corpus/decode_base64/seed-k8s.yaml

jobs="${JOBS:-1}"
# One build up front; the runs then start the built binaries directly so parallel runs do not
# queue on cargo's build lock.
cargo fuzz build
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin_dir="fuzz/target/$triple/release"
mkdir -p fuzz/logs

run_target() {
    local target="$1"
    mkdir -p "fuzz/corpus/$target" "fuzz/artifacts/$target"
    echo "== $target: ${seconds}s (started $(date -u +%H:%M:%S))"
    if "$bin_dir/$target" "fuzz/corpus/$target" \
        -artifact_prefix="fuzz/artifacts/$target/" \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=262144 \
        -print_final_stats=1 > "fuzz/logs/$target.log" 2>&1; then
        echo "== $target: done"
    else
        echo "== $target: CRASHED (see fuzz/logs/$target.log)"
        return 1
    fi
}
export -f run_target
export seconds bin_dir

failed=()
# xargs keeps at most $jobs runs going; each prints its own verdict.
if ! printf '%s\n' "${targets[@]}" | xargs -P "$jobs" -I{} bash -c 'run_target "$1"' _ {}; then
    for target in "${targets[@]}"; do
        if grep -q -E 'ERROR: libFuzzer|SUMMARY: .*Sanitizer|deadly signal' "fuzz/logs/$target.log"; then
            failed+=("$target")
        fi
    done
fi
for target in "${targets[@]}"; do
    printf '%-24s %s\n' "$target" \
        "$(grep -E '^stat::number_of_executed_units|^Done [0-9]+ runs' "fuzz/logs/$target.log" | tail -1)"
done
if [ "${#failed[@]}" -gt 0 ]; then
    echo "crashed: ${failed[*]} (inputs in fuzz/artifacts/<target>/)" >&2
    exit 1
fi
echo "no crashes in ${#targets[@]} targets"
