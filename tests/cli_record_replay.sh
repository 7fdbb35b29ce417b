#!/bin/sh
# Records a program, replays the archive and compares: stdout byte for byte
# and exit status; `rrt verify` must accept the archive.
# usage: cli_record_replay.sh RRT [options] -- PROGRAM [ARGS...]
#    or: cli_record_replay.sh RRT --interrupt SLOW_PROGRAM
#   --rec-opt OPT        pass OPT to rrt record (repeatable)
#   --differs            a native run must print something else (the values
#                        really came from the archive)
#   --expect PAT         the recorded output must match grep PAT
#   --native-expect PAT  a native run's output must match grep PAT
#   --needs-faulting     skip unless this host has CPUID faulting
#   --needs FILE         skip unless FILE exists (a program under test)
#   --setup CMD          run shell CMD before recording
#   --mutate CMD         run shell CMD between record and replay
#   --rec-env V=X        environment for rrt record (and the program)
#   --replay-env V=X     environment for rrt replay
#   --replay-fails PAT   replay must fail, its stderr matching PAT
#   --replay-opt OPT     pass OPT to rrt replay (repeatable)
#   --replay-stderr PAT  replay's stderr must match grep PAT
#   --absent FILE        FILE must not exist after replay
#   --meta-lacks PAT     `rrt info` of the archive must not match PAT
#   --dump-has PAT       `rrt dump` of the archive must match PAT (repeatable)
#   --dump-lacks PAT     `rrt dump` of the archive must not match PAT
#   --dump-max "N PAT"   at most N lines of `rrt dump` match PAT (repeatable)
#   --record-fails PAT   record must exit 125, its stderr matching PAT, and
#                        leave an archive marked incomplete
# In arguments and CMD, @T@ is the test's temporary directory, which holds
# data.txt and dir/{a,b,c}, and @S@ a free path of 8 bytes in /tmp, shorter
# than any /proc/.../fd/N name (an empty file, mode 0700, until CMD
# replaces it).
# Exit 77 = skipped.
set -u
RRT=$1
shift
T=$(mktemp -d /tmp/rrt-rr.XXXXXX) || exit 1
S=$(mktemp /tmp/XXX) && chmod 700 "$S" || exit 1
trap 'rm -rf "$T" "$S"' EXIT
printf 'first line of data\nsecond line\n' >"$T/data.txt"
mkdir "$T/dir" && touch "$T/dir/a" "$T/dir/b" "$T/dir/c"
sub() { printf '%s' "$1" | sed "s|@T@|$T|g; s|@S@|$S|g"; }
fail() { echo "FAIL: $*" >&2; for f in rec.err rep.err; do [ -s "$T/$f" ] && { echo "--- $f" >&2; tail -20 "$T/$f" >&2; }; done; exit 1; }

