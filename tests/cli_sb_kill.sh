#!/bin/bash
# `rrt record --syscall-buffer` killed with SIGKILL leaves a .partial that
# `rrt recover` turns into an archive `rrt verify` accepts and that replays
# the program's output up to the last flush (spec/events.md 5: the buffer
# and the writer are flushed at least once a second).
# usage: cli_sb_kill.sh RRT TR_SBSLOW [ROUNDS]
# RRT_SB_KILL_SEED=N repeats a run's random kill moments (printed on failure).
# 1. The timed flush: a program that makes only buffered calls (slowly:
#    fewer than the 2048 records after which the library yields anyway)
#    has in the recovered archive every pread it had made LAG seconds
#    before the kill, and its first line in the replay. And one that
#    computes after its buffered calls has them all there. The program
#    reports its progress in a shared file mapping (tr_sbslow's PROGRESS):
#    how many calls it makes in a given time depends on the machine's
#    load, not on rrt.
# 2. ROUNDS (default 50) kills at random moments, 0.05-1.5 s, two at a time.
set -u
RRT=$(realpath "$1")
PROG=$(realpath "$2")
ROUNDS=${3:-50}
SEED=${RRT_SB_KILL_SEED:-$(( $(date +%s%N) % 1000000 ))}
T=$(mktemp -d /tmp/rrt-sbkill.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL (RRT_SB_KILL_SEED=$SEED): $*" >&2
    exit 1
}
head -c 200000 "$RRT" >"$T/data"

# The buffered calls in the recovered archive (decoded SYSCALLBUF records
# of pread64, the loop's call).
preads() {
    "$RRT" dump "$1" | grep -c '^  pread64 '
}

