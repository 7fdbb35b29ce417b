#!/bin/sh
# The dynamic rrt loads libcurl, libcrypto, libarchive, capstone and Zydis
# only when it uses them (issue #17, util/rrtx_dl.h): they are not in its
# DT_NEEDED list nor loaded by a command that does not need them; export
# loads libarchive and works; and when the library cannot be loaded the
# command fails with one line naming it (checked in a user and mount
# namespace where the library is hidden; that part is skipped with a
# message where unprivileged namespaces are not allowed).
# Usage: cli_lazy_libs.sh RRT
set -eu
RRT=$1
command -v readelf > /dev/null || { echo "SKIP: needs readelf"; exit 77; }
W=$(mktemp -d /tmp/rrt-lazy-libs.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

readelf -d "$RRT" > "$W/dyn"
grep -q 'Shared library: \[libc\.so' "$W/dyn" || fail "readelf -d $RRT shows no libc: not a dynamic binary?"
for lib in libcurl libarchive libcrypto libssl libcapstone libZydis; do
    if grep "NEEDED.*\[$lib\." "$W/dyn"; then
        fail "$RRT links $lib directly (DT_NEEDED): it should dlopen it when needed"
    fi
done

# A command that needs none of them does not load them.
LD_DEBUG=files "$RRT" --version 2> "$W/ld" > /dev/null
if grep -E 'file=lib(curl|archive|crypto|capstone|Zydis)\.' "$W/ld"; then
    fail "rrt --version loaded one of them"
fi

# export loads libarchive and works.
mkdir "$W/src"
printf 'hello\n' > "$W/src/h"
"$RRT" create -o "$W/a.rrt" "$W/src" > /dev/null
LD_DEBUG=files "$RRT" export "$W/a.rrt" -o "$W/a.tar" 2> "$W/ld" ||
    fail "rrt export failed: $(grep -v '^ *[0-9]*:' "$W/ld")"
grep -q 'file=libarchive\.so\.13 .*dynamically loaded' "$W/ld" || fail "export did not dlopen libarchive.so.13"
tar tf "$W/a.tar" > /dev/null || fail "export wrote no readable tar"

# With libarchive hidden (an empty file bound over it), export names it.
real=$(readlink -f "$(ldconfig -p | awk '/libarchive\.so\.13 .*x86-64/ { print $NF; exit }')")
[ -f "$real" ] || fail "ldconfig -p names no libarchive.so.13"
if ! unshare -rm true 2> /dev/null; then
    echo "SKIP part: no unprivileged user namespaces: the missing-library message is not checked"
    exit 0
fi
set +e
unshare -rm sh -c 'mount --bind /dev/null "$1" && exec "$2" export "$3" -o "$4"' \
    sh "$real" "$RRT" "$W/a.rrt" "$W/b.tar" > "$W/out" 2> "$W/err"
rc=$?
set -e
cat "$W/err"
[ "$rc" -eq 2 ] || [ "$rc" -eq 1 ] || fail "export without libarchive exited $rc"
[ "$(wc -l < "$W/err")" -eq 1 ] || fail "expected one line on stderr"
grep -q '^rrt: libarchive\.so\.13 (Debian package libarchive13): cannot load' "$W/err" || fail "the error does not name libarchive.so.13"
[ ! -e "$W/b.tar" ] || fail "export without libarchive left $W/b.tar"

# With the decoders hidden, a recording in patch mode (an empty site
# cache: it must decode) stops and says which library is missing.
if [ -x /bin/true ]; then
    libs=""
    for l in libcapstone.so.4 libZydis.so.4.0; do
        p=$(ldconfig -p | awk -v l="$l" '$1 == l && /x86-64/ { print $NF; exit }')
        [ -n "$p" ] && libs="$libs $(readlink -f "$p")"
    done
    set +e
    # shellcheck disable=SC2086 # one word per library
    RRT_CACHE_DIR="$W/cache" RRT_CPUID_MODE=patch unshare -rm sh -c \
        'r=$1 o=$2; shift 2; for l; do mount --bind /dev/null "$l" || exit 9; done; exec "$r" record -o "$o" -- /bin/true' \
        sh "$RRT" "$W/t.rrt" $libs > "$W/out" 2> "$W/err"
    rc=$?
    set -e
    cat "$W/err"
    [ "$rc" -ne 0 ] && [ "$rc" -ne 9 ] || fail "record without decoders exited $rc"
    grep -Eq '^rrt: lib(capstone\.so\.4|Zydis\.so\.4\.0) \(Debian package lib(capstone4|zydis4\.0)\): cannot load' "$W/err" ||
        fail "recording without the decoders does not name them"
    # what was recorded up to there stays, marked incomplete (rrt record
    # --help: exit 125)
    [ "$rc" -eq 125 ] || fail "record without decoders exited $rc, not 125"
    "$RRT" info "$W/t.rrt" | grep -q 'incomplete = .*cannot patch CPUID' ||
        fail "the recording is not marked incomplete"
fi
echo "ok"
