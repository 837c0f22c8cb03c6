#!/usr/bin/env bash
# The pre-commit framework's entry for stray's hooks (.pre-commit-hooks.yaml): runs stray with
# the hook's arguments, building it first if this checkout of stray has not been built yet.
#
# pre-commit's own `language: rust` runs `cargo install` without --locked, which resolves
# newer dependency versions than the ones stray is tested with; this builds with --locked, once,
# into this checkout (pre-commit keeps it in its cache), and reuses it afterwards.
# `STRAY=/path/to/stray` uses an installed stray instead.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
stray=${STRAY:-}
if [ -z "$stray" ]; then
  stray="$here/target/release/stray"
  if [ ! -x "$stray" ]; then
    echo "stray: building stray (once, cargo build --locked --release; about 2 minutes)" >&2
    cargo build --locked --release --quiet --manifest-path "$here/Cargo.toml" >&2
  fi
fi
exec "$stray" "$@"
