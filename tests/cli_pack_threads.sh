#!/bin/sh
# rrt pack writes the same bytes whatever -j is: records a real program
# (Python importing a few C extensions when python3 is installed, else a
# shell running cat and sort: mapped libraries of many sizes, and events)
# and packs it with -j 1, 2 and 4, at the default chunk size and a small
# one that makes many chunks, comparing the outputs byte for byte.
# A system file that changes between record and pack (ldconfig rewriting
# /etc/ld.so.cache while packages install) fails pack by design: then the
# program is recorded again, up to three times.
# usage: cli_pack_threads.sh RRT. Exit 77 = skipped.
set -u
RRT=$1
W=$(mktemp -d /tmp/rrt-pack-j.XXXXXX) || exit 1
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

if command -v python3 > /dev/null; then
    set -- python3 -c 'import json, decimal, ctypes, hashlib, sqlite3'
else
    set -- /bin/sh -c 'cat /etc/passwd | sort > /dev/null'
fi
export SOURCE_DATE_EPOCH=1700000000 # the 'packed' metadata time

# pack_all: packs rec.rrt with every -j and chunk size; 0 all identical,
# 2 a recorded file changed meanwhile (try again), exit on anything else.
pack_all() {
    for chunk in "" 65536; do
        copt=${chunk:+-C $chunk}
        for j in 1 2 4; do
            # shellcheck disable=SC2086 # copt is empty or two words
            if ! "$RRT" pack --no-sync -j $j $copt -o "$W/j$j.rrt" \
                "$W/rec.rrt" 2> "$W/pack.err"; then
                grep -q "changed since it was recorded" "$W/pack.err" &&
                    return 2
                cat "$W/pack.err" >&2
                fail "pack -j $j $copt"
            fi
        done
        for j in 2 4; do
            cmp "$W/j1.rrt" "$W/j$j.rrt" ||
                fail "pack -j $j ${copt:-} differs from -j 1"
        done
        "$RRT" verify "$W/j1.rrt" > /dev/null || fail "packed archive not intact"
        echo "-j 1, 2, 4 ${copt:-(default chunk)}: $(stat -c %s "$W/j1.rrt") bytes, identical"
        rm -f "$W"/j*.rrt
    done
    return 0
}

for try in 1 2 3; do
    rm -f "$W/rec.rrt"
    if ! "$RRT" record -o "$W/rec.rrt" -- "$@" > "$W/rec.out" 2> "$W/rec.err"; then
        echo "SKIP: rrt record cannot record here: $(tail -1 "$W/rec.err")"
        exit 77
    fi
    echo "recorded: $* ($("$RRT" ls "$W/rec.rrt" | wc -l) files)"
    if pack_all; then
        echo "pack output is the same for any thread count"
        exit 0
    fi
    echo "a recorded file changed before pack ($(head -1 "$W/pack.err")); again"
done
fail "recorded files kept changing before pack"
