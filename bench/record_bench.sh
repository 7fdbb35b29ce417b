#!/bin/sh
# Recording overhead: a syscall-heavy workload (N small read+write pairs)
# and a compute-heavy one (a tight loop), each run natively, under
# `strace -f -o /dev/null` and under `rrt record` with each CPUID mode
# (fault: CPUID faulting, which a VM may make expensive on every context
# switch; patch: UD2 patching), interleaved, RUNS times; prints medians and
# ratios to native.
# usage: bench/record_bench.sh RRT TR_SYSCALLS [RUNS] [IO_N] [CPU_N]
#   TR_SYSCALLS is the tracee built as BUILD/tracees/tr_syscalls.
set -u
RRT=$1 TR=$2 RUNS=${3:-5} IO_N=${4:-200000} CPU_N=${5:-300000000}
T=$(mktemp -d /tmp/rrt-bench.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
HAVE_STRACE=$(command -v strace >/dev/null && echo 1)
MODES=patch
if "$RRT" record --cpuid-mode=fault -o "$T/probe.rrt" -- /bin/true 2>/dev/null; then
    MODES="fault patch"
fi

now() { date +%s.%N; }
run_one() { # mode workload n -> seconds on stdout
    rm -f "$T/b.rrt"
    s=$(now)
    case $1 in
    native) "$TR" "$2" "$3" >/dev/null ;;
    strace) strace -f -o /dev/null "$TR" "$2" "$3" >/dev/null ;;
    fault|patch)
        "$RRT" record --cpuid-mode=$1 -o "$T/b.rrt" -- "$TR" "$2" "$3" >/dev/null ;;
    esac
    e=$(now)
    echo "$s $e" | awk '{printf "%.4f\n", $2 - $1}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

for w in io cpu; do
    n=$IO_N; [ $w = cpu ] && n=$CPU_N
    : >"$T/native" ; : >"$T/strace" ; : >"$T/fault" ; : >"$T/patch"
    i=0
    while [ $i -lt "$RUNS" ]; do
        for m in native ${HAVE_STRACE:+strace} $MODES; do
            run_one $m $w "$n" >>"$T/$m"
        done
        i=$((i + 1))
    done
    nat=$(median <"$T/native")
    size=$(stat -c %s "$T/b.rrt" 2>/dev/null || echo 0)
    printf '%-4s n=%-10s native %8.3fs' $w "$n" "$nat"
    if [ -n "$HAVE_STRACE" ]; then
        st=$(median <"$T/strace")
        printf '  strace %8.3fs (%6.1fx)' "$st" "$(echo "$st $nat" | awk '{print $1/$2}')"
    fi
    for m in $MODES; do
        v=$(median <"$T/$m")
        printf '  rrt/%s %8.3fs (%6.1fx)' $m "$v" "$(echo "$v $nat" | awk '{print $1/$2}')"
    done
    printf '  archive %s bytes\n' "$size"
done
echo "($RUNS interleaved runs each, medians; ratios are to native)"
