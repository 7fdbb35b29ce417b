#!/usr/bin/env bash
# rrt create vs tar c | brotli -q 5 on the same files, side by side.
# Usage: bench/create_bench.sh RRT_BINARY [RUNS] [FILE-LIST]
# RRT_CREATE_ARGS adds options to rrt create (e.g. "-q 5 -C 1048576").
# The default corpus is the shared libraries directly under
# /usr/lib/x86_64-linux-gnu (about 550 MB on Debian 12 with the build
# dependencies installed). Prints medians and ratios (rrt / baseline).
set -euo pipefail
rrt=$(realpath "$1")
runs=${2:-3}
work=$(mktemp -d /tmp/rrt-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
if [ -n "${3:-}" ]; then
  cp "$3" "$work/list"
else
  find /usr/lib/x86_64-linux-gnu -maxdepth 1 -type f -name '*.so*' | sort > "$work/list"
fi
bytes=$(xargs -d '\n' cat < "$work/list" | wc -c)   # also warms the page cache
echo "corpus: $(wc -l < "$work/list") files, $((bytes / 1000000)) MB"

# Seconds of wall time for one run of a shell command.
clock() {
  local t0 t1
  t0=$(date +%s.%N)
  bash -c "$1"
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc -l
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

base_cmd="tar cf - -T '$work/list' 2>/dev/null | brotli -q 5 -c > '$work/base.tar.br'"
rrt_cmd="rm -f '$work/c.rrt'; '$rrt' create ${RRT_CREATE_ARGS:-} -o '$work/c.rrt' \$(cat '$work/list')"
: > "$work/base.t"; : > "$work/rrt.t"
for i in $(seq "$runs"); do
  # Interleaved, so drift in machine load hits both alike.
  clock "$base_cmd" >> "$work/base.t"
  clock "$rrt_cmd" >> "$work/rrt.t"
done
bt=$(median < "$work/base.t"); rt=$(median < "$work/rrt.t")
bs=$(stat -c %s "$work/base.tar.br"); rs=$(stat -c %s "$work/c.rrt")
printf 'tar|brotli -q5: %6.2f s  %11d bytes\n' "$bt" "$bs"
printf 'rrt create:     %6.2f s  %11d bytes\n' "$rt" "$rs"
printf 'ratio rrt/tar|brotli: time %.2f, size %.3f (median of %d interleaved runs)\n' \
  "$(echo "$rt / $bt" | bc -l)" "$(echo "$rs / $bs" | bc -l)" "$runs"
