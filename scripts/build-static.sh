#!/usr/bin/env bash
# Builds one statically linked stray for Linux x86-64 (static-pie, glibc linked in): copy it to
# any Linux machine and run it, nothing else to install.
#   scripts/build-static.sh            # writes target/static/stray
set -euo pipefail
cd "$(dirname "$0")/.."

triple="$(rustc -vV | sed -n 's/^host: //p')"
case "$triple" in
  *-linux-gnu) ;;
  *) echo "build-static: only for Linux (this host is $triple); use cargo build --release" >&2
     exit 2 ;;
esac
# The target is named explicitly so RUSTFLAGS reach only stray, not build scripts and proc macros.
RUSTFLAGS="-C target-feature=+crt-static" \
  cargo build --release --locked --target "$triple" --target-dir target/static-build
mkdir -p target/static
cp "target/static-build/$triple/release/stray" target/static/stray
if ldd target/static/stray 2>&1 | grep -q 'not a dynamic executable\|statically linked'; then
  echo "target/static/stray: statically linked ($(du -h target/static/stray | cut -f1))"
else
  echo "build-static: target/static/stray is still dynamically linked" >&2
  exit 1
fi
