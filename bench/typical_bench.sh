#!/bin/bash
# The recording people make, end to end, as the five ratios of the issue
# "Fast on the recordings people make": a Python start-up that imports a
# few C extensions (23 mapped files, about 19 MB of libraries).
#
#   bench/typical_bench.sh RRT [RUNS]
#
#   record  vs the native run
#   record  vs `taskset -c 0 strace -f -o /dev/null` of the same run
#   replay  vs its record
#   pack    vs `tar c FILES | brotli -q 5` of the recorded files: time and size
#   push    bytes uploaded on a first push of the packed archive vs its size
#
# Inputs are warmed first (one native run, the files read once); then each
# round runs native, strace, record, replay, pack and tar|brotli one after
# the other, RUNS rounds (default 5), and medians are printed, so that load
# from elsewhere hits all alike. pack runs with --no-sync (tar | brotli does
# not fsync either) and --allow-changed (ldconfig may rewrite
# /etc/ld.so.cache meanwhile); PACK_OPTS (default "-j 2") adds options.
# The push row starts docker-registry on 127.0.0.1 as tests/cli_push.sh does
# (or nginx as a WebDAV store when there is no registry) and pushes to a
# repository that is new each round; it is skipped, with a message, when
# neither server can be started. Bytes are rrt push's own count of request
# bodies, checked against what the server stored.
# TYPICAL_PROG overrides the program (a shell command line).
set -u
RRT=${1:?usage: typical_bench.sh RRT [RUNS]}
RUNS=${2:-5}
PROG=${TYPICAL_PROG:-"/usr/bin/python3 -c 'import sqlite3, ssl, json, decimal, ctypes, lzma, bz2, zlib, hashlib'"}
PACK_OPTS=${PACK_OPTS:--j 2}
here=$(cd "$(dirname "$0")" && pwd)
store=$here/../tests/store
W=$(mktemp -d /tmp/rrt-typical.XXXXXX) || exit 1
server=""
cleanup() {
    case $server in
    oci) "$store/registry-stop.sh" "$W/reg" >/dev/null 2>&1 ;;
    http) "$store/nginx-stop.sh" "$W/ng" >/dev/null 2>&1 ;;
    esac
    rm -rf "$W"
}
trap cleanup EXIT
for tool in tar brotli awk; do
    command -v $tool >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
HAVE_STRACE=$(command -v strace >/dev/null && command -v taskset >/dev/null && echo 1)
export RRT_CACHE_DIR=$W/cache

