#!/usr/bin/env bash
# Installs dependencies, builds rrt, and runs the main demo end to end:
# record a program -> pack -> verify --host -> replay, plus the archive tools
# (create, info, verify, cat) on real files.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${RRT_OUT:-$src/out}
cd "$src"
bash scripts/deps.sh
scripts/build.sh "$out/normal"
rrt=$out/normal/rrt
work=$(mktemp -d /tmp/rrt-demo.XXXXXX)
trap 'rm -rf "$work"' EXIT
say() { printf '\n$ %s\n' "$*" >&2; "$@"; }

echo "== archive tools on real files"
mkdir -p "$work/in"
cp /usr/bin/ls /usr/bin/cat "$work/in/" && cp -r /usr/share/doc/coreutils "$work/in/doc"
say "$rrt" create -o "$work/files.rrt" "$work/in"
say "$rrt" info "$work/files.rrt"
say "$rrt" verify "$work/files.rrt"
n=0
while IFS= read -r f; do
  "$rrt" cat "$work/files.rrt" "$f" | cmp -s - "$f" || { echo "demo: $f differs after extraction" >&2; exit 1; }
  n=$((n + 1))
done < <("$rrt" ls "$work/files.rrt")
echo "extracted $n files with rrt cat: all identical to the originals"

if "$rrt" help record >/dev/null 2>&1; then
  echo
  echo "== record -> pack -> verify --host -> replay"
  prog='import time, os; print("time", time.time(), "random", os.urandom(8).hex())'
  say "$rrt" record -o "$work/run.rrt" -- python3 -c "$prog" | tee "$work/record.out"
  say "$rrt" pack "$work/run.rrt"
  say "$rrt" verify --host "$work/run.rrt"
  say "$rrt" replay "$work/run.rrt" | tee "$work/replay.out"
  cmp "$work/record.out" "$work/replay.out" && echo "replay output is identical to the recorded run"
fi
