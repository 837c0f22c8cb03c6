#!/usr/bin/env bash
# Git input speed: the history walk (`stray::git::history`) and `stray::git::staged` on a
# generated repository, and with --peers the peers' history scans next to stray's.
#   scripts/bench-git.sh [--peers] [--markdown FILE] [--update-docs] [REPO_DIR] [COMMITS] [RUNS]
# Generates the repository on first use with `git fast-import` (deterministic: COMMITS commits,
# each touching 1-3 files of source-like text, eight of them planting a fake key, then `git gc`
# as a real repository would be), then reports the median wall time of RUNS runs of
# examples/git-walk (process start included) for the whole history, next to `git log --raw`
# alone (the walk's floor), and for `--staged` on a 10-file change. Uses hyperfine when it is
# installed. --peers then runs scripts/bench-git-peers: stray scan --git, betterleaks, gitleaks
# and kingfisher over the same history (median wall, peak RSS, ratio to stray, findings, planted
# keys found); --markdown FILE writes that table as Markdown, and --update-docs (with --peers)
# also puts it between the `bench-git` markers of README.md (scripts/benchdocs.py).
set -euo pipefail
cd "$(dirname "$0")/.."

peers=false
markdown=
update_docs=false
while [ $# -gt 0 ]; do
  case $1 in
    --peers) peers=true; shift ;;
    --markdown) markdown=$2; shift 2 ;;
    --update-docs) update_docs=true; shift ;;
    -*) echo "usage: $0 [--peers] [--markdown FILE] [--update-docs] [REPO_DIR] [COMMITS] [RUNS]" >&2; exit 2 ;;
    *) break ;;
  esac
done
repo=${1:-/tmp/stray-bench-history}
commits=${2:-5000}
runs=${3:-5}

export GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE
g() { git -C "$repo" -c user.name=bench -c user.email=bench@example.com "$@"; }

generate() {
  # One fast-import stream: commit i rewrites 1-3 of 400 files; every version is distinct text.
  # Eight commits spread over the history also plant a fake credential in the first file they
  # touch, which stays in every later version of that file (as a committed secret does). The
  # credentials come from their own generator, so the rest of the text does not depend on them;
  # they are listed in .git/planted-keys for the recall check of bench-git-peers.
  awk -v commits="$commits" -v planted_list="$repo/.git/planted-keys" '
  function key_chars(set, n,   s, i) {
    s = ""
    for (i = 0; i < n; i++) {
      seed = (seed * 16807) % 2147483647
      s = s substr(set, 1 + seed % length(set), 1)
    }
    return s
  }
  function fake_key(kind,   alnum, digits) {
    alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    digits = "0123456789"
    if (kind == 0) return "glpat-" key_chars(alnum, 20)
    if (kind == 1) return "xoxb-" key_chars(digits, 12) "-" key_chars(digits, 13) "-" key_chars(alnum, 24)
    if (kind == 2) return "sk_live_" key_chars(alnum, 24)
    return "SG." key_chars(alnum, 22) "." key_chars(alnum, 43)
  }
  BEGIN {
    srand(42)
    seed = 20240601
    plants = 0
    words = "let const return self value config buffer index count result error handle open close read write parse token stream"
    nwords = split(words, word, " ")
    t = 1600000000
    for (c = 1; c <= commits; c++) {
      t += 600 + int(rand() * 3000)
      printf "commit refs/heads/main\nmark :%d\n", c
      printf "author Dev %d <dev%d@example.com> %d +0000\n", c % 17, c % 17, t
      printf "committer Dev %d <dev%d@example.com> %d +0000\n", c % 17, c % 17, t
      msg = "change " c
      printf "data %d\n%s\n", length(msg), msg
      if (c > 1) printf "from :%d\n", c - 1
      plant = plants < 8 && c == int((plants + 1) * commits / 9)
      touched = 1 + int(rand() * 3)
      for (k = 0; k < touched; k++) {
        f = int(rand() * 400)
        path = sprintf("src/mod_%02d/file_%03d.rs", f % 23, f)
        if (plant && k == 0) {
          key = fake_key(plants % 4)
          print key > planted_list
          kept[f] = kept[f] sprintf("    let api_key_%d = \"%s\";\n", plants, key)
          plants++
        }
        lines = 40 + int(rand() * 160)
        body = sprintf("// %s, revision %d\nuse crate::mod_%02d::*;\n\n", path, c, f % 23) kept[f]
        for (l = 0; l < lines; l++) {
          if (l % 12 == 0) {
            body = body sprintf("pub fn %s_%d_%d(%s: usize) -> Result<usize, Error> {\n", word[1 + int(rand() * nwords)], f, l, word[1 + int(rand() * nwords)])
          } else if (l % 12 == 11) {
            body = body "}\n\n"
          } else {
            body = body sprintf("    let %s_%d = %s.%s(%d)?; // %s %s\n", word[1 + int(rand() * nwords)], l, word[1 + int(rand() * nwords)], word[1 + int(rand() * nwords)], int(rand() * 100000), word[1 + int(rand() * nwords)], word[1 + int(rand() * nwords)])
          }
        }
        printf "M 100644 inline %s\ndata %d\n%s\n", path, length(body), body
      }
    }
  }'
}

