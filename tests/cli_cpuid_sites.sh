#!/bin/sh
# CPUID sites in patch mode: the recording carries them (CSIT), so replay
# disassembles nothing; the per-user cache makes a second recording decode
# nothing; a damaged, hostile or unwritable cache changes nothing but speed.
# usage: cli_cpuid_sites.sh RRT TRACEE   (TRACEE prints its CPUID answers;
# recordings are pinned to CPU 0, as leaf 1 carries the APIC id)
set -u
RRT=$1 TR=$2
T=$(mktemp -d /tmp/rrt-sites.XXXXXX) || exit 1
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; cat "$f" >&2; }; done; exit 1; }
export RRT_CACHE_DIR="$T/cache"
sites() { # FILE.err WHAT -> the count of regions found that way
    sed -n "s/.*code regions: \([0-9]*\) from the archive, \([0-9]*\) from the cache, \([0-9]*\) disassembled.*/\1 \2 \3/p" "$1" |
        awk -v w="$2" '{print (w == "table") ? $1 : (w == "cache") ? $2 : $3}'
}
rec() { # NAME -> records TR in patch mode into T/NAME.rrt, stats in NAME.err
    "$RRT" record --cpu 0 --stats --cpuid-mode=patch -o "$T/$1.rrt" -- "$TR" >"$T/$1.out" 2>"$T/$1.err" ||
        fail "record $1 failed"
}

rec first
[ "$(sites "$T/first.err" decoded)" -gt 0 ] || fail "first recording disassembled nothing"
"$RRT" replay --stats --cpuid-mode=patch "$T/first.rrt" >"$T/rep.out" 2>"$T/rep.err" ||
    fail "replay failed"
cmp -s "$T/first.out" "$T/rep.out" || fail "replay output differs"
[ "$(sites "$T/rep.err" decoded)" = 0 ] || fail "replay disassembled code the archive has sites for"
[ "$(sites "$T/rep.err" table)" -gt 0 ] || fail "replay took no sites from the archive"
echo "replay: $(grep 'code regions' "$T/rep.err")"

# Regions too small to be worth a cache file are decoded every time.
d1=$(sites "$T/first.err" decoded)
rec second
[ "$(sites "$T/second.err" cache)" -gt 0 ] || fail "second recording used no cache entry"
[ "$(sites "$T/second.err" decoded)" -lt "$d1" ] || fail "second recording disassembled as much again"
cmp -s "$T/first.out" "$T/second.out" || fail "second recording saw other CPUID answers"
grep -q "code regions known by file identity, not read" "$T/second.err" ||
    fail "second recording read the code of files it had already seen"
"$RRT" replay --stats --cpuid-mode=patch "$T/second.rrt" >"$T/rep-second.out" 2>"$T/rep-second.err" ||
    fail "replay of the second recording failed"
cmp -s "$T/first.out" "$T/rep-second.out" || fail "replay of the second recording differs"
[ "$(sites "$T/rep-second.err" decoded)" = 0 ] ||
    fail "replay disassembled code whose sites the second recording took by file identity"

# Replay knows the code it maps for mmap by the bytes it writes there, and
# what exec mapped by file identity (the first replay indexed it): a second
# replay reads back no region big enough for the cache (smaller ones cost
# less to read than to look up).
regions() { # FILE.err -> read-back regions, their bytes, known by bytes, by identity
    sed -n 's/.*code regions: \([0-9]*\) read back to find their sites (\([0-9]*\) bytes), \([0-9]*\) known from the bytes replay mapped, \([0-9]*\) by file identity.*/\1 \2 \3 \4/p' "$1"
}
for i in 1 2; do
    "$RRT" replay --stats --cpuid-mode=patch "$T/first.rrt" >"$T/rep-again$i.out" 2>"$T/rep-again$i.err" ||
        fail "replay $i of the first recording failed"
    cmp -s "$T/first.out" "$T/rep-again$i.out" || fail "replay $i of the first recording differs"
done
set -- $(regions "$T/rep-again2.err")
[ $# = 4 ] || fail "replay --stats does not say how it found its code regions"
[ "$3" -gt 0 ] || fail "replay read back the code it had just mapped"
[ "$4" -gt 0 ] || fail "a second replay read back what exec mapped"
[ "$1" = 0 ] || [ $(($2 / $1)) -lt 16384 ] ||
    fail "a second replay read back $1 regions of $2 bytes"
[ "$(sites "$T/rep-again2.err" decoded)" = 0 ] || fail "a second replay disassembled code"
echo "second replay: $(grep 'read back' "$T/rep-again2.err")"

# Damage every cache entry three ways in turn; each time the recording sees
# the same CPUID answers, and the damaged entries are decoded again.
n=0
for how in truncate flip zero-sites; do
    for f in "$RRT_CACHE_DIR"/cpuid-sites/*; do
        [ -f "$f" ] || continue
        size=$(stat -c %s "$f")
        case $how in
        truncate) truncate -s $((size / 2)) "$f" ;;
        flip) printf '\377' | dd of="$f" bs=1 seek=$((size - 3)) conv=notrunc 2>/dev/null ;;
        zero-sites) : >"$f" ;;
        esac
        n=$((n + 1))
    done
    rec "damaged-$how"
    cmp -s "$T/first.out" "$T/damaged-$how.out" || fail "a $how cache changed what the program saw"
    [ "$(sites "$T/damaged-$how.err" decoded)" = "$d1" ] || fail "a $how cache entry was trusted"
    "$RRT" replay --cpuid-mode=patch "$T/damaged-$how.rrt" >"$T/rep2.out" 2>"$T/rep2.err" ||
        fail "replay after a $how cache failed"
done
[ $n -gt 0 ] || fail "the cache held no entries"

# A cache that points at bytes that are not CPUIDs: a copy of another
# region's entry under this region's name is refused by its key check.
set -- "$RRT_CACHE_DIR"/cpuid-sites/*
if [ $# -ge 2 ]; then
    cp "$1" "$T/one" && for f in "$@"; do cp "$T/one" "$f"; done
    rec swapped
    cmp -s "$T/first.out" "$T/swapped.out" || fail "swapped cache entries changed what the program saw"
    [ "$(sites "$T/swapped.err" cache)" -le 1 ] || fail "entries under another region's name were trusted"
fi

# An unwritable cache is no cache, not an error.
rm -rf "$RRT_CACHE_DIR" && mkdir -p "$RRT_CACHE_DIR/cpuid-sites" && chmod 500 "$RRT_CACHE_DIR/cpuid-sites"
rec unwritable
cmp -s "$T/first.out" "$T/unwritable.out" || fail "an unwritable cache changed the output"
RRT_CACHE_DIR=/dev/null rec devnull
cmp -s "$T/first.out" "$T/devnull.out" || fail "a cache path that is not a directory changed the output"
echo "cpuid sites: archive table, cache, and damaged caches all give the recorded answers"
