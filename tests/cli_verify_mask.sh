#!/bin/bash
# `rrt verify --host` follows the record-time CPU mask: XSAVE state whose
# features the mask hid does not block (spec/compat.md, rules 2 and 3), so
# masked recordings replay across XSAVE layouts, and `rrt cpuid --common`
# hides what the hosts lay out differently. Uses the recordings and CPU dumps
# made on other machines (../shared/recordings, README.md there).
# Usage: cli_verify_mask.sh RRT TESTS_DATA_DIR RECORDINGS_DIR [TRACEE]
# Exit 77 (skipped) when RECORDINGS_DIR is missing.
set -u
RRT=$1
DATA=$2
RECS=$3
TRACEE=${4:-}
SANDY=$DATA/cpus/sandybridge-i7-2600.xml
ZEN4=$RECS/zen4.cpuid-r.txt
EMR=$RECS/emerald-rapids.cpuid-r.txt
if [ ! -r "$ZEN4" ] || [ ! -r "$RECS/zen4-v3-signals.rrt" ]; then
    echo "SKIP: no recordings from other machines in $RECS"
    exit 77
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# expect CODE DESCRIPTION -- command...; stdout/stderr kept in $T/out, $T/err
expect() {
    local want=$1 what=$2
    shift 3
    "$@" >"$T/out" 2>"$T/err"
    local got=$?
    if [ "$got" != "$want" ]; then
        fail "$what: exit $got, expected $want: $*"
        sed 's/^/    /' "$T/out" "$T/err" | head -40 >&2
    fi
}

# blocking FILE NAME DESCRIPTION: NAME is listed under "blocking:"
blocking() {
    sed -n '/^blocking:$/,/^notes:$/p' "$1" | grep -qw -- "$2" ||
        fail "$3: '$2' not reported as blocking"
}

contains() { # FILE STRING DESCRIPTION
    grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1")"
}

# Recorded on Zen 4 with x86-64-v3: AVX-512 state enabled there at AMD's
# offsets, but hidden from the program, so Intel's offsets do not matter.
for f in zen4-v3-signals zen4-v3-python-threads; do
    expect 0 "$f on this host" -- "$RRT" verify --host "$RECS/$f.rrt"
    expect 0 "$f on emerald rapids" -- "$RRT" verify --host --against "$EMR" "$RECS/$f.rrt"
    contains "$T/out" "XSAVE layout differs, unused by the masked program:" "$f note"
    contains "$T/out" "component 5 (opmask): size 64 offset 832 recorded, size 64 offset 1088" "$f note"
    expect 0 "$f json" -- "$RRT" verify --host --json --against "$EMR" "$RECS/$f.rrt"
    contains "$T/out" '"xsave_layout_mismatch": []' "$f json"
    contains "$T/out" '"xsave_layout_mismatch_unused": [{"component": 5' "$f json"
done

# Unmasked, the same program could use AMD-only instructions and AVX-512.
for host in this "$EMR"; do
    if [ "$host" = this ]; then
        expect 1 "unmasked zen4 on this host" -- "$RRT" verify --host "$RECS/zen4-unmasked-signals.rrt"
    else
        expect 1 "unmasked zen4 on emerald rapids" -- "$RRT" verify --host --against "$host" "$RECS/zen4-unmasked-signals.rrt"
    fi
    blocking "$T/out" sse4a "unmasked zen4 on $host"
    blocking "$T/out" clzero "unmasked zen4 on $host"
    contains "$T/out" "XSAVE component 5 (opmask) differs" "unmasked zen4 on $host"
done

# A fleet mask for an AMD and an Intel host: AVX-512 is common to both but
# laid out differently, so the mask hides it and verifies on both.
expect 0 "fleet mask" -- "$RRT" cpuid --common "$ZEN4" "$EMR" -o "$T/fleet.mask"
contains "$T/err" "the mask hides the features that use them" "fleet mask warning"
for host in "$ZEN4" "$EMR"; do
    expect 0 "fleet mask against $(basename "$host")" -- "$RRT" verify --host --against "$host" "$T/fleet.mask"
