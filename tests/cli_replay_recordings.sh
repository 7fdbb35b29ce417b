#!/bin/sh
# Replays recordings made on other machines: a directory of NAME.rrt with
# NAME.out, what the program wrote to stdout when it was recorded. As the
# recordings' READMEs say: a masked recording (`rrt info`: "masked to
# ...") replays on any host with that stdout and the recorded exit status;
# an unmasked one replays so where `rrt verify --host` accepts it, and
# elsewhere `rrt replay` refuses it (status 126) naming every CPU feature
# verify names (on Intel, a Zen 4 recording's sse4a and clzero).
#
# While the compat rules still refuse masked recordings because the
# recording host's XSAVE layout differs from this host's, those are
# replayed with --force, and the refusal of unmasked ones is not checked:
# it could not be told apart from that rule.
# usage: cli_replay_recordings.sh RRT DIR
# Exit 77 = skipped (DIR absent or empty).
set -u
RRT=$1
DIR=$2
if [ ! -d "$DIR" ]; then
    echo "SKIP: $DIR is absent: no recordings from other machines to replay"
    exit 77
fi
T=$(mktemp -d /tmp/rrt-recs.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
count=0
forced=

bad() {
    echo "FAIL: $*" >&2
    fails=$((fails + 1))
}

meta() {
    "$RRT" info "$1" | sed -n "s/^meta: *$2 = //p"
}

# replay_same ARCHIVE NAME [--force]: stdout and exit status as recorded
replay_same() {
    a=$1 name=$2
    shift 2
    status=$(meta "$a" exit_status)
    case $status in
    "signal "*) want=$((128 + ${status#signal })) ;;
    *) want=$status ;;
    esac
    "$RRT" replay "$@" "$a" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    if [ "$rc" != "$want" ]; then
        bad "$name: replay exit status $rc, recorded $want"
        tail -5 "$T/$name.err" >&2
    elif ! cmp -s "$T/$name.out" "$DIR/$name.out"; then
        bad "$name: replay stdout differs from $name.out"
        diff "$DIR/$name.out" "$T/$name.out" | head -10 >&2
    else
        echo "ok: $name replays${1:+ with $1}: status $rc, stdout identical ($(wc -l <"$DIR/$name.out") lines)"
    fi
}

# The CPU features verify's "blocking" part names.
blocking_features() {
    awk '/^blocking:/ { on = 1; next } /^[a-z]/ { on = 0 }
         on && /^ +CPUID [^:]*:/ { sub(/^ +CPUID [^:]*: */, ""); print }' "$1" |
        tr ' ' '\n' | grep .
}

for a in "$DIR"/*.rrt; do
    name=$(basename "$a" .rrt)
    [ -f "$DIR/$name.out" ] || continue
    "$RRT" info "$a" | grep -q "masked to" || continue
    count=$((count + 1))
    if "$RRT" verify --host "$a" >"$T/$name.verify" 2>&1; then
        replay_same "$a" "$name"
    else
        forced="$forced $name"
        echo "note: rrt verify --host refuses masked $name" \
            "($(grep -m1 -E '^ +(XSAVE|CPUID)' "$T/$name.verify" | sed 's/^ *//')," \
            "...); replaying it with --force"
        replay_same "$a" "$name" --force
    fi
done

for a in "$DIR"/*.rrt; do
    name=$(basename "$a" .rrt)
    [ -f "$DIR/$name.out" ] || continue
    "$RRT" info "$a" | grep -q "masked to" && continue
    count=$((count + 1))
    if "$RRT" verify --host "$a" >"$T/$name.verify" 2>&1; then
        replay_same "$a" "$name"
        continue
    fi
    if [ -n "$forced" ]; then
        echo "SKIP part: not checking that unmasked $name is refused for its" \
            "CPU features: the compat rules refuse the masked ones too" \
            "($forced ) for their XSAVE layout"
        continue
    fi
    "$RRT" replay "$a" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
    if [ "$rc" != 126 ]; then
        bad "$name: replay exit status $rc on a host verify refuses, expected 126"
        continue
    fi
    missing=$(blocking_features "$T/$name.verify")
    for f in $missing; do
        grep -qw -- "$f" "$T/$name.err" || bad "$name: replay's refusal does not name $f"
    done
    echo "ok: $name is refused, naming" $missing
done

if [ "$count" -eq 0 ]; then
    echo "SKIP: no NAME.rrt with NAME.out in $DIR"
    exit 77
fi
[ "$fails" -eq 0 ] || exit 1
exit 0
