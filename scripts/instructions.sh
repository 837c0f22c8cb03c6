#!/usr/bin/env bash
# Instruction counts of a scan (valgrind's callgrind), which do not move with machine noise:
#   scripts/instructions.sh [MEGABYTES] [CORPUS_DIR]
# Generates a deterministic laptop corpus of MEGABYTES (default 20) with examples/gen-corpus.rs
# on first use, scans it on one thread under callgrind, and prints the total instructions, per
# byte, and the share of the keyword search (each_keyword), the rest of aho_corasick (building
# the DFA) and regex confirmation (regex_automata). Compare two builds by running it on each: a change to the hot loop shows
# as a change in instructions per byte. Needs valgrind (Debian: apt-get install valgrind).
set -euo pipefail
cd "$(dirname "$0")/.."
megabytes=${1:-20}
corpus=${2:-target/instructions/laptop-${megabytes}mb}
command -v valgrind >/dev/null || { echo "instructions.sh: valgrind is not installed" >&2; exit 2; }
cargo build --quiet --release --example gen-corpus
cargo build --quiet --release
if [ ! -d "$corpus" ]; then
  target/release/examples/gen-corpus "$corpus" "$megabytes" >/dev/null
fi
bytes=$(find "$corpus" -type f -printf '%s\n' | awk '{s += $1} END {print s}')
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
valgrind --tool=callgrind --callgrind-out-file="$out/cg.out" \
  target/release/stray scan --no-config --quiet --threads 1 --format json \
  --output "$out/report.json" "$corpus" >/dev/null 2>"$out/valgrind.log" || true
callgrind_annotate --inclusive=no "$out/cg.out" 2>/dev/null > "$out/annotate.txt"
python3 - "$out/annotate.txt" "$bytes" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
bytes_ = int(sys.argv[2])
total = None
# The keyword search is stray's own loop over aho_corasick's DFA (each_keyword); building the
# DFA at start-up counts under aho_corasick.
shares = {"keyword search (each_keyword)": 0, "aho_corasick": 0, "regex_automata": 0}
needles = {"keyword search (each_keyword)": "matcher::each_keyword",
           "aho_corasick": "aho_corasick::", "regex_automata": "regex_automata::"}
for line in text.splitlines():
    m = re.match(r"\s*([\d,]+)(?:\s+\([^)]*\))?\s+(?:\*\s+)?(.*)", line)
    if not m:
        continue
    count = int(m.group(1).replace(",", ""))
    rest = m.group(2)
    if "PROGRAM TOTALS" in rest:
        total = count
        continue
    for share, needle in needles.items():
        if needle in rest:
            shares[share] += count
if total is None:
    sys.exit("instructions.sh: no totals in callgrind's output")
print(f"corpus: {bytes_ / 1e6:.1f} MB")
print(f"instructions: {total:,} ({total / bytes_:.1f} per byte)")
for crate, count in shares.items():
    print(f"  {crate}: {count:,} ({100 * count / total:.0f}%)")
PY
