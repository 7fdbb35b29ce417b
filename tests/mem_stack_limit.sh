#!/bin/sh
# Records PROGRAM with an 8 MiB stack limit and replays it with an
# unlimited one (and the other way round): replay must run the program
# under the recorded limit, which decides its address-space layout.
# usage: mem_stack_limit.sh RRT PROGRAM
set -u
RRT=$1 PROG=$2
[ "$(ulimit -Hs)" = unlimited ] || { echo "SKIP: the hard stack limit is not unlimited"; exit 77; }
T=$(mktemp -d /tmp/rrt-stack.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
fail() { echo "FAIL: $*" >&2; cat "$T"/*.err >&2; exit 1; }
(ulimit -Ss 8192 && timeout 60 "$RRT" record -o a.rrt -- "$PROG" >rec1.out 2>rec1.err) ||
    fail "record with an 8 MiB stack"
(ulimit -Ss unlimited && timeout 60 "$RRT" replay a.rrt >rep1.out 2>rep1.err) ||
    fail "replay with an unlimited stack of a recording with 8 MiB"
cmp -s rec1.out rep1.out || fail "replay output differs (8 MiB -> unlimited)"
(ulimit -Ss unlimited && timeout 60 "$RRT" record -o b.rrt -- "$PROG" >rec2.out 2>rec2.err) ||
    fail "record with an unlimited stack"
(ulimit -Ss 8192 && timeout 60 "$RRT" replay b.rrt >rep2.out 2>rep2.err) ||
    fail "replay with an 8 MiB stack of a recording with an unlimited one"
cmp -s rec2.out rep2.out || fail "replay output differs (unlimited -> 8 MiB)"
echo "ok: replayed under the recorded stack limit both ways"