# A repository from before the planted keys is made again.
if [ ! -f "$repo/.git/planted-keys" ]; then
  echo "generating $commits commits in $repo ..." >&2
  rm -rf "$repo"
  git init -q -b main "$repo"
  generate | g fast-import --quiet
  g reset -q --hard main
  g gc -q
fi

cargo build --quiet --release --example git-walk
cargo build --quiet --release
target=${CARGO_TARGET_DIR:-$PWD/target}
walk=$target/release/examples/git-walk
stray=$target/release/stray

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }
time_runs() {
  for _ in $(seq "$runs"); do
    local start end
    start=$(date +%s.%N)
    "$@" > /dev/null
    end=$(date +%s.%N)
    awk "BEGIN {print $end - $start}"
  done | median
}
calc() { awk "BEGIN {print $1}"; }

# The 10-file change for --staged: edit two places in each of ten tracked files.
stage_ten() {
  local files
  mapfile -t files < <(g ls-files | head -n 10)
  for f in "${files[@]}"; do
    sed -i '5s/$/ \/\/ edited/' "$repo/$f"
    printf 'pub fn added_by_bench() -> usize {\n    42\n}\n' >> "$repo/$f"
  done
  g add -- "${files[@]}"
}
stage_ten
trap 'g reset -q --hard HEAD' EXIT

echo "repository: $repo, $(g rev-list --count HEAD) commits, $(nproc) cores, git $(git --version | awk '{print $3}')"
"$walk" "$repo"
"$walk" --staged "$repo"

# The whole command, matching included: what a pre-commit hook and a CI job pay.
stray_scan() { (cd "$repo" && "$stray" scan --quiet --format json --output /dev/null "$@") || true; }

if command -v hyperfine > /dev/null; then
  hyperfine --warmup 1 --runs "$runs" -i \
    -n history "$walk $repo" \
    -n 'git log --raw (floor)' "git -C $repo log --raw -z --no-abbrev --no-renames --root -c --topo-order --format=%H" \
    -n staged "$walk --staged $repo" \
    -n 'stray scan --git' "cd $repo && $stray scan --quiet --format json --output /dev/null --git" \
    -n 'stray scan --staged' "cd $repo && $stray scan --quiet --format json --output /dev/null --staged"
else
  "$walk" "$repo" > /dev/null # warm the page cache
  history_s=$(time_runs "$walk" "$repo")
  log_s=$(time_runs git -C "$repo" log --raw -z --no-abbrev --no-renames --root -c --topo-order --format=%H)
  staged_s=$(time_runs "$walk" --staged "$repo")
  mb=$("$walk" "$repo" | sed -E 's/.* ([0-9.]+) MB,.*/\1/')
  printf 'median of %d runs (process start included):\n' "$runs"
  printf '  %-26s %8.3f s  %7.1f MB/s\n' 'history walk' "$history_s" "$(calc "$mb / $history_s")"
  printf '  %-26s %8.3f s\n' 'git log --raw alone' "$log_s"
  printf '  %-26s %8.1f ms\n' 'staged (10-file change)' "$(calc "$staged_s * 1000")"
  cli_git_s=$(time_runs stray_scan --git)
  cli_staged_s=$(time_runs stray_scan --staged)
  printf '  %-26s %8.3f s  %7.1f MB/s\n' 'stray scan --git' "$cli_git_s" "$(calc "$mb / $cli_git_s")"
  printf '  %-26s %8.1f ms\n' 'stray scan --staged' "$(calc "$cli_staged_s * 1000")"
fi

if $update_docs && [ -z "$markdown" ]; then
  markdown=$(mktemp)
fi
if $peers; then
  scripts/bench-git-peers "$repo" "$stray" --runs "$runs" ${markdown:+--markdown "$markdown"}
  if $update_docs; then
    python3 scripts/benchdocs.py bench-git "$markdown" README.md
    echo "updated README.md"
  fi
fi
