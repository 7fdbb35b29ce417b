#!/usr/bin/env bash
# Reverse execution across a long replay (issue #16): a program makes
# 100,000 system calls (getppid, one event each) between an early marker
# call and a late one. gdb stops at the late one, reverse-steps once (back
# into the loop: near the end) and reverse-continues to the early one
# across all of them. Checkpoints (replay/checkpoint.c: one every 2000
# events, thinned to at most 16 automatic ones) against the baseline: the
# same binary with RRT_CHECKPOINT_INTERVAL=0 (every run back re-runs from
# event 0), or a second binary (e.g. main's) given as BASELINE_RRT.
# Runs the two interleaved RUNS times and prints medians of: a plain
# forward replay, the reverse-step, the reverse-continue, and the peak
# memory of rrt and every process under it (the tracee and the stopped
# checkpoint copies): the largest sum of their PSS (proportional set
# size, from /proc/PID/smaps_rollup, sampled every 0.2 s; copy-on-write
# pages shared by the copies count once in total), and GNU time's peak RSS
# of rrt alone. PROCS=2: the program forks after the early marker; parent
# and child make half the calls each, in turns of 1,000 (two pipes), the
# child lives until the parent has passed the late marker: checkpoints
# are then of the two processes (the copies of the child are not rrt's
# children, so the PSS counts every process rrt traces).
# Usage: bench/reverse_bench.sh RRT_BINARY [CALLS] [BASELINE_RRT] [RUNS] [PROCS]
set -euo pipefail
rrt=$(realpath "$1")
calls=${2:-100000}
base=${3:-}
runs=${4:-3}
procs=${5:-1}
[ -n "$base" ] && base=$(realpath "$base")
command -v gdb >/dev/null || { echo "SKIP: gdb is not installed"; exit 77; }
[ -x /usr/bin/time ] || { echo "SKIP: GNU time (/usr/bin/time) is not installed"; exit 77; }
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/loop.c" <<'C'
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>
volatile long sink;
__attribute__((noinline)) void early(void) { sink = 1; }
__attribute__((noinline)) void late(void) { sink = 2; }
int main(int argc, char **argv)
{
    long n = atol(argv[1]);
    int procs = argc > 2 ? atoi(argv[2]) : 1;
    early();
    if (procs < 2) {
        for (long i = 0; i < n; i++)
            sink += getppid();
        late();
        return 0;
    }
    int down[2], up[2];
    char c = 0;
    if (pipe(down) || pipe(up))
        return 1;
    pid_t pid = fork();
    int in = pid ? up[0] : down[0], out = pid ? down[1] : up[1];
    if (pid == 0 && read(in, &c, 1) != 1) /* the parent goes first */
        return 1;
    for (long i = 0; i < n / 2; i++) {
        sink += getppid();
        if ((i + 1) % 1000 == 0 && (write(out, &c, 1) != 1 ||
                                    (i + 1 < n / 2 && read(in, &c, 1) != 1)))
            return 1;
    }
    if (pid == 0) {
        if (read(in, &c, 1) != 1) /* until the parent is past late() */
            return 1;
        _exit(0);
    }
    if (read(in, &c, 1) != 1) /* the child's last turn */
        return 1;
    late();
    if (write(out, &c, 1) != 1)
        return 1;
    waitpid(pid, NULL, 0);
    return 0;
}
C
cc -g -O1 -o "$work/loop" "$work/loop.c"
# one event per call: the syscall buffer would batch them
"$rrt" record --no-syscall-buffer -o "$work/a.rrt" -- "$work/loop" "$calls" "$procs" >/dev/null
events=$("$rrt" replay --stats --quiet "$work/a.rrt" 2>&1 >/dev/null |
         sed -n 's/.*\b\([0-9][0-9]*\) events.*/\1/p' | head -1)
echo "archive: ${events:-?} events ($calls getppid calls, $procs process(es)), $runs runs each, medians"

