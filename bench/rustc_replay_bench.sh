#!/bin/sh
# Replaying a large program in patch mode: `rustc -o h h.rs` (rustc maps
# ~150 MB of code) is recorded once in patch mode, then replayed RUNS times
# with RRT (and BASELINE_RRT if given), interleaved: a replay with an empty
# per-user site cache (first) and one with the cache an earlier replay
# filled (second). Prints medians, and what `replay --stats` says about the
# code regions replay read back.
# usage: bench/rustc_replay_bench.sh RRT [RUNS] [BASELINE_RRT]
set -u
RRT=$(readlink -f "$1") RUNS=${2:-5} BASE=${3:+$(readlink -f "$3")}
command -v rustc >/dev/null || { echo "rustc_replay_bench: no rustc, skipped"; exit 0; }
T=$(mktemp -d /tmp/rrt-rustc-rbench.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
printf 'fn main() { println!("hi"); }\n' >"$T/h.rs"
(cd "$T" && RRT_CACHE_DIR="$T/rec-cache" "$RRT" record --cpuid-mode=patch -o "$T/b.rrt" -- rustc -o h h.rs) \
    >/dev/null 2>"$T/err" || { cat "$T/err" >&2; echo "rustc_replay_bench: record failed" >&2; exit 1; }

now() { date +%s.%N; }
run_one() { # rrt cache -> seconds on stdout; stats in T/stats
    s=$(now)
    RRT_CACHE_DIR="$2" RRT_CPUID_MODE=patch "$1" replay --stats "$T/b.rrt" >/dev/null 2>"$T/stats" ||
        { cat "$T/stats" >&2; echo "rustc_replay_bench: $1 replay failed" >&2; exit 1; }
    e=$(now)
    echo "$s $e" | awk '{printf "%.4f\n", $2 - $1}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

WHO=rrt
[ -n "$BASE" ] && WHO="rrt base"
for w in $WHO; do : >"$T/$w-first"; : >"$T/$w-second"; done
i=0
while [ $i -lt "$RUNS" ]; do
    for w in $WHO; do
        bin=$RRT; [ $w = base ] && bin=$BASE
        rm -rf "$T/cache-$w-first"
        run_one "$bin" "$T/cache-$w-first" >>"$T/$w-first"
        [ -d "$T/cache-$w-second" ] || run_one "$bin" "$T/cache-$w-second" >/dev/null
        run_one "$bin" "$T/cache-$w-second" >>"$T/$w-second"
        grep 'read back' "$T/stats" | sed "s/^/$w second: /" >"$T/$w-said"
    done
    i=$((i + 1))
done
for w in $WHO; do
    for c in first second; do
        printf '%-5s %-7s replay median %ss (%s runs)\n' $w $c "$(median <"$T/$w-$c")" "$RUNS"
    done
    cat "$T/$w-said" 2>/dev/null
done
