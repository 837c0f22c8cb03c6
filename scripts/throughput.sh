#!/usr/bin/env bash
# Scan throughput on a generated corpus, next to `cat` of the same files (the I/O floor).
#   scripts/throughput.sh [CORPUS_DIR] [MEGABYTES] [RUNS]
# Generates the corpus on first use (deterministic), warms the page cache, then reports the
# median wall time of RUNS runs of each command and stray's time as a ratio to cat's.
set -euo pipefail
cd "$(dirname "$0")/.."

corpus=${1:-corpus/laptop}
megabytes=${2:-200}
runs=${3:-5}

if [ ! -d "$corpus" ]; then
  cargo run --quiet --release --example gen-corpus -- "$corpus" "$megabytes"
fi
cargo build --quiet --release
stray=target/release/stray

bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s+=$1} END {print s}')
files=$(find "$corpus" -type f | wc -l)
find "$corpus" -type f -print0 | xargs -0 cat > /dev/null # warm the page cache

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
time_runs() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null 2>&1 || true
    end=$(date +%s.%N)
    awk "BEGIN {print $end - $start}"
  done | median
}

cat_s=$(time_runs sh -c "find '$corpus' -type f -print0 | xargs -0 cat")
stray_s=$(time_runs "$stray" scan --quiet --format json --output /dev/null "$corpus")

calc() { awk "BEGIN {print $1}"; }
mb=$(calc "$bytes / 1000000")
printf 'corpus: %s, %d files, %.1f MB, median of %d runs, %d cores\n' "$corpus" "$files" "$mb" "$runs" "$(nproc)"
printf '%-8s %8.3f s %9.1f MB/s\n' cat "$cat_s" "$(calc "$mb / $cat_s")"
printf '%-8s %8.3f s %9.1f MB/s\n' stray "$stray_s" "$(calc "$mb / $stray_s")"
printf 'stray / cat wall-time ratio: %.2f\n' "$(calc "$stray_s / $cat_s")"
