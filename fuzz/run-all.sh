#!/bin/sh
# Builds every fuzz harness with clang, libFuzzer, ASan and UBSan, then runs
# each one for SECONDS on a scratch copy of its seed corpus (the committed
# corpus never grows). Exits 1 if any harness crashes, leaks or times out;
# the reproducer is kept and its path printed.
#   usage: fuzz/run-all.sh SECONDS [BUILD_DIR] [TARGET...]
#   env:   RRT_FUZZ_JOBS (build parallelism, default 2)
set -eu

usage() {
    echo "usage: $0 SECONDS [BUILD_DIR] [TARGET...]" >&2
    exit 2
}
[ $# -ge 1 ] || usage
secs=$1
shift
case $secs in '' | *[!0-9]*) usage ;; esac
build=${TMPDIR:-/tmp}/rrt-fuzz-build
if [ $# -ge 1 ]; then
    build=$1
    shift
fi
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=${RRT_FUZZ_JOBS:-2}

if [ $# -ge 1 ]; then
    targets=$*
else
    targets=
    for f in "$src"/fuzz/fuzz_*.c; do
        t=$(basename "$f" .c)
        targets="$targets ${t#fuzz_}"
    done
fi

mkdir -p "$build"
CC=clang cmake -S "$src" -B "$build" -DRRT_FUZZ=ON -DRRT_SANITIZE=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/run-all-cmake.log" 2>&1 || {
    cat "$build/run-all-cmake.log" >&2
    exit 2
}
for t in $targets; do
    cmake --build "$build" -j"$jobs" --target "fuzz_$t" >/dev/null || {
        echo "run-all: cannot build fuzz_$t" >&2
        exit 2
    }
done

# Inputs larger than the seeds are rarely useful and slow every iteration.
max_len() {
    case $1 in
    archive) echo 16384 ;;
    blob | events) echo 8192 ;;
    cpuid_raw | cpuid_xml) echo 16384 ;;
    *) echo 4096 ;;
    esac
}

failed=0
summary=
for t in $targets; do
    work=$(mktemp -d "${TMPDIR:-/tmp}/rrt-fuzz-$t.XXXXXX")
    mkdir "$work/corpus"
    if [ -d "$src/fuzz/corpus/$t" ]; then
        cp "$src/fuzz/corpus/$t"/* "$work/corpus/" 2>/dev/null || true
    fi
    # Reproducers of bugs not fixed yet would stop the run at once.
    if [ -f "$src/fuzz/pending-fixes.txt" ]; then
        sed -n "s|^$t/\([^ 	]*\).*|\1|p" "$src/fuzz/pending-fixes.txt" |
            while read -r f; do rm -f "$work/corpus/$f"; done
    fi
    echo "== fuzz_$t: $secs s" >&2
    rc=0
    # Scratch files the harnesses create go under $work, removed with it.
    TMPDIR=$work \
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
        "$build/fuzz/fuzz_$t" -max_total_time="$secs" -max_len="$(max_len "$t")" \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
        -artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1 || rc=$?
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
    speed=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log")
    cov=$(grep -o 'cov: [0-9]*' "$work/log" | tail -1)
    if [ "$rc" -ne 0 ]; then
        failed=1
        tail -n 60 "$work/log" >&2
        summary="$summary
fuzz_$t: FAILED (exit $rc), log and reproducer in $work"
        for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
            [ -e "$a" ] && summary="$summary
  reproducer: $a"
        done
    else
        summary="$summary
fuzz_$t: ok, ${execs:-?} runs, ${speed:-?} exec/s, ${cov:-cov: ?}"
        rm -rf "$work"
    fi
done
echo "$summary" >&2
exit $failed