# SIGINT to `rrt record` stops the program, keeps OUT.partial, says to run
# `rrt recover`, and the recovered archive replays its first events.
interrupt_test() {
    SLOW=$1
    "$RRT" record -o "$T/a.rrt" -- "$SLOW" >"$T/rec.out" 2>"$T/rec.err" &
    pid=$!
    sleep 1.5
    kill -INT $pid
    wait $pid
    rc=$?
    [ $rc -eq 125 ] || fail "record exit status $rc, expected 125"
    [ -f "$T/a.rrt.partial" ] || fail "no a.rrt.partial"
    [ ! -f "$T/a.rrt" ] || fail "a.rrt exists after an interrupted recording"
    grep -q "rrt recover" "$T/rec.err" || fail "no hint to run rrt recover"
    lines=$(wc -l <"$T/rec.out")
    echo "interrupted after $lines lines of output"
    [ "$lines" -gt 5 ] || fail "the program barely ran"
    "$RRT" recover -o "$T/b.rrt" "$T/a.rrt.partial" >/dev/null 2>"$T/recover.err" ||
        { cat "$T/recover.err" >&2; fail "rrt recover failed"; }
    n=$("$RRT" info "$T/b.rrt" | sed -n 's/^events: *\([0-9]*\).*/\1/p')
    echo "recovered $n events"
    [ -n "$n" ] && [ "$n" -gt 100 ] || fail "too few events recovered"
    # The first 100 events replay (the flush interval is 1 s, so they are in).
    "$RRT" replay --until 100 "$T/b.rrt" >"$T/rep.out" 2>"$T/rep.err" ||
        { cat "$T/rep.err" >&2; fail "replay of the recovered prefix failed"; }
    echo "replayed the first 100 events of the recovered archive"
    exit 0
}
[ "${1:-}" = --interrupt ] && interrupt_test "$2"
NEEDS_FAULTING= NEEDS= SETUP= REC_ENV=RRT_UNUSED=1 REC_OPTS= DIFFERS= EXPECT= NATIVE_EXPECT= MUTATE= REPLAY_ENV= REPLAY_FAILS=
REPLAY_OPTS= REPLAY_STDERR=
ABSENT= META_LACKS= RECORD_FAILS= DUMP_HAS= DUMP_LACKS= DUMP_MAX=
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
    case $1 in
    --rec-opt) REC_OPTS="$REC_OPTS $2"; shift ;;
    --rec-env) REC_ENV=$2; shift ;;
    --differs) DIFFERS=1 ;;
    --expect) EXPECT=$2; shift ;;
    --native-expect) NATIVE_EXPECT=$2; shift ;;
    --mutate) MUTATE=$2; shift ;;
    --setup) SETUP=$2; shift ;;
    --needs-faulting) NEEDS_FAULTING=1 ;;
    --needs) NEEDS=$2; shift ;;
    --replay-env) REPLAY_ENV=$2; shift ;;
    --replay-fails) REPLAY_FAILS=$2; shift ;;
    --replay-opt) REPLAY_OPTS="$REPLAY_OPTS $2"; shift ;;
    --replay-stderr) REPLAY_STDERR=$2; shift ;;
    --absent) ABSENT=$2; shift ;;
    --meta-lacks) META_LACKS=$2; shift ;;
    --dump-has) DUMP_HAS="$DUMP_HAS
$2"; shift ;;
    --dump-lacks) DUMP_LACKS=$2; shift ;;
    --dump-max) DUMP_MAX="$DUMP_MAX
$2"; shift ;;
    --record-fails) RECORD_FAILS=$2; shift ;;
    *) echo "bad option $1" >&2; exit 2 ;;
    esac
    shift
done
shift
n=0
for a in "$@"; do
    a=$(sub "$a")
    if [ $n -eq 0 ]; then set --; fi
    set -- "$@" "$a"
    n=$((n + 1))
done
cd "$T" || exit 1
if [ -n "$NEEDS" ] && [ ! -e "$NEEDS" ]; then
    echo "SKIP: $NEEDS is not installed"
    exit 77
fi
if [ -n "$NEEDS_FAULTING" ] &&
    ! "$RRT" record --cpuid-mode=fault -o "$T/probe.rrt" -- /bin/true 2>/dev/null; then
    echo "SKIP: this host has no CPUID faulting (arch_prctl ARCH_SET_CPUID)"
    exit 77
fi
rm -f "$T/probe.rrt"
[ -n "$SETUP" ] && { sh -c "$(sub "$SETUP")" || fail "setup failed"; }
REC_OPTS=$(sub "$REC_OPTS")
env "$REC_ENV" "$RRT" record $REC_OPTS -o "$T/a.rrt" -- "$@" >"$T/rec.out" 2>"$T/rec.err"
rc_rec=$?
[ -f "$T/a.rrt" ] || fail "record wrote no archive (status $rc_rec)"
if [ -n "$RECORD_FAILS" ]; then
    [ $rc_rec -eq 125 ] || fail "record exit status $rc_rec, expected 125"
    grep -q -- "$RECORD_FAILS" "$T/rec.err" || fail "record stderr lacks '$RECORD_FAILS'"
    "$RRT" info "$T/a.rrt" | grep -q "incomplete" || fail "archive not marked incomplete"
    echo "record refused as expected: $(grep -- "$RECORD_FAILS" "$T/rec.err")"
    exit 0
fi
if grep -q "^rrt record:" "$T/rec.err"; then fail "record reported an error"; fi
echo "recorded, status $rc_rec: $(head -c 300 "$T/rec.out")"
if [ -n "$EXPECT" ] && ! grep -q -- "$EXPECT" "$T/rec.out"; then
    fail "recorded output does not match '$EXPECT'"
