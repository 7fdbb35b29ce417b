#!/bin/sh
# Replay time against record time and the native run, for the syscall-heavy
# workload of record_bench.sh, in both CPUID modes. Interleaved runs,
# medians. usage: bench/replay_bench.sh RRT TR_SYSCALLS [RUNS] [IO_N]
set -eu
rrt=$1 tr=$2 runs=${3:-3} n=${4:-50000}
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
secs() { # command... -> wall seconds
  t0=$(date +%s%N); "$@" >/dev/null 2>&1 || true; t1=$(date +%s%N)
  echo "($t1 - $t0) / 1000000000" | bc -l
}
med() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }
for i in $(seq "$runs"); do
  secs "$tr" io "$n" >> "$work/native"
  for m in fault patch; do
    rm -f "$work/$m.rrt"
    secs "$rrt" record --cpuid-mode=$m -o "$work/$m.rrt" -- "$tr" io "$n" >> "$work/rec.$m"
    secs env RRT_CPUID_MODE=$m "$rrt" replay --quiet "$work/$m.rrt" >> "$work/rep.$m"
  done
done
nat=$(med < "$work/native")
for m in fault patch; do
  r=$(med < "$work/rec.$m"); p=$(med < "$work/rep.$m")
  printf '%-5s native %.3fs  record %.3fs  replay %.3fs  replay/record %.2f  replay/native %.1fx\n' \
    "$m" "$nat" "$r" "$p" "$(echo "$p / $r" | bc -l)" "$(echo "$p / $nat" | bc -l)"
done
echo "($runs interleaved runs each, medians, io workload n=$n)"
