#!/bin/bash
# A recorded program starts with the signals its parent left ignored and
# blocked, as it would without rrt (rrt's own handlers must not show), and
# its replay starts with the recorded ones whatever the replaying shell
# ignores or blocks (metadata record.signals, spec/events.md 4).
# usage: cli_signals_inherited.sh RRT TR_SIGSTATE
set -u
RRT=$(realpath "$1")
TR=$(realpath "$2")
T=$(mktemp -d /tmp/rrt-sigstate.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*"
    exit 1
}
want="SIGINT ignored, SIGUSR1 blocked"
native=$("$TR" exec "$TR") || fail "native run"
[ "$native" = "$want" ] || fail "native run printed '$native'"
rec=$("$TR" exec "$RRT" record -o "$T/a.rrt" -- "$TR") || fail "record a"
[ "$rec" = "$want" ] || fail "recorded program saw '$rec', natively '$want'"
# replayed from a shell that ignores and blocks nothing
rep=$(env -i "$RRT" replay "$T/a.rrt" 2>"$T/err") ||
    fail "replay a: $(cat "$T/err")"
[ "$rep" = "$want" ] || fail "replay a printed '$rep'"
# the other way round: recorded plain, replayed with SIGINT ignored
want="SIGINT default, SIGUSR1 unblocked"
rec=$("$RRT" record -o "$T/b.rrt" -- "$TR") || fail "record b"
[ "$rec" = "$want" ] || fail "recorded program saw '$rec'"
rep=$("$TR" exec "$RRT" replay "$T/b.rrt" 2>"$T/err") ||
    fail "replay b: $(cat "$T/err")"
[ "$rep" = "$want" ] || fail "replay b printed '$rep'"
"$RRT" info "$T/b.rrt" | grep -q 'record.signals = ignored 0 blocked 0' ||
    fail "no record.signals metadata"
echo "ok: inherited signal state recorded and replayed"
