#!/bin/bash
# CLI-level test of `rrt verify` and `rrt cpuid`: exit codes 0/1/2, grouped
# feature names, one-line errors naming the file.
# Usage: cli_verify_host.sh RRT_BINARY TESTS_DATA_DIR
set -u
RRT=$1
DATA=$2
CPUS=$DATA/cpus
BAD=$DATA/bad/cpus
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
        sed 's/^/    /' "$T/err" >&2
    fi
}

contains() { # FILE STRING DESCRIPTION
    grep -qF -- "$2" "$1" || fail "$3: '$2' not in $(basename "$1"): $(head -c 300 "$1")"
}

# Saved host files and stand-in "recordings" (an archive with a CPID
# section) from the real CPU descriptions.
expect 0 "save xeon" -- "$RRT" cpuid --from "$CPUS/xeon-vm-amx.cpuid-r.txt" -o "$T/xeon.rrt"
expect 0 "save haswell" -- "$RRT" cpuid --from "$CPUS/haswell-i7-4770.cpuid-r.txt" -o "$T/hsw.rrt"
expect 0 "save epyc" -- "$RRT" cpuid --from "$CPUS/epyc-9654-kvm-noavx512.xml" -o "$T/epyc.rrt"
[ -e "$T/xeon.rrt.partial" ] && fail "writer left a .partial file"

# 1: a Xeon recording on a Zen 4 VM without AVX-512.
expect 1 "xeon on zen4-vm" -- "$RRT" verify --host --against "$CPUS/epyc-9654-kvm-noavx512.xml" "$T/xeon.rrt"
contains "$T/out" "INCOMPATIBLE" "xeon on zen4-vm"
contains "$T/out" "CPUID 0x7.0 EBX: hle rtm avx512f avx512dq" "xeon on zen4-vm grouping"
contains "$T/out" "amx_tile" "xeon on zen4-vm"
contains "$T/out" "opmask zmm_hi256 hi16_zmm xtilecfg xtiledata" "xeon on zen4-vm xsave"

# 0: a Haswell recording on the Xeon, against a raw dump and a saved file.
expect 0 "haswell on xeon raw" -- "$RRT" verify --host --against "$CPUS/xeon-vm-amx.cpuid-r.txt" "$T/hsw.rrt"
contains "$T/out" "compatible with" "haswell on xeon"
expect 0 "haswell on xeon saved" -- "$RRT" verify --host --against "$T/xeon.rrt" "$T/hsw.rrt"

# JSON variant.
expect 1 "json" -- "$RRT" verify --host --json --against "$T/epyc.rrt" "$T/xeon.rrt"
contains "$T/out" '"compatible": false' "json"
contains "$T/out" '"name": "avx512f"' "json"
if command -v python3 >/dev/null; then
    python3 -m json.tool "$T/out" >/dev/null || fail "verify --json output is not JSON"
fi

# This host: compatible or not, but never an error; fast.
"$RRT" verify --host "$T/hsw.rrt" >"$T/out" 2>"$T/err"
code=$?
[ "$code" = 0 ] || [ "$code" = 1 ] || fail "verify --host on this host exited $code"
contains "$T/out" "CPUID faulting" "live host faulting note"

# 2: errors.
expect 2 "missing recording" -- "$RRT" verify --host "$T/nope.rrt"
contains "$T/err" "nope.rrt" "missing recording"
expect 2 "text file as recording" -- "$RRT" verify --host "$CPUS/skylake-i5-6600.xml"
expect 2 "missing host file" -- "$RRT" verify --host --against "$T/nope.xml" "$T/hsw.rrt"
expect 2 "no file argument" -- "$RRT" verify --host
expect 2 "unknown option" -- "$RRT" verify --hots "$T/hsw.rrt"
while IFS=$'\t' read -r name want; do
    case "$name" in '#'*|'') continue ;; esac
    expect 2 "bad host file $name" -- "$RRT" verify --host --against "$BAD/$name" "$T/hsw.rrt"
    contains "$T/err" "$name" "bad host file $name"
    [ -n "$want" ] && contains "$T/err" "$want" "bad host file $name"
    [ "$(wc -l <"$T/err")" = 1 ] || fail "bad host file $name: error is not one line"
done <"$BAD/EXPECTED"
# A giant dump (more records than any CPU has) is refused.
awk 'BEGIN { for (i = 0; i < 5000; i++) printf "   0x%08x 0x00: eax=0x1 ebx=0x0 ecx=0x0 edx=0x0\n", i }' >"$T/giant.txt"
expect 2 "giant dump" -- "$RRT" verify --host --against "$T/giant.txt" "$T/hsw.rrt"
contains "$T/err" "more than 4096 CPUID records" "giant dump"

# rrt cpuid --common / --diff
expect 0 "common" -- "$RRT" cpuid --common "$CPUS/xeon-vm-amx.cpuid-r.txt" "$CPUS/epyc-9654-kvm-noavx512.xml" -o "$T/mask.rrt"
expect 0 "mask describes itself" -- "$RRT" cpuid --from "$T/mask.rrt"
contains "$T/out" "common(2 hosts)" "mask name"
contains "$T/out" "x86-64-v3" "mask level"
expect 0 "mask on zen4" -- "$RRT" verify --host --against "$CPUS/epyc-9654-kvm-noavx512.xml" "$T/mask.rrt"
expect 0 "mask on xeon" -- "$RRT" verify --host --against "$T/xeon.rrt" "$T/mask.rrt"
expect 1 "diff" -- "$RRT" cpuid --diff "$T/xeon.rrt" "$CPUS/epyc-9654-kvm-noavx512.xml"
contains "$T/out" "avx512f" "diff"
contains "$T/out" "sse4a" "diff"
expect 0 "diff same" -- "$RRT" cpuid --diff "$T/xeon.rrt" "$CPUS/xeon-vm-amx.cpuid-r.txt"
expect 2 "diff arity" -- "$RRT" cpuid --diff "$T/xeon.rrt"
expect 0 "cpuid json" -- "$RRT" cpuid --json
contains "$T/out" '"records"' "cpuid json"
if command -v python3 >/dev/null; then
    python3 -m json.tool "$T/out" >/dev/null || fail "cpuid --json output is not JSON"
fi

# rrt verify (integrity): intact, damaged, not an archive.
expect 0 "integrity intact" -- "$RRT" verify "$T/hsw.rrt"
contains "$T/out" "intact" "integrity intact"
cp "$T/hsw.rrt" "$T/damaged.rrt"
size=$(stat -c %s "$T/damaged.rrt")
printf '\xff\xff\xff\xff' | dd of="$T/damaged.rrt" bs=1 seek=$((size / 2)) conv=notrunc status=none
expect 1 "integrity damaged" -- "$RRT" verify "$T/damaged.rrt"
[ -s "$T/err" ] || fail "damaged archive: no problem lines on stderr"
expect 2 "integrity not an archive" -- "$RRT" verify "$CPUS/skylake-i5-6600.xml"
expect 2 "integrity missing" -- "$RRT" verify "$T/nope.rrt"

# Help text.
expect 0 "help verify" -- "$RRT" verify --help
contains "$T/out" "SYNOPSIS" "help verify"
expect 0 "help cpuid" -- "$RRT" help cpuid
contains "$T/out" "EXAMPLES" "help cpuid"

if [ "$failures" != 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "cli_verify_host: all checks passed"
