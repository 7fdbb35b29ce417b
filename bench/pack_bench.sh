#!/bin/sh
# rrt pack against tar | brotli and tar | zstd on the same real libraries.
#
#   bench/pack_bench.sh RRT [MB] [RUNS] [QUALITIES]
#
# Takes shared libraries from /usr/lib/x86_64-linux-gnu (sorted, up to MB
# megabytes, default 300), makes an external-reference archive of them
# (rrt create -x, what an unpacked recording holds), warms the page cache,
# then runs each contender RUNS times (default 3), interleaved so that load
# from elsewhere hits all alike, and prints median wall time and output
# size with ratios against `tar c | brotli -q 5`. QUALITIES (default "5")
# lists the rrt pack qualities to measure. No run fsyncs (rrt pack
# --no-sync), so the comparison is of compression and I/O, not the disk;
# --allow-changed keeps a library updated meanwhile from stopping the run.
# PACK_BENCH_ZSTD=0 leaves out zstd -19 (by far the slowest);
# PACK_BENCH_SRC changes the source directory.
set -eu
RRT=${1:?usage: pack_bench.sh RRT [MB] [RUNS] [QUALITIES]}
MB=${2:-300}
RUNS=${3:-3}
QUALITIES=${4:-5}
SRC=${PACK_BENCH_SRC:-/usr/lib/x86_64-linux-gnu}
W=$(mktemp -d /tmp/rrt-pack-bench.XXXXXX)
trap 'rm -rf "$W"' EXIT

for tool in tar brotli zstd awk; do
    command -v $tool > /dev/null || { echo "missing $tool" >&2; exit 2; }
done

# The file set: shared libraries (regular files, no symlinks) in name
# order, up to MB. Files with several hard links are left out: tar would
# store them as links and rrt once by content id, so they only blur the
# comparison of compressors.
find "$SRC" -type f -name '*.so*' -size +0 -links 1 | LC_ALL=C sort |
    awk -v max=$((MB * 1048576)) '
        { cmd = "stat -c %s \"" $0 "\""; cmd | getline s; close(cmd)
          if (total + s > max) next; total += s; print }' > "$W/list"
nfiles=$(wc -l < "$W/list")
bytes=$(tr '\n' '\0' < "$W/list" | xargs -0 stat -c %s | awk '{ t += $1 } END { print t }')
echo "input: $nfiles files, $bytes bytes from $SRC"
tr '\n' '\0' < "$W/list" | xargs -0 cat > /dev/null # warm the page cache
tr '\n' '\0' < "$W/list" | xargs -0 "$RRT" create -x -o "$W/ext.rrt"

now_ms() { echo $(($(date +%s%N) / 1000000)); }

# run NAME OUTPUT COMMAND: appends "ms bytes" to $W/NAME.
run() {
    name=$1 out=$2
    shift 2
    rm -f "$out" "$out.partial"
    t0=$(now_ms)
    sh -c "$*"
    t1=$(now_ms)
    echo "$((t1 - t0)) $(stat -c %s "$out")" >> "$W/$name"
}

contenders="brotli5"
[ "${PACK_BENCH_ZSTD:-1}" = 0 ] || contenders="$contenders zstd19"
for q in $QUALITIES; do contenders="$contenders rrt_q$q"; done
for i in $(seq "$RUNS"); do
    for c in $contenders; do
        case $c in
        brotli5) run brotli5 "$W/o.tar.br" \
            "tar cf - -P -T '$W/list' | brotli -q 5 -c > '$W/o.tar.br'" ;;
        zstd19) run zstd19 "$W/o.tar.zst" \
            "tar cf - -P -T '$W/list' | zstd -q -19 -T0 -c > '$W/o.tar.zst'" ;;
        rrt_q*) run "$c" "$W/o.rrt" \
            "'$RRT' pack --no-sync --allow-changed -q ${c#rrt_q} -o '$W/o.rrt' '$W/ext.rrt'" ;;
        esac
    done
    echo "round $i done" >&2
done

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
base_ms=$(cut -d' ' -f1 "$W/brotli5" | median)
base_sz=$(cut -d' ' -f2 "$W/brotli5" | median)
printf '%-10s %10s %14s %10s %10s %8s\n' what "median ms" "median bytes" \
    "time/br5" "size/br5" "MB/s"
for c in $contenders; do
    ms=$(cut -d' ' -f1 "$W/$c" | median)
    sz=$(cut -d' ' -f2 "$W/$c" | median)
    awk -v c="$c" -v ms="$ms" -v sz="$sz" -v bms="$base_ms" -v bsz="$base_sz" \
        -v inb="$bytes" 'BEGIN { printf "%-10s %10d %14d %10.2f %10.3f %8.1f\n",
            c, ms, sz, ms / bms, sz / bsz, inb / 1048576 / (ms / 1000) }'
done
echo "runs: $RUNS, interleaved; all times wall clock; input $bytes bytes"