done
expect 0 "fleet mask described" -- "$RRT" cpuid --from "$T/fleet.mask"
contains "$T/out" "psABI:     x86-64-v3" "fleet mask level"
grep -qw avx512f "$T/out" && fail "fleet mask leaves avx512f visible"

# The same mask written to a redirected stdout, as compressors do; a
# terminal is refused before any work.
expect 0 "fleet mask on stdout" -- "$RRT" cpuid --common "$ZEN4" "$EMR"
mv "$T/out" "$T/stdout.mask"
expect 0 "stdout mask against emerald rapids" -- "$RRT" verify --host --against "$EMR" "$T/stdout.mask"
expect 0 "stdout mask described" -- "$RRT" cpuid --from "$T/stdout.mask"
contains "$T/out" "mask:      common(2 hosts)" "stdout mask"
if command -v script >/dev/null; then
    script -qec "'$RRT' cpuid --common '$ZEN4' '$EMR'" /dev/null >"$T/tty.out" 2>&1
    code=$?
    [ "$code" = 2 ] || fail "--common to a terminal: exit $code, expected 2"
    contains "$T/tty.out" "stdout is a terminal" "--common to a terminal"
    grep -q "XSAVE layout differs" "$T/tty.out" && fail "--common to a terminal did the work first"
fi

# `rrt record --cpu-mask x86-64-v2` on this host replays on a Sandy Bridge,
# whatever XSAVE state this host enables.
if [ -n "$TRACEE" ]; then
    if "$RRT" record --cpu-mask x86-64-v2 -o "$T/v2.rrt" -- "$TRACEE" >"$T/rec.out" 2>"$T/rec.err"; then
        expect 0 "x86-64-v2 recording on sandy bridge" -- "$RRT" verify --host --against "$SANDY" "$T/v2.rrt"
        expect 1 "unmasked manifest on sandy bridge" -- "$RRT" verify --host --against "$SANDY" "$RECS/zen4-unmasked-signals.rrt"
        # and a recording made with the fleet mask from stdout replays on
        # both of its hosts, whatever this host's XSAVE layout.
        expect 0 "record with a stdout mask" -- "$RRT" record --cpu-mask "$T/stdout.mask" -o "$T/fleet.rrt" -- "$TRACEE"
        for host in "$ZEN4" "$EMR"; do
            expect 0 "fleet recording against $(basename "$host")" -- "$RRT" verify --host --against "$host" "$T/fleet.rrt"
        done
        # --cpu-mask takes what --against takes: "record for that laptop"
        for host in "$SANDY" "$ZEN4"; do
            expect 0 "record --cpu-mask $(basename "$host")" -- "$RRT" record --cpu-mask "$host" -o "$T/for.rrt" -- "$TRACEE"
            expect 0 "recording for $(basename "$host") against it" -- "$RRT" verify --host --against "$host" "$T/for.rrt"
            rm -f "$T/for.rrt"
        done
        # Every recording is masked by rrt's defaults; `verify --host` names
        # that mask, and a --disable-cpuid-features mask by its list.
        expect 0 "record, no mask asked" -- "$RRT" record -o "$T/plain.rrt" -- "$TRACEE"
        expect 0 "verify --host of it" -- "$RRT" verify --host "$T/plain.rrt"
        grep -q "masked (rrt's defaults: rdrand" "$T/out" || fail "verify --host does not name the default mask: $(grep masked "$T/out")"
        expect 0 "record --disable-cpuid-features" -- "$RRT" record --disable-cpuid-features avx2,fma -o "$T/dis.rrt" -- "$TRACEE"
        expect 0 "verify --host of it" -- "$RRT" verify --host "$T/dis.rrt"
        grep -q "masked (without avx2,fma)" "$T/out" || fail "verify --host does not name the disabled features: $(grep masked "$T/out")"
    else
        echo "note: cannot record here, skipped the x86-64-v2 recording: $(tail -1 "$T/rec.err")"
    fi
fi

if [ "$failures" != 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "cli_verify_mask: all checks passed"
