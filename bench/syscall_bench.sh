#!/bin/sh
# The syscall buffer's table (issue 17): three syscall-heavy workloads run
# natively, under `taskset -c 0 strace -f -o /dev/null`, and under `rrt
# record` without and with --syscall-buffer (CPUID faulting where the host
# has it, and --cpuid-mode=patch), and the buffered recording's replay,
# interleaved, RUNS times; prints medians (seconds) and ratios:
# sb/nat = buffered record / native, sb/strc = buffered record / strace,
# rep/rec = replay / buffered record. Then the counts behind the times,
# which a loaded host does not blur: per workload, the buffered
# recording's traced system calls and CPUID traps (`rrt record --stats`)
# and its replay's ptrace stops (`rrt replay --stats`).
# usage: bench/syscall_bench.sh RRT TR_SYSCALLS [RUNS]
#   TR_SYSCALLS is the tracee built as BUILD/tests/tracees/tr_syscalls
#   (record_bench.sh's read+write pairs, 50,000 of them here).
set -u
RRT=$1 TR=$2 RUNS=${3:-3}
T=$(mktemp -d /tmp/rrt-sbbench.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
HAVE_STRACE=$(command -v strace >/dev/null && echo 1)
cat >"$T/find.sh" <<'X'
exec find /usr/share /usr/lib -name '*.zz'
X
cat >"$T/cat.sh" <<'X'
find /usr/share/doc -type f -name '*.gz' | head -3000 | xargs cat | wc -c
X
printf '%s\n' "exec \"$TR\" io 50000" >"$T/io.sh"

# rrt's stdout goes to a file, not /dev/null: writes to rrt's own stdout
# are recorded as output (STDIO, traced), and the io workload writes to
# /dev/null.
now() { date +%s.%N; }
run_one() { # mode workload -> seconds
    rm -f "$T/b.rrt"
    s=$(now)
    case $1 in
    native) sh "$T/$2.sh" >/dev/null 2>&1 ;;
    strace) taskset -c 0 strace -f -o /dev/null sh "$T/$2.sh" >/dev/null 2>&1 ;;
    rrt) "$RRT" record --no-syscall-buffer -o "$T/b.rrt" -- sh "$T/$2.sh" \
        >"$T/out" 2>&1 ;;
    rrtsb) "$RRT" record --syscall-buffer -o "$T/sb.rrt" -- sh "$T/$2.sh" \
        >"$T/out" 2>&1 ;;
    rrtsbp) "$RRT" record --syscall-buffer --cpuid-mode=patch -o "$T/sbp.rrt" \
        -- sh "$T/$2.sh" >"$T/out" 2>&1 ;;
    replay) "$RRT" replay "$T/sb.rrt" >"$T/out" 2>&1 ;;
    esac
    e=$(now)
    echo "$s $e" | awk '{printf "%.4f\n", $2 - $1}'
}
median() { sort -g | awk '{v[NR]=$1} END {print (NR%2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'; }

printf '%-6s %8s %8s %8s %8s %8s %8s %7s %7s %7s\n' workload native strace \
    rrt rrt+sb sb/patch replay sb/nat sb/strc rep/rec
for w in find cat io; do
    for m in native strace rrt rrtsb rrtsbp replay; do : >"$T/$m"; done
    i=0
    while [ $i -lt "$RUNS" ]; do
        for m in native ${HAVE_STRACE:+strace} rrt rrtsb replay rrtsbp; do
            run_one $m $w >>"$T/$m"
        done
        i=$((i + 1))
    done
    for m in native strace rrt rrtsb rrtsbp replay; do
        eval "$m=\$(median <\"\$T/\$m\")"
    done
    printf '%-6s %8s %8s %8s %8s %8s %8s %7s %7s %7s\n' $w "$native" "${strace:-n/a}" \
        "$rrt" "$rrtsb" "$rrtsbp" "$replay" \
        "$(echo "$rrtsb $native" | awk '{printf "%.1fx", $1 / $2}')" \
        "$(echo "$rrtsb ${strace:-0}" | awk '$2 > 0 {printf "%.2fx", $1 / $2} $2 == 0 {print "n/a"}')" \
        "$(echo "$replay $rrtsb" | awk '{printf "%.2fx", $1 / $2}')"
done
echo "($RUNS interleaved runs each, medians in seconds)"

printf '%-6s %10s %10s %12s\n' workload syscalls cpuid replay-stops
for w in find cat io; do
    rm -f "$T/sb.rrt"
    "$RRT" record --stats --syscall-buffer -o "$T/sb.rrt" -- sh "$T/$w.sh" \
        >"$T/out" 2>"$T/rec.err"
    "$RRT" replay --stats "$T/sb.rrt" >"$T/out" 2>"$T/rep.err"
    sc=$(sed -n 's/^rrt record: .* events: \([0-9]*\) syscalls, .*/\1/p' "$T/rec.err")
    cp=$(sed -n 's/^rrt record: .* rdtsc, \([0-9]*\) cpuid, .*/\1/p' "$T/rec.err")
    st=$(sed -n 's/^rrt replay: \([0-9]*\) stops$/\1/p' "$T/rep.err")
    printf '%-6s %10s %10s %12s\n' $w "${sc:-?}" "${cp:-?}" "${st:-?}"
done
