#!/usr/bin/env bash
# Reverse execution across a long replay (issue #16): a program makes
# 100,000 system calls (getppid) between an early marker call and a late
# one. gdb stops at the late one, and reverse-continues to the early one
# across all of them. Prints the time of that reverse-continue against a
# plain forward replay of the same archive (a ratio), and the peak RSS of
# the replayer and its tracees for both (GNU time's maximum resident set
# of rrt and the processes it waited for). No checkpoints are kept (a
# re-run starts from the beginning), so both peaks should be alike.
# Usage: bench/reverse_bench.sh RRT_BINARY [CALLS]
set -euo pipefail
rrt=$(realpath "$1")
calls=${2:-100000}
command -v gdb >/dev/null || { echo "SKIP: gdb is not installed"; exit 77; }
[ -x /usr/bin/time ] || { echo "SKIP: GNU time (/usr/bin/time) is not installed"; exit 77; }
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/loop.c" <<'C'
#include <stdlib.h>
#include <unistd.h>
volatile long sink;
__attribute__((noinline)) void early(void) { sink = 1; }
__attribute__((noinline)) void late(void) { sink = 2; }
int main(int argc, char **argv)
{
    long n = atol(argv[1]);
    early();
    for (long i = 0; i < n; i++)
        sink += getppid();
    late();
    return 0;
}
C
cc -g -O1 -o "$work/loop" "$work/loop.c"
# one event per call: the syscall buffer would batch them
"$rrt" record --no-syscall-buffer -o "$work/a.rrt" -- "$work/loop" "$calls" >/dev/null
events=$("$rrt" replay --stats --quiet "$work/a.rrt" 2>&1 >/dev/null |
         sed -n 's/.*\b\([0-9][0-9]*\) events.*/\1/p' | head -1)
echo "archive: ${events:-?} events ($calls getppid calls)"

now() { date +%s.%N; }
# forward: a plain replay, and its peak RSS (KB)
t0=$(now)
/usr/bin/time -f '%M' -o "$work/fwd.rss" "$rrt" replay --quiet "$work/a.rrt"
t1=$(now)
fwd=$(echo "$t1 - $t0" | bc -l)
# a gdb session: to late(), then reverse-continue to early(); gdb prints
# the clock around the reverse-continue. rrt serves gdb on a pipe, so its
# peak RSS (with its tracees) is measured without gdb's.
gdb -batch -nx \
    -ex "target remote | /usr/bin/time -f %M -o $work/rev.rss $rrt replay --quiet --gdbserver=- $work/a.rrt" \
    -ex 'break late' -ex 'continue' -ex 'break early' \
    -ex 'shell date +T0=%s.%N' -ex 'reverse-continue' \
    -ex 'shell date +T1=%s.%N' -ex 'monitor when' -ex 'kill' \
    >"$work/gdb.out" 2>&1 || true
grep -q "Breakpoint 2, .*early" "$work/gdb.out" ||
    { cat "$work/gdb.out" >&2; echo "FAIL: reverse-continue did not reach early()" >&2; exit 1; }
r0=$(sed -n 's/^T0=//p' "$work/gdb.out"); r1=$(sed -n 's/^T1=//p' "$work/gdb.out")
rev=$(echo "$r1 - $r0" | bc -l)
printf 'forward replay:                %8.3f s, peak RSS %6d KB\n' "$fwd" "$(cat "$work/fwd.rss")"
printf 'reverse-continue across it:    %8.3f s, peak RSS %6d KB (rrt and tracees)\n' \
    "$rev" "$(cat "$work/rev.rss")"
printf 'ratio reverse-continue / forward replay: %.2f\n' "$(echo "$rev / $fwd" | bc -l)"
grep '^rrt: event' "$work/gdb.out" || true