# record_killed DIR DELAY MODE N SPIN: records in DIR, kills rrt after
# DELAY seconds, recovers DIR/b.rrt and verifies it. Prints nothing; fails.
# With RECORD_PID set, the recording is already running in DIR (that pid).
record_killed() {
    local d=$1 delay=$2 pid=${RECORD_PID:-}
    shift 2
    mkdir -p "$d"
    if [ -z "$pid" ]; then
        (cd "$d" && exec "$RRT" record --syscall-buffer -o a.rrt -- "$PROG" \
            "$@" "$T/data" >rec.out 2>rec.err) &
        pid=$!
    fi
    # 1 s or more: note the output the program had made 1 s before the
    # kill (the tick flushes the stream every 500 ms; the replay must
    # have it: round)
    local cs=$((10#${delay/./}))
    if [ -z "${RECORD_PID:-}" ] && [ "${delay%%.*}" -ge 1 ]; then
        sleep "$(printf '%d.%02d' $(((cs - 100) / 100)) $(((cs - 100) % 100)))"
        if [ -f "$d/rec.out" ]; then wc -c <"$d/rec.out"; else echo 0; fi >"$d/early.len"
        sleep 1
    else
        sleep "$delay"
    fi
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    if [ -f "$d/a.rrt" ]; then # it finished first
        mv "$d/a.rrt" "$d/b.rrt"
    else
        if [ ! -f "$d/a.rrt.partial" ]; then
            # killed while rrt was still starting (a loaded machine): nothing
            # to recover, and nothing recorded yet
            case $delay in 0.[0-4]*) [ ! -s "$d/rec.out" ] && return 2 ;; esac
            echo "no a.rrt.partial after ${delay}s"
            return 1
        fi
        "$RRT" recover -o "$d/b.rrt" "$d/a.rrt.partial" >/dev/null 2>"$d/recover.err" ||
            { echo "recover after ${delay}s: $(cat "$d/recover.err")"; return 1; }
    fi
    "$RRT" verify "$d/b.rrt" >"$d/verify.out" 2>&1 ||
        { echo "verify after ${delay}s: $(tail -3 "$d/verify.out")"; return 1; }
    return 0
}

# replay_prefix DIR NATIVE DELAY: the replay ends where the stream ends (or
# the program does), its output a prefix of NATIVE.
replay_prefix() {
    local d=$1 native=$2 delay=$3
    (cd "$d" && "$RRT" replay b.rrt >rep.out 2>rep.err)
    local rc=$?
    if [ $rc -ne 0 ] && ! grep -q "the archive ends while a task still run" "$d/rep.err"; then
        echo "replay after ${delay}s: status $rc: $(tail -3 "$d/rep.err")"
        return 1
    fi
    local n
    n=$(wc -c <"$d/rep.out")
    head -c "$n" "$native" | cmp -s - "$d/rep.out" ||
        { echo "replay after ${delay}s: output is not a prefix of the native one"; return 1; }
    echo "$n"
}

# --- 1. the timed flush -----------------------------------------------------
# The flush is due within two 500 ms ticks of a record (sb_flush.c); LAG
# leaves a second more for a loaded machine to schedule the recorder.
LAG=2
# progress_at_least FILE N: waits (60 s at most) until FILE reports N
# iterations done; prints the count it reports then.
progress_at_least() {
    local i m
    for i in $(seq 1200); do
        m=$(od -An -tu8 -N8 "$1" 2>/dev/null | tr -dc 0-9)
        [ -n "$m" ] && [ "$m" -ge "$2" ] && { echo "$m"; return 0; }
        sleep 0.05
    done
    return 1
}
# record_timed DIR WAIT MODE N SPIN: records the program (with a progress
# file) in DIR; once it made WAIT preads, notes how many it made, kills rrt
# LAG seconds later, recovers and verifies. Prints that count; fails.
record_timed() {
    local d=$1 wait=$2 made
    shift 2
    mkdir -p "$d"
    (cd "$d" && exec "$RRT" record --syscall-buffer -o a.rrt -- "$PROG" "$@" \
        "$T/data" "$d/progress" >rec.out 2>rec.err) &
    local pid=$!
    made=$(progress_at_least "$d/progress" "$wait") ||
        { kill -KILL $pid 2>/dev/null; wait $pid 2>/dev/null
          echo "the program made no $wait preads in 60 s (it reports" \
              "$(od -An -tu8 -N8 "$d/progress" 2>&1 | tr -s ' '), its" \
              "output: $(head -c 200 "$d/rec.out"), rrt: $(cat "$d/rec.err")"
          return 1; }
    # killed when the recorder has had LAG seconds to flush them
    RECORD_PID=$pid record_killed "$d" $LAG "$@" || return 1
    echo "$made"
}
printf 'start 200000\n' >"$T/first.line"
# the quiet run: kill it LAG s after 64 preads (a second of its loop when
# the machine is idle)
made=$(record_timed "$T/quiet" 64 quiet 1800 1500000) || fail "$made"
n=$(preads "$T/quiet/b.rrt")
echo "quiet run killed ${LAG} s after its pread $made: $n buffered preads recovered"
[ "$n" -ge "$made" ] || fail "only $n of the $made preads made ${LAG} s before the kill reached the .partial"
len=$(replay_prefix "$T/quiet" "$T/first.line" $LAG) || fail "$len"
[ "$len" -gt 0 ] || fail "the replay of the quiet run printed nothing"
# After 300 buffered calls the program only computes, >3 s: the recorder
# reads the records from its side while it runs.
made=$(record_timed "$T/compute" 300 compute 300 12000000) || fail "$made"
n=$(preads "$T/compute/b.rrt")
echo "computing run killed ${LAG} s after its last pread: $n buffered preads recovered"
[ "$n" -eq 300 ] || fail "$n of the 300 buffered preads reached the .partial"
len=$(replay_prefix "$T/compute" "$T/first.line" $LAG) || fail "$len"
[ "$len" -gt 0 ] || fail "the replay of the computing run printed nothing"

# --- 2. random kills --------------------------------------------------------
"$PROG" progress 5000 150000 "$T/data" >"$T/native" || fail "native run"
RANDOM=$SEED
round() {
    local i=$1 delay=$2
    msg=$(record_killed "$T/r$i" "$delay" progress 5000 150000)
    case $? in
    0) ;;
    2) echo "$delay 0 early" >"$T/r$i.ok"; rm -rf "$T/r$i"; return ;;
    *) echo "$msg" >"$T/r$i.fail"; return ;;
    esac
    len=$(replay_prefix "$T/r$i" "$T/native" "$delay") || { echo "$len" >"$T/r$i.fail"; return; }
    # the timing of the program's start depends on the load: what it had
    # printed 1 s before the kill (record_killed), not the delay, says
    # what must be there
    local early=0
    [ -f "$T/r$i/early.len" ] && early=$(cat "$T/r$i/early.len")
    if [ "$len" -lt "$early" ]; then
        echo "replay after ${delay}s printed $len bytes, the program $early" \
            "1 s before the kill" >"$T/r$i.fail"
    fi
    echo "$delay $len" >"$T/r$i.ok"
    rm -rf "$T/r$i"
}
i=0
while [ $i -lt "$ROUNDS" ]; do
    v1=$((5 + RANDOM % 146)) v2=$((5 + RANDOM % 146))
    d1=$(printf '%d.%02d' $((v1 / 100)) $((v1 % 100)))
    d2=$(printf '%d.%02d' $((v2 / 100)) $((v2 % 100)))
    round $i "$d1" &
    if [ $((i + 1)) -lt "$ROUNDS" ]; then round $((i + 1)) "$d2" & fi
    wait
    i=$((i + 2))
done
for f in "$T"/r*.fail; do
    [ -e "$f" ] && fail "round ${f##*/r}: $(cat "$f")"
done
ok=$(ls "$T"/r*.ok 2>/dev/null | wc -l)
[ "$ok" -eq "$ROUNDS" ] || fail "$ok of $ROUNDS rounds finished"
early=$(cat "$T"/r*.ok | grep -c early)
[ "$early" -le $((ROUNDS / 5)) ] || fail "$early of $ROUNDS kills came before rrt made its .partial"
echo "$ROUNDS kills (seed $SEED): each recovered, verified and replayed a prefix" \
    "of the output ($(cat "$T"/r*.ok | awk '{s += $2} END {print s}') bytes in all;" \
    "$early before rrt had started)"
exit 0
