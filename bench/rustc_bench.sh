#!/bin/sh
# Recording a large program that starts fast: `rustc -o h h.rs` (a hello
# world; rustc maps ~150 MB of code: librustc_driver, LLVM), natively, in
# fault mode and in patch mode, the first recording (an empty per-user site
# cache) and the second (the cache the first one filled), interleaved, RUNS
# times; prints medians and ratios to native. With a BASELINE rrt (e.g. main
# built elsewhere) each rrt row is also run with it, interleaved.
# usage: bench/rustc_bench.sh RRT [RUNS] [BASELINE_RRT]
set -u
RRT=$(readlink -f "$1") RUNS=${2:-5} BASE=${3:+$(readlink -f "$3")}
command -v rustc >/dev/null || { echo "rustc_bench: no rustc, skipped"; exit 0; }
T=$(mktemp -d /tmp/rrt-rustc-bench.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
printf 'fn main() { println!("hi"); }\n' >"$T/h.rs"
MODES=patch
if "$RRT" record --cpuid-mode=fault -o "$T/probe.rrt" -- /bin/true 2>/dev/null; then
    MODES="fault patch"
fi

now() { date +%s.%N; }
run_one() { # rrt mode cache -> seconds on stdout
    rm -f "$T/b.rrt" "$T/h"
    s=$(now)
    if [ "$2" = native ]; then
        (cd "$T" && rustc -o h h.rs)
    else
        (cd "$T" && RRT_CACHE_DIR="$3" "$1" record --cpuid-mode="$2" -o "$T/b.rrt" -- rustc -o h h.rs)
    fi >/dev/null 2>"$T/err" || { cat "$T/err" >&2; echo "rustc_bench: $1 $2 failed" >&2; exit 1; }
    e=$(now)
    echo "$s $e" | awk '{printf "%.4f\n", $2 - $1}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

# Fault mode uses the cache only for XGETBV in masked recordings: one row.
rows_of() { for m in $MODES; do
    [ $m = fault ] && echo "$1:fault:second" || echo "$1:patch:first $1:patch:second"
done; }
ROWS="native $(rows_of rrt)"
[ -n "$BASE" ] && ROWS="$ROWS $(rows_of base)"
ROWS=$(echo $ROWS)
for r in $ROWS; do : >"$T/$r"; done
i=0
while [ $i -lt "$RUNS" ]; do
    for r in $ROWS; do
        who=${r%%:*} rest=${r#*:}
        bin=$RRT; [ "$who" = base ] && bin=$BASE
        case $r in
        native) run_one - native - >>"$T/$r" ;;
        *:first) # a fresh cache each time
            rm -rf "$T/cache-$who-first" && run_one "$bin" "${rest%%:*}" "$T/cache-$who-first" >>"$T/$r" ;;
        *:second) # the cache of one earlier recording, which is not timed
            if [ ! -d "$T/cache-$who-${rest%%:*}" ]; then
                run_one "$bin" "${rest%%:*}" "$T/cache-$who-${rest%%:*}" >/dev/null
            fi
            run_one "$bin" "${rest%%:*}" "$T/cache-$who-${rest%%:*}" >>"$T/$r" ;;
        esac
    done
    i=$((i + 1))
done
nat=$(median <"$T/native")
printf '%-22s %8s %8s   (median of %d interleaved runs; load %s)\n' row seconds xnative "$RUNS" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
for r in $ROWS; do
    m=$(median <"$T/$r")
    printf '%-22s %8.3f %8.2f\n' "$r" "$m" "$(echo "$m $nat" | awk '{print $1 / $2}')"
done
