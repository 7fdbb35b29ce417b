#!/bin/sh
# CPUID answered in the program (spec/events.md 5): tr_cpustub's CPUID
# sites become jumps to stubs (CPUID_PATCH events, no CPUID events for
# their leaves), except the one whose next instruction is a branch target
# (20 CPUID events of leaf 6); replay prints the same; the leaves the
# library answered (3, 0x4fffffff, 4.2) are in the manifest's queried
# list; a second recording takes the sites from the site cache. MODE
# nobuf: without the syscall buffer every CPUID still traps.
# usage: cli_cpustub.sh RRT TRACEE fault|patch|nobuf
set -u
RRT=$1 TR=$2 MODE=$3
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in rec.err rep.err; do [ -s "$T/$f" ] && { echo "--- $f" >&2; tail -20 "$T/$f" >&2; }; done; exit 1; }
# (--syscall-buffer: also in the suite's pass with RRT_SYSCALL_BUFFER=0)
CPUID_MODE=$MODE OPTS=--syscall-buffer
[ "$MODE" = nobuf ] && CPUID_MODE=auto OPTS=--no-syscall-buffer
if [ "$MODE" = fault ] &&
    ! "$RRT" record --cpuid-mode=fault -o "$T/probe.rrt" -- /bin/true 2>/dev/null; then
    echo "SKIP: this host has no CPUID faulting (arch_prctl ARCH_SET_CPUID)"
    exit 77
fi
export RRT_CACHE_DIR="$T/cache"
count() { grep -c " CPUID tid [0-9]* leaf $1 " "$T/dump" || true; }
for run in 1 2; do
    RRT_CPUID_MODE=$CPUID_MODE "$RRT" record $OPTS -o "$T/a$run.rrt" -- "$TR" \
        >"$T/rec.out" 2>"$T/rec.err" || fail "record (run $run)"
    RRT_CPUID_MODE=$CPUID_MODE "$RRT" replay "$T/a$run.rrt" >"$T/rep.out" 2>"$T/rep.err" ||
        fail "replay (run $run)"
    cmp -s "$T/rec.out" "$T/rep.out" || fail "replay printed other things (run $run)"
    grep -q "flags kept: yes, upper halves: zero" "$T/rec.out" || fail "$(cat "$T/rec.out")"
    grep -q "beyond the last leaf: zeros" "$T/rec.out" || fail "$(cat "$T/rec.out")"
    "$RRT" dump "$T/a$run.rrt" >"$T/dump" 2>&1 || fail "dump"
    [ "$(count 0x6)" -eq 20 ] || fail "leaf 6: $(count 0x6) CPUID events, not 20"
    if [ "$MODE" = nobuf ]; then
        [ "$(count 0x1)" -ge 50 ] && [ "$(count 0x3)" -ge 50 ] ||
            fail "without the syscall buffer, CPUID should trap"
        ! grep -q "CPUID_PATCH tid" "$T/dump" || fail "CPUID_PATCH without the library"
        continue
    fi
    grep -q "CPUID_PATCH tid" "$T/dump" || fail "no CPUID_PATCH (run $run)"
    for leaf in 0x1 0x3 0x4 0x4fffffff 0x7; do
        [ "$(count $leaf)" -eq 0 ] || fail "leaf $leaf: $(count $leaf) CPUID events (run $run)"
    done
    "$RRT" dump --json "$T/a$run.rrt" | tr -d ' \n' >"$T/json"
    for q in '\[3,0\]' '\[1342177279,0\]' '\[4,2\]' '\[7,0\]'; do
        grep -q "\"queried\":\[[^]]*$q" "$T/json" ||
            grep -q "\"queried\":\[\(\[[0-9]*,[0-9]*\],\)*$q" "$T/json" ||
            fail "queried leaves lack $q (run $run)"
    done
done
echo "ok: $MODE"