fi
if "$RRT" help verify >/dev/null 2>&1; then
    "$RRT" verify "$T/a.rrt" >"$T/verify.out" 2>&1 ||
        { cat "$T/verify.out" >&2; fail "rrt verify rejected the archive"; }
fi
if [ -n "$META_LACKS" ] && "$RRT" info "$T/a.rrt" | grep -q -- "$META_LACKS"; then
    fail "archive metadata contains '$META_LACKS'"
fi
if [ -n "$DUMP_HAS$DUMP_LACKS$DUMP_MAX" ]; then
    "$RRT" dump "$T/a.rrt" >"$T/dump.out" 2>/dev/null
    printf '%s\n' "$DUMP_HAS" | while IFS= read -r pat; do
        [ -z "$pat" ] || grep -q -- "$pat" "$T/dump.out" || { echo "no '$pat'" >"$T/dump.miss"; }
    done
    [ ! -s "$T/dump.miss" ] || fail "rrt dump lacks $(cat "$T/dump.miss")"
    if [ -n "$DUMP_LACKS" ] && grep -q -- "$DUMP_LACKS" "$T/dump.out"; then
        fail "rrt dump has '$DUMP_LACKS'"
    fi
    printf '%s\n' "$DUMP_MAX" | while IFS= read -r line; do
        [ -n "$line" ] || continue
        max=${line%% *} pat=${line#* }
        got=$(grep -c -- "$pat" "$T/dump.out")
        echo "rrt dump: $got lines match '$pat' (at most $max)"
        [ "$got" -le "$max" ] || echo "$got lines match '$pat', more than $max" >"$T/dump.over"
    done
    [ ! -s "$T/dump.over" ] || fail "rrt dump: $(cat "$T/dump.over")"
fi
if [ -n "$MUTATE" ] && ! sh -c "$(sub "$MUTATE")"; then
    fail "the --mutate command failed"
fi
if [ -n "$REPLAY_ENV" ]; then
    env "$REPLAY_ENV" "$RRT" replay $REPLAY_OPTS "$T/a.rrt" >"$T/rep.out" 2>"$T/rep.err"
else
    "$RRT" replay $REPLAY_OPTS "$T/a.rrt" >"$T/rep.out" 2>"$T/rep.err"
fi
rc_rep=$?
if [ -n "$REPLAY_STDERR" ]; then
    grep -q -- "$REPLAY_STDERR" "$T/rep.err" || fail "replay stderr lacks '$REPLAY_STDERR'"
    echo "replay said: $(grep -- "$REPLAY_STDERR" "$T/rep.err" | head -1)"
fi
if [ -n "$REPLAY_FAILS" ]; then
    [ $rc_rep -ne 0 ] || fail "replay succeeded, expected a failure"
    grep -q -- "$REPLAY_FAILS" "$T/rep.err" || fail "replay stderr lacks '$REPLAY_FAILS'"
    echo "replay failed as expected: $(grep -- "$REPLAY_FAILS" "$T/rep.err" | head -1)"
else
    [ $rc_rep -eq $rc_rec ] || fail "replay exit status $rc_rep, recorded $rc_rec"
    cmp -s "$T/rec.out" "$T/rep.out" || { diff "$T/rec.out" "$T/rep.out" >&2; fail "replay output differs"; }
    echo "replayed, status $rc_rep, output identical"
fi
if [ -n "$ABSENT" ] && [ -e "$(sub "$ABSENT")" ]; then
    fail "$(sub "$ABSENT") exists after replay"
fi
if [ -n "$DIFFERS$NATIVE_EXPECT" ]; then
    "$@" >"$T/native.out" 2>/dev/null
    if [ -n "$DIFFERS" ] && cmp -s "$T/rec.out" "$T/native.out"; then
        fail "a native run printed the same as the recording"
    fi
    if [ -n "$NATIVE_EXPECT" ] && ! grep -q -- "$NATIVE_EXPECT" "$T/native.out"; then
        echo "SKIP: native run lacks '$NATIVE_EXPECT' (CPU feature missing?)"
        exit 77
    fi
    echo "native run: $(head -c 200 "$T/native.out")"
fi
exit 0
