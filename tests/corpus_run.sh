#!/bin/sh
# Runs one corpus program (tests/corpus_tests.cmake) natively, then records,
# packs and replays it, each step under a hard time limit:
#   - the native run must print "rrt-corpus: ok" (else the program itself is
#     wrong on this host) and exit with the expected status;
#   - the recording must print the ok line and exit with the same status;
#   - `rrt pack` and `rrt verify` accept the archive;
#   - the replay prints the recorded output byte for byte and exits the same.
# usage: corpus_run.sh RRT PROGRAM SOURCE
# Directives, in a comment on the SOURCE's first line:
#   corpus: exit=N           expected exit status (default 0)
#   corpus: no-native-ok     the native run need not print the ok line (the
#                            program checks something only rrt provides)
#   corpus: needs=PATH       skip unless PATH exists
#   corpus: stderr           compare stderr too (default: stdout only)
#   corpus: stdin-tty        (reserved)
# The program runs in a fresh temporary directory that it may write to.
# A program that wants to skip prints "rrt-corpus: skip REASON" and exits 77.
# Exit 77 = skipped. Limits: RRT_CORPUS_LIMIT seconds a step (default 60).
set -u
RRT=$1 PROG=$2 SRC=$3
LIMIT=${RRT_CORPUS_LIMIT:-60}
name=$(basename "$PROG")
T=$(mktemp -d /tmp/rrt-corpus.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
first=$(head -n 1 "$SRC")
want_exit=0 native_ok=1 cmp_err=
case $first in *corpus:*exit=*) want_exit=$(printf '%s' "$first" | sed 's/.*exit=\([0-9]*\).*/\1/') ;; esac
case $first in *corpus:*no-native-ok*) native_ok= ;; esac
case $first in *corpus:*stderr*) cmp_err=1 ;; esac
case $first in *corpus:*needs=*)
    need=$(printf '%s' "$first" | sed 's/.*needs=\([^ ]*\).*/\1/')
    [ -e "$need" ] || { echo "SKIP: $name needs $need"; exit 77; } ;;
esac
fail() {
    echo "FAIL: $name: $*" >&2
    for f in native.out native.err rec.out rec.err pack.err rep.out rep.err; do
        [ -s "$T/$f" ] && { echo "--- $f" >&2; tail -15 "$T/$f" >&2; }
    done
    exit 1
}
# timeout -k: a step that ignores SIGTERM is killed 5 s later; status 124
# (or 137) is a hang.
run() { timeout -k 5 "$LIMIT" "$@"; }
hung() { [ "$1" -eq 124 ] || [ "$1" -eq 137 ]; }
mkdir "$T/n" "$T/r" "$T/p"
cd "$T/n" || exit 1
run "$PROG" </dev/null >"$T/native.out" 2>"$T/native.err"
rc=$?
if [ $rc -eq 77 ] && grep -q "^rrt-corpus: skip" "$T/native.out"; then
    echo "SKIP: $name: $(grep "^rrt-corpus: skip" "$T/native.out" | head -1)"
    exit 77
fi
hung $rc && fail "the native run hung (${LIMIT}s)"
[ $rc -eq "$want_exit" ] || fail "native exit status $rc, expected $want_exit"
if [ -n "$native_ok" ]; then
    grep -q "^rrt-corpus: ok" "$T/native.out" || fail "the native run did not print 'rrt-corpus: ok'"
fi
cd "$T/r" || exit 1
run "$RRT" record -o "$T/a.rrt" -- "$PROG" </dev/null >"$T/rec.out" 2>"$T/rec.err"
rc_rec=$?
hung $rc_rec && fail "record hung (${LIMIT}s)"
[ -f "$T/a.rrt" ] || fail "record wrote no archive (status $rc_rec)"
[ $rc_rec -eq "$want_exit" ] || fail "record exit status $rc_rec, expected $want_exit"
grep -q "^rrt-corpus: ok" "$T/rec.out" || fail "the recorded run did not print 'rrt-corpus: ok'"
run "$RRT" pack "$T/a.rrt" >/dev/null 2>"$T/pack.err" || fail "rrt pack failed"
run "$RRT" verify "$T/a.rrt" >/dev/null 2>>"$T/pack.err" || fail "rrt verify rejected the packed archive"
# Replay where the program did not run: nothing it wrote is there.
cd "$T/p" || exit 1
run "$RRT" replay "$T/a.rrt" </dev/null >"$T/rep.out" 2>"$T/rep.err"
rc_rep=$?
hung $rc_rep && fail "replay hung (${LIMIT}s)"
[ $rc_rep -eq $rc_rec ] || fail "replay exit status $rc_rep, recorded $rc_rec"
cmp -s "$T/rec.out" "$T/rep.out" || { diff "$T/rec.out" "$T/rep.out" | head -20 >&2; fail "replay stdout differs"; }
if [ -n "$cmp_err" ]; then
    grep -v '^rrt ' "$T/rec.err" >"$T/rec.err2"
    grep -v '^rrt ' "$T/rep.err" >"$T/rep.err2"
    cmp -s "$T/rec.err2" "$T/rep.err2" || fail "replay stderr differs"
fi
echo "ok: $name recorded (status $rc_rec), packed, replayed identically"
exit 0
