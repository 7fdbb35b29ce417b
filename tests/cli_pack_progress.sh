#!/bin/sh
# rrt pack's progress line on a terminal: it is rewritten in place (\r) and
# ended once, not scrolled one line per file. Needs script(1) for a pty.
# Usage: cli_pack_progress.sh RRT
set -eu
RRT=$1
command -v script > /dev/null || { echo "SKIP: needs script (util-linux)"; exit 77; }
W=$(mktemp -d /tmp/rrt-cli-progress.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
mkdir "$W/src"
for i in $(seq 1 40); do
    head -c 20000 /dev/urandom > "$W/src/f$i"
done
"$RRT" create -x -o "$W/ext.rrt" "$W/src"
script -qec "'$RRT' pack --no-sync '$W/ext.rrt'" /dev/null > "$W/tty" ||
    fail "pack failed: $(cat "$W/tty")"
grep -q "pack: 40/40 files" "$W/tty" || fail "no progress line: $(cat "$W/tty")"
lines=$(tr -cd '\n' < "$W/tty" | wc -c)
[ "$lines" = 1 ] || fail "progress took $lines lines instead of 1"
"$RRT" pack -o "$W/again.rrt" "$W/ext.rrt" 2> "$W/log"
[ ! -s "$W/log" ] || fail "progress shown when stderr is not a terminal"
echo "progress stays on one line"