now_ns() { date +%s%N; }
# timed NAME COMMAND: runs COMMAND (sh -c) and appends its wall seconds to
# $W/t.NAME; a failure stops the benchmark.
timed() {
    local name=$1 t0 t1
    shift
    t0=$(now_ns)
    if ! sh -c "$*" >/dev/null 2>"$W/last.err"; then
        echo "failed: $*" >&2
        tail -5 "$W/last.err" >&2
        exit 1
    fi
    t1=$(now_ns)
    echo "$t0 $t1" | awk '{ printf "%.4f\n", ($2 - $1) / 1e9 }' >>"$W/t.$name"
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
med() { median <"$W/$1"; }
ratio() { echo "$1 $2" | awk '{ printf "%.3f", $1 / $2 }'; }

# Warm: the program once, the recording once, every recorded file read.
sh -c "$PROG" >/dev/null 2>&1
sh -c "'$RRT' record -o '$W/rec.rrt' -- $PROG" >/dev/null 2>&1 ||
    { echo "rrt record failed; is ptrace allowed here?" >&2; exit 1; }
"$RRT" ls "$W/rec.rrt" | while IFS= read -r f; do [ -f "$f" ] && echo "$f"; done >"$W/list"
tr '\n' '\0' <"$W/list" | xargs -0 cat >/dev/null
nfiles=$(wc -l <"$W/list")
bytes=$(tr '\n' '\0' <"$W/list" | xargs -0 stat -L -c %s | awk '{ t += $1 } END { print t }')

if [ -x "${REGISTRY:-/usr/bin/docker-registry}" ] &&
    port=$("$store/registry-start.sh" "$W/reg" 2>/dev/null); then
    server=oci
    push_url() { echo "oci+http://127.0.0.1:$port/typical/run$1:latest"; }
    stored() { # bytes of every blob the registry holds
        find "$W/reg/data" -path '*/blobs/sha256/*' -name data -type f -print0 |
            xargs -0 -r stat -c %s | awk '{ t += $1 } END { print t + 0 }'
    }
elif command -v nginx >/dev/null && port=$("$store/nginx-start.sh" "$W/ng" 2>/dev/null); then
    server=http
    push_url() { echo "http://127.0.0.1:$port/typical$1/run"; }
    stored() { # request bodies of the PUTs nginx answered with 2xx
        awk '$1 == "PUT" && $3 ~ /^2/ { t += $4 } END { print t + 0 }' "$W/ng/access.log"
    }
fi

for i in $(seq "$RUNS"); do
    timed native "$PROG"
    [ -n "$HAVE_STRACE" ] && timed strace "taskset -c 0 strace -f -o /dev/null $PROG"
    rm -f "$W/rec.rrt"
    timed record "'$RRT' record -o '$W/rec.rrt' -- $PROG"
    timed replay "'$RRT' replay --quiet '$W/rec.rrt'"
    rm -f "$W/packed.rrt"
    timed pack "'$RRT' pack --no-sync --allow-changed $PACK_OPTS -o '$W/packed.rrt' '$W/rec.rrt'"
    stat -c %s "$W/packed.rrt" >>"$W/s.pack"
    timed brotli "tar cf - -P -T '$W/list' | brotli -q 5 -c > '$W/files.tar.br'"
    stat -c %s "$W/files.tar.br" >>"$W/s.brotli"
    if [ -n "$server" ]; then
        before=$(stored)
        if "$RRT" push --no-progress "$W/packed.rrt" "$(push_url "$i")" 2>"$W/push.err"; then
            grep -o '[0-9]* bytes uploaded' "$W/push.err" | cut -d' ' -f1 >>"$W/s.push"
            # A registry keeps one copy of a blob for all repositories:
            # only the first round's push adds every object to it.
            [ "$i" = 1 ] && echo $(($(stored) - before)) >"$W/s.stored"
            stat -c %s "$W/packed.rrt" >>"$W/s.pushed"
        else
            echo "push failed: $(tail -1 "$W/push.err")" >&2
        fi
    fi
    echo "round $i of $RUNS done" >&2
done

echo "program: $PROG"
echo "files: $nfiles mapped files, $bytes bytes; $RUNS interleaved rounds, medians, wall clock"
printf '%-34s %10s %10s %8s\n' step "rrt" baseline ratio
row() { printf '%-34s %10s %10s %8s\n' "$1" "$2" "$3" "$(ratio "$2" "$3")x"; }
nat=$(med t.native) rec=$(med t.record) rep=$(med t.replay)
row "record vs native (s)" "$rec" "$nat"
if [ -n "$HAVE_STRACE" ]; then
    row "record vs strace -f, 1 CPU (s)" "$rec" "$(med t.strace)"
else
    echo "record vs strace: skipped (needs strace and taskset)"
fi
row "replay vs its record (s)" "$rep" "$rec"
row "pack vs tar|brotli -q 5: time (s)" "$(med t.pack)" "$(med t.brotli)"
row "pack vs tar|brotli -q 5: size (B)" "$(med s.pack)" "$(med s.brotli)"
if [ -s "$W/s.push" ]; then
    row "push first, bytes vs packed (B)" "$(med s.push)" "$(med s.pushed)"
    echo "push: to $server; rrt push's count of bytes uploaded; the server stored $(cat "$W/s.stored") bytes for the first one"
elif [ -s "$W/s.stored" ]; then # an rrt whose push does not count bytes
    row "push first, stored vs packed (B)" "$(cat "$W/s.stored")" "$(med s.pushed)"
elif [ -z "$server" ]; then
    echo "push vs packed archive: skipped (no docker-registry or nginx could be started)"
else
    echo "push vs packed archive: skipped (every push failed)"
fi
echo "pack options: --no-sync --allow-changed $PACK_OPTS (default quality)"
