#!/usr/bin/env bash
# Time to read one small blob from a 1 MB archive and from a 1 GB archive:
# opening reads only the footer and index, and a look-up is a binary search,
# so the two should be close. Usage: bench/read_bench.sh RRT_BINARY [GB]
set -euo pipefail
rrt=$(realpath "$1")
gb=${2:-1}
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir "$work/small" "$work/big"
echo "needle $(date +%s%N)" > "$work/small/needle.txt"
cp "$work/small/needle.txt" "$work/big/needle.txt"
head -c 1000000 /dev/urandom > "$work/small/data"
# Many 8 MiB random files: incompressible, stored raw, so this is quick.
for i in $(seq $((gb * 128))); do head -c 8388608 /dev/urandom > "$work/big/f$i"; done
"$rrt" create -q 0 -o "$work/small.rrt" "$work/small"
"$rrt" create -q 0 -o "$work/big.rrt" "$work/big"
rm -rf "$work/big"
ls -l "$work/small.rrt" "$work/big.rrt" | awk '{print $5, $9}'
id=$("$rrt" ls -l "$work/small.rrt" | awk '/needle/ {print $5}')
for a in small big; do "$rrt" cat "$work/$a.rrt" "$id" > /dev/null; done  # warm
per_read() {  # median seconds per read over 5 batches of 50
  local a=$1
  for b in 1 2 3 4 5; do
    local t0 t1
    t0=$(date +%s%N)
    for i in $(seq 50); do "$rrt" cat "$work/$a.rrt" "$id" > /dev/null; done
    t1=$(date +%s%N)
    echo $(( (t1 - t0) / 50 ))
  done | sort -n | sed -n 3p
}
s=$(per_read small); b=$(per_read big)
printf 'read one blob: 1 MB archive %d us, %d GB archive %d us, ratio %.2f\n' \
  $((s / 1000)) "$gb" $((b / 1000)) "$(echo "$b / $s" | bc -l)"
