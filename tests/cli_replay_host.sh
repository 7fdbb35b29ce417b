#!/bin/sh
# `rrt replay` checks the host as `rrt verify --host` does: a recording
# whose manifest needs a CPU feature this host lacks is refused (exit 1)
# with the same grouped report, and replays with --force.
# usage: cli_replay_host.sh RRT ADD_CPU_FEATURE TRACEE   (exit 77 = skipped)
set -u
RRT=$1 ADD=$2 TRACEE=$3
T=$(mktemp -d /tmp/rrt-rh.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in rec.err verify.out rep.err force.err; do
        [ -s "$T/$f" ] && { echo "--- $f" >&2; tail -20 "$T/$f" >&2; }
    done
    exit 1
}

"$RRT" record -o "$T/a.rrt" -- "$TRACEE" >"$T/rec.out" 2>"$T/rec.err"
rc_rec=$?
[ -f "$T/a.rrt" ] || fail "record wrote no archive (status $rc_rec)"
"$RRT" replay "$T/a.rrt" >"$T/same.out" 2>"$T/rep.err" ||
    fail "replay of an unedited recording on its own host failed"

feature=$("$ADD" "$T/a.rrt" "$T/b.rrt")
rc=$?
[ $rc -eq 77 ] && { echo "$feature"; exit 77; }
[ $rc -eq 0 ] || fail "add_cpu_feature failed ($rc)"
echo "recording edited to need '$feature'"

"$RRT" verify --host "$T/b.rrt" >"$T/verify.out" 2>&1
rc=$?
[ $rc -eq 1 ] || fail "verify --host exit status $rc, expected 1"
sed -n '/^blocking:$/,/^notes:$/p' "$T/verify.out" | sed '1d;$d' >"$T/verify.block"
grep -q " $feature\$\| $feature " "$T/verify.block" ||
    fail "verify --host does not name $feature"

"$RRT" replay "$T/b.rrt" >"$T/rep.out" 2>"$T/rep.err"
rc=$?
[ $rc -eq 126 ] || fail "replay exit status $rc, expected 126"
[ -s "$T/rep.out" ] && fail "refused replay ran the program"
grep '^  ' "$T/rep.err" >"$T/rep.block"
cmp -s "$T/verify.block" "$T/rep.block" ||
    { diff "$T/verify.block" "$T/rep.block" >&2; fail "replay's report differs from verify --host"; }
grep -q -- "--force" "$T/rep.err" || fail "refusal does not mention --force"
echo "replay refused:"
cat "$T/rep.err"

"$RRT" replay --force "$T/b.rrt" >"$T/force.out" 2>"$T/force.err"
rc=$?
[ $rc -eq $rc_rec ] || fail "replay --force exit status $rc, recorded $rc_rec"
cmp -s "$T/rec.out" "$T/force.out" || fail "replay --force output differs"
grep -q "warning: this host cannot replay" "$T/force.err" || fail "no warning"
grep -q -- "--force: replaying anyway" "$T/force.err" || fail "no --force note"
grep -q " $feature\$\| $feature " "$T/force.err" || fail "warning does not name $feature"
echo "replay --force proceeded, status $rc, output identical"
exit 0