now() { date +%s.%N; }
# the PSS (KB) of rrt (pid) and every process it traces (the tracees and
# the stopped checkpoint copies, wherever they were reparented)
tree_pss() {
    local sum=0 p kb
    for p in $1 $(grep -l "^TracerPid:[[:space:]]*$1\$" /proc/[0-9]*/status 2>/dev/null |
                  cut -d/ -f3); do
        kb=$(sed -n 's/^Pss: *\([0-9]*\) kB/\1/p' "/proc/$p/smaps_rollup" 2>/dev/null || true)
        sum=$((sum + ${kb:-0}))
    done
    echo "$sum"
}
# one gdb session: prints "fwd rstep rcont pss rss" (s, s, s, KB, KB)
session() { # LABEL BINARY [ENV=VALUE]
    local label=$1 bin=$2 envset=${3:-RRT_NOTHING=1}
    local t0 t1 fwd
    t0=$(now)
    env "$envset" "$bin" replay --quiet "$work/a.rrt"
    t1=$(now)
    fwd=$(echo "$t1 - $t0" | bc -l)
    env "$envset" gdb -batch -nx \
        -ex "target remote | exec /usr/bin/time -f %M -o $work/$label.rss $bin replay --quiet --gdbserver=- $work/a.rrt" \
        -ex 'break late' -ex 'continue' -ex 'break early' \
        -ex 'shell date +S0=%s.%N' -ex 'reverse-step' -ex 'shell date +S1=%s.%N' \
        -ex 'shell date +T0=%s.%N' -ex 'reverse-continue' \
        -ex 'shell date +T1=%s.%N' -ex 'monitor when' -ex 'kill' \
        >"$work/$label.out" 2>&1 &
    local g=$! peak=0 r s
    while kill -0 "$g" 2>/dev/null; do
        # rrt: /usr/bin/time's child (exec'd by gdb's shell)
        for r in $(ps -o pid= --ppid "$g" 2>/dev/null); do
            for s in $(ps -o pid= --ppid "$r" 2>/dev/null); do
                p=$(tree_pss "$s")
                [ "$p" -gt "$peak" ] && peak=$p
            done
        done
        sleep 0.2
    done
    wait "$g" || true
    grep -q "Breakpoint 2, .*early" "$work/$label.out" ||
        { cat "$work/$label.out" >&2; echo "FAIL: reverse-continue did not reach early()" >&2; exit 1; }
    local s0 s1 r0 r1
    s0=$(sed -n 's/^S0=//p' "$work/$label.out"); s1=$(sed -n 's/^S1=//p' "$work/$label.out")
    r0=$(sed -n 's/^T0=//p' "$work/$label.out"); r1=$(sed -n 's/^T1=//p' "$work/$label.out")
    echo "$fwd $(echo "$s1 - $s0" | bc -l) $(echo "$r1 - $r0" | bc -l) $peak $(cat "$work/$label.rss")"
}
median() { sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
: > "$work/new.txt"; : > "$work/base.txt"
for i in $(seq "$runs"); do
    if [ -n "$base" ]; then
        session base "$base" >> "$work/base.txt"
    else
        session base "$rrt" RRT_CHECKPOINT_INTERVAL=0 >> "$work/base.txt"
    fi
    session new "$rrt" >> "$work/new.txt"
done
col() { awk "{print \$$2}" "$work/$1.txt" | median; }
printf '%-34s %14s %14s\n' "" "checkpoints" "baseline"
printf '%-34s %12.3f s %12.3f s\n' "forward replay" "$(col new 1)" "$(col base 1)"
printf '%-34s %12.3f s %12.3f s\n' "reverse-step near the end" "$(col new 2)" "$(col base 2)"
printf '%-34s %12.3f s %12.3f s\n' "reverse-continue across it" "$(col new 3)" "$(col base 3)"
printf '%-34s %11d KB %11d KB\n' "peak PSS, rrt + tracee + copies" "$(col new 4)" "$(col base 4)"
printf '%-34s %11d KB %11d KB\n' "peak RSS of rrt (GNU time)" "$(col new 5)" "$(col base 5)"
grep '^rrt: ' "$work/new.out" || true
