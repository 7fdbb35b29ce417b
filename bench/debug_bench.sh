#!/bin/sh
# Continuing to the end under the debugger, without breakpoints of the
# user's, against a plain replay of the same archive (issue #15: at most
# 1.2x). The workload is record_bench.sh's syscall-heavy one, so the
# debugger's per-event stop points are paid as often as they can be.
# gdb's own start-up (reading the program's and libc's symbols through the
# protocol) is the same for any length of run: two lengths are measured and
# the ratio is of the differences, the cost per event. Interleaved runs,
# medians. usage: bench/debug_bench.sh RRT TR_SYSCALLS [RUNS] [IO_N]
set -eu
rrt=$1 tr=$2 runs=${3:-5} n=${4:-50000} small=1000
command -v gdb >/dev/null || { echo "gdb is not installed"; exit 77; }
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
secs() { # command... -> wall seconds
  t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
  echo "($t1 - $t0) / 1000000000" | bc -l
}
med() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for k in "$n" "$small"; do
  "$rrt" record -o "$work/$k.rrt" -- "$tr" io "$k" >/dev/null 2>&1
done
for i in $(seq "$runs"); do
  for k in "$n" "$small"; do
    secs "$rrt" replay --quiet "$work/$k.rrt" >> "$work/plain.$k"
    secs "$rrt" replay --quiet --debug "$work/$k.rrt" -- -batch -nx \
      -ex continue >> "$work/debug.$k"
  done
done
p=$(med < "$work/plain.$n"); d=$(med < "$work/debug.$n")
ps=$(med < "$work/plain.$small"); ds=$(med < "$work/debug.$small")
printf 'io n=%s: plain replay %.3fs, continue under gdb %.3fs (%.2fx with gdb start-up)\n' \
  "$n" "$p" "$d" "$(echo "$d / $p" | bc -l)"
printf 'io n=%s: plain replay %.3fs, continue under gdb %.3fs (gdb start-up %.3fs)\n' \
  "$small" "$ps" "$ds" "$(echo "$ds - $ps" | bc -l)"
printf 'per-event cost under gdb vs plain: %.2fx\n' \
  "$(echo "($d - $ds) / ($p - $ps)" | bc -l)"
echo "($runs interleaved runs each, medians)"
