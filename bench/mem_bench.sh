#!/bin/sh
# Bounded memory: peak RSS of each rrt command at a small and a large
# input, side by side with `brotli -q 5` on the same bytes.
#
#   bench/mem_bench.sh RRT TR_SYSCALLS [SMALL_MB] [LARGE_MB] [EVENTS]
#
# TR_SYSCALLS is BUILD/tracees/tr_syscalls. Blob input is one file made of
# shared libraries from /usr/lib/x86_64-linux-gnu concatenated up to
# SMALL_MB (default 64) and LARGE_MB (default 1024) megabytes; the large
# file is the small one's bytes and more, so content and ratio stay alike.
# Each command runs at both sizes: create, verify, cat (to /dev/null), pack
# of an external-reference archive, and for event streams record and
# replay of EVENTS (default 50000) and 16x as many read+write pairs (two
# events each).
# Prints peak RSS in MiB at each size and large/small: a writer or reader
# whose memory grows with its input shows a ratio near the input ratio,
# bounded memory a ratio near 1. RSS does not depend on timing, so one run
# each is enough.
set -eu
RRT=${1:?usage: mem_bench.sh RRT TR_SYSCALLS [SMALL_MB] [LARGE_MB] [EVENTS]}
TR=${2:?usage: mem_bench.sh RRT TR_SYSCALLS [SMALL_MB] [LARGE_MB] [EVENTS]}
SMALL=${3:-64} LARGE=${4:-1024} EVENTS=${5:-50000}
W=$(mktemp -d /tmp/rrt-mem-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT
[ -x /usr/bin/time ] || { echo "missing /usr/bin/time (apt-get install time)" >&2; exit 2; }

# make FILE MB: libraries in name order, repeated as need be, cut at MB.
find /usr/lib/x86_64-linux-gnu -type f -name '*.so*' -size +0 |
    LC_ALL=C sort | tr '\n' '\0' | xargs -0 cat > "$W/libs"
make_input() {
    while :; do cat "$W/libs"; done 2> /dev/null | head -c $(($2 * 1048576)) > "$1"
}
# rss NAME COMMAND...: runs COMMAND, appends its peak RSS in KiB to $W/NAME.
rss() {
    name=$1
    shift
    /usr/bin/time -f %M -o "$W/t" "$@" > /dev/null
    cat "$W/t" >> "$W/$name"
}

for size in $SMALL $LARGE; do
    d="$W/$size"
    mkdir "$d"
    make_input "$d/in.bin" "$size"
    rss brotli5 sh -c "brotli -q 5 -c '$d/in.bin' > '$d/in.br'"
    rss create "$RRT" create -o "$d/a.rrt" "$d/in.bin"
    rss verify "$RRT" verify "$d/a.rrt"
    rss cat "$RRT" cat "$d/a.rrt" "$d/in.bin"
    "$RRT" create -x -o "$d/x.rrt" "$d/in.bin"
    rss pack "$RRT" pack --no-sync -o "$d/p.rrt" "$d/x.rrt"
    rm -f "$d"/*.rrt "$d/in.br"
    echo "$size MB done" >&2
done
for n in $EVENTS $((EVENTS * 16)); do
    rss record "$RRT" record -o "$W/e$n.rrt" -- "$TR" io "$n"
    rss replay "$RRT" replay --quiet "$W/e$n.rrt"
    echo "$n read+write pairs done" >&2
done

echo "peak RSS in MiB; blobs: $SMALL MB vs $LARGE MB input," \
     "events: $((EVENTS * 2)) vs $((EVENTS * 32))"
printf '%-8s %10s %10s %12s\n' what small large large/small
for c in brotli5 create verify cat pack record replay; do
    awk -v c="$c" 'NR == 1 { s = $1 } NR == 2 { l = $1 }
        END { printf "%-8s %10.1f %10.1f %12.2f\n", c, s / 1024, l / 1024, l / s }' \
        "$W/$c"
done
