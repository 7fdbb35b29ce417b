#!/bin/bash
# The archive commands end to end: create/info/ls/cat/dump/recover on real
# files, refusal paths, the hostile corpus (tests/data/bad/archive), and
# SIGKILL during create.
#   bash tests/cli_archive.sh RRT_BINARY SOURCE_DIR [--no-kill]
set -u
RRT=$1
SRC=$2
NO_KILL=${3:-}
T=$(mktemp -d /tmp/rrt_cli_archive.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0

fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# run NAME CMD...: runs CMD, keeping stdout/stderr in $T/NAME.out/.err and
# the exit status in $rc.
run() {
    local name=$1
    shift
    "$@" >"$T/$name.out" 2>"$T/$name.err"
    rc=$?
}

expect_rc() { # WANT WHAT
    [ "$rc" -eq "$1" ] || fail "$2: exit $rc, expected $1 ($(head -c 300 "$T/last.err"))"
}

# --- a directory of real files -------------------------------------------
mkdir -p "$T/in/sub"
cp /usr/bin/ls "$T/in/ls"
seq 1 2000 | sed 's/^/line of text /' >"$T/in/text.txt"
cp "$T/in/text.txt" "$T/in/sub/same-text.txt"
: >"$T/in/empty"
head -c 70000 /dev/urandom >"$T/in/sub/random.bin"
printf 'odd name\n' >"$T/in/sub/with space & quote'.txt"

A="$T/a.rrt"
run last "$RRT" create -o "$A" -C 4096 "$T/in"
expect_rc 0 "create"
[ -s "$A" ] || fail "create wrote no archive"
[ -e "$A.partial" ] && fail "create left $A.partial"

run last "$RRT" info "$A"
expect_rc 0 "info"
grep -q '^files: *6$' "$T/last.out" || fail "info does not count 6 files: $(cat "$T/last.out")"
grep -q '^format: *1.1, x86 filter, shared chunks$' "$T/last.out" || fail "info does not show format 1.1 with its features: $(grep format "$T/last.out")"

# --no-filter --no-shared-chunks: no header flags (a 1.0 reader can read
# it), and the executable costs more space; both archives give back the
# same bytes.
B="$T/nofilter.rrt"
run last "$RRT" create --no-filter --no-shared-chunks -o "$B" -C 4096 "$T/in"
expect_rc 0 "create --no-filter --no-shared-chunks"
run last "$RRT" info "$B"
grep -q '^format: *1.1$' "$T/last.out" || fail "info of a --no-filter archive: $(grep format "$T/last.out")"
"$RRT" dump --json "$B" | grep -q '"header_flags": 0,' || fail "--no-filter --no-shared-chunks archive declares header flags"
[ "$(stat -c %s "$A")" -lt "$(stat -c %s "$B")" ] || fail "x86 filter did not shrink the archive ($(stat -c %s "$A") vs $(stat -c %s "$B"))"
for x in "$A" "$B"; do
  "$RRT" cat "$x" "$T/in/ls" | cmp -s - "$T/in/ls" || fail "cat ls from $x differs"
  "$RRT" verify "$x" >/dev/null || fail "verify $x"
done
rm -f "$B"

run last "$RRT" ls -l "$A"
expect_rc 0 "ls -l"
[ "$(wc -l <"$T/last.out")" -eq 6 ] || fail "ls -l lists $(wc -l <"$T/last.out") files, expected 6"
grep -q "100755 .* $T/in/ls\$" "$T/last.out" || fail "ls -l misses the executable: $(cat "$T/last.out")"

# Two files with the same content share one blob: 5 blobs for 6 files.
run last "$RRT" ls --blobs "$A"
expect_rc 0 "ls --blobs"
[ "$(wc -l <"$T/last.out")" -eq 5 ] || fail "expected 5 distinct blobs, got $(wc -l <"$T/last.out")"

while IFS= read -r -d '' f; do
    "$RRT" cat "$A" "$f" >"$T/cat.out" 2>"$T/last.err"
    rc=$?
    expect_rc 0 "cat $f"
    cmp -s "$T/cat.out" "$f" || fail "cat $f differs from the original"
done < <(find "$T/in" -type f -print0)

run last "$RRT" cat "$A" /no/such/file
expect_rc 2 "cat of a missing path"
grep -q "no such file in archive" "$T/last.err" || fail "cat of a missing path: $(cat "$T/last.err")"
# In an archive without files too (rrt cat used to free garbage there).
run last "$RRT" cat "$SRC/spec/vectors/empty.rrt" /no/such/file
expect_rc 2 "cat of a path in an archive without files"
grep -q "no such file in archive" "$T/last.err" || fail "cat in an archive without files: $(cat "$T/last.err")"

run dump "$RRT" dump --json "$A"
rc_dump=$rc
[ "$rc_dump" -eq 0 ] || fail "dump --json exit $rc_dump"
python3 -m json.tool "$T/dump.out" >/dev/null || fail "dump --json is not valid JSON"
python3 - "$T/dump.out" <<'EOF' || fail "dump --json content is wrong"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["format"] == "1.1", d["format"]
assert len(d["files"]) == 6, len(d["files"])
assert len(d["blobs"]) == 5, len(d["blobs"])
assert d["meta"]["tool"] == "rrt create", d["meta"]
EOF

if command -v "$RRT" >/dev/null && "$RRT" help 2>&1 | grep -q '^  verify'; then
    HAVE_VERIFY=1
else
    HAVE_VERIFY=0
fi

# --- refusals ---------------------------------------------------------------
# A bad option is one error line naming it (getopt's own line silenced),
# then the pointer to the manual.
for args in "create -o" "create --bogus -o $T/x.rrt $T/in" "ls --blobs=3 $A" \
            "recover $A -o" "dump --nope $A"; do
    # shellcheck disable=SC2086
    run last "$RRT" $args
    expect_rc 2 "rrt $args"
    opt=$(echo "$args" | tr ' ' '\n' | grep -- '^-' | grep -v -- '^-o$' | head -1)
    [ -n "$opt" ] || opt=-o
    grep -q "^rrt ${args%% *}: unknown option, or one without its value: $opt" \
        "$T/last.err" || fail "rrt $args: $(cat "$T/last.err")"
    [ "$(wc -l <"$T/last.err")" = 2 ] || fail "rrt $args: $(cat "$T/last.err")"
done
cp "$A" "$T/a.copy"
run last "$RRT" create -o "$A" "$T/in/text.txt"
expect_rc 2 "create over an existing archive"
grep -q "already exists (use --force" "$T/last.err" || fail "create over existing: $(cat "$T/last.err")"
cmp -s "$A" "$T/a.copy" || fail "create without --force modified the existing archive"
run last "$RRT" create --force -o "$A" "$T/in/text.txt"
expect_rc 0 "create --force"
run last "$RRT" ls "$A"
[ "$(cat "$T/last.out")" = "$T/in/text.txt" ] || fail "create --force did not replace: $(cat "$T/last.out")"

run last "$RRT" create -o "$T/m.rrt" "$T/in/text.txt" "$T/does-not-exist"
expect_rc 2 "create with a missing input"
grep -q "$T/does-not-exist" "$T/last.err" || fail "missing input not named: $(cat "$T/last.err")"
[ -e "$T/m.rrt" ] && fail "create with a missing input left the output"
[ -e "$T/m.rrt.partial" ] && fail "create with a missing input left the .partial"

# --- recover a truncated archive -------------------------------------------
size=$(stat -c %s "$T/a.copy")
head -c $((size * 2 / 3)) "$T/a.copy" >"$T/cut.rrt"
run last "$RRT" info "$T/cut.rrt"
expect_rc 2 "info on a truncated archive"
grep -q "rrt recover" "$T/last.err" || fail "truncated archive: no recover hint: $(cat "$T/last.err")"
run last "$RRT" recover -o "$T/rec.rrt" "$T/cut.rrt"
expect_rc 0 "recover"
grep -q "kept .* sections" "$T/last.err" || fail "recover summary: $(cat "$T/last.err")"
run last "$RRT" dump --json "$T/rec.rrt"
expect_rc 0 "dump of the recovered archive"
if [ $HAVE_VERIFY = 1 ]; then
    run last "$RRT" verify "$T/rec.rrt"
    expect_rc 0 "verify of the recovered archive"
fi
# Whatever was recovered reads back identical to the original.
"$RRT" ls "$T/rec.rrt" >"$T/rec.ls" 2>/dev/null
while IFS= read -r f; do
    "$RRT" cat "$T/rec.rrt" "$f" | cmp -s - "$f" || fail "recovered $f differs"
done <"$T/rec.ls"
[ -s "$T/rec.ls" ] || fail "recover kept no file of a 2/3 archive"
run last "$RRT" recover -o "$T/rec.rrt" "$T/cut.rrt"
expect_rc 2 "recover over an existing output"
# Options may follow the operands, as in `rrt recover X.partial -o Y.rrt`.
run last "$RRT" recover "$T/cut.rrt" -o "$T/rec2.rrt"
expect_rc 0 "recover with -o after the input"
cmp -s "$T/rec.rrt" "$T/rec2.rrt" || fail "recover -o after the input differs"
run last "$RRT" ls "$T/rec2.rrt" -l
expect_rc 0 "ls with -l after the archive"

# --- hostile corpus ----------------------------------------------------------
BAD="$SRC/tests/data/bad/archive"
[ -f "$BAD/EXPECTED" ] || fail "no $BAD/EXPECTED"
# one_line_error FILE SUBSTRING WHAT: last command failed with exit 2 and one
# stderr line naming FILE and containing SUBSTRING.
one_line_error() {
    [ "$rc" -eq 2 ] || { fail "$3: exit $rc, expected 2"; return; }
    [ "$(wc -l <"$T/last.err")" -eq 1 ] || fail "$3: stderr is not one line: $(cat "$T/last.err")"
    grep -qF "rrt: $1: " "$T/last.err" || fail "$3: message does not name the file: $(cat "$T/last.err")"
    grep -qF -- "$2" "$T/last.err" || fail "$3: message lacks '$2': $(cat "$T/last.err")"
}
n_bad=0
while IFS=$'\t' read -r name status level msg; do
    case $name in '#'*|'') continue ;; esac
    f="$BAD/$name"
    n_bad=$((n_bad + 1))
    case $level in
    open)
        for cmd in "info" "dump" "dump --json" "ls" "cat"; do
            extra=()
            [ "$cmd" = cat ] && extra=(/f/0)
            # shellcheck disable=SC2086
            run last "$RRT" $cmd "$f" "${extra[@]}"
            one_line_error "$f" "$msg" "$cmd $name"
        done
        ;;
    read)
        # Opening works; reading the damaged part fails. Every command
        # exits 0 or 2, and the one that reads it reports the message.
        seen=0
        ids=$("$RRT" ls --blobs "$f" 2>/dev/null | awk '{print $1}')
        cmds=("dump --json" "ls -l")
        for id in $ids; do cmds+=("cat $id"); done
        for cmd in "${cmds[@]}"; do
            read -r -a words <<<"$cmd"
            # cat takes the archive first.
            if [ "${words[0]}" = cat ]; then
                run last "$RRT" cat "$f" "${words[1]}"
            else
                run last "$RRT" "${words[@]}" "$f"
            fi
            if [ "$rc" -ne 0 ]; then
                if [ "$rc" -ne 2 ] || [ "$(wc -l <"$T/last.err")" -ne 1 ] ||
                   ! grep -qF "rrt: $f: " "$T/last.err"; then
                    fail "$cmd $name: exit $rc: $(cat "$T/last.err")"
                elif grep -qF -- "$msg" "$T/last.err"; then
                    seen=1
                fi
            fi
        done
        [ $seen = 1 ] || fail "$name: no command reported '$msg'"
        ;;
    sites)
        # Only the CPUID sites table is damaged: the archive commands do not
        # decode it (replay does), so they all work; verify reports it.
        for cmd in info dump "dump --json" ls; do
            # shellcheck disable=SC2086
            run last "$RRT" $cmd "$f"
            expect_rc 0 "$cmd $name"
        done
        if [ $HAVE_VERIFY = 1 ]; then
            run last "$RRT" verify "$f"
            expect_rc 1 "verify $name"
            grep -qF -- "$msg" "$T/last.err" "$T/last.out" ||
                fail "verify $name does not report '$msg'"
        fi
        ;;
    ok)
        for cmd in info dump "dump --json" ls; do
            # shellcheck disable=SC2086
            run last "$RRT" $cmd "$f"
            expect_rc 0 "$cmd $name"
        done
        ;;
    esac
    if [ $HAVE_VERIFY = 1 ]; then
        run last "$RRT" verify "$f"
        if [ "$level" = ok ]; then expect_rc 0 "verify $name"
        elif [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then fail "verify $name: exit $rc"
        fi
    fi
done <"$BAD/EXPECTED"
[ $n_bad -ge 30 ] || fail "only $n_bad hostile files"

# --- output that cannot be written ------------------------------------------
# A full or closed stdout is an error, not a silently cut answer.
for cmd in "info" "info --json" "ls" "ls -l" "ls --blobs" "dump" "dump --json"; do
    # shellcheck disable=SC2086
    "$RRT" $cmd "$A" >/dev/full 2>"$T/last.err"
    rc=$?
    expect_rc 2 "$cmd >/dev/full"
    grep -q "^rrt: stdout: write failed: No space left on device$" "$T/last.err" ||
        fail "$cmd >/dev/full: $(cat "$T/last.err")"
    # shellcheck disable=SC2086
    "$RRT" $cmd "$A" >&- 2>"$T/last.err"
    rc=$?
    expect_rc 2 "$cmd with stdout closed"
done
"$RRT" cat "$A" "$T/in/text.txt" >/dev/full 2>"$T/last.err"
rc=$?
expect_rc 2 "cat >/dev/full"
[ "$(wc -l <"$T/last.err")" -eq 1 ] || fail "cat >/dev/full: $(cat "$T/last.err")"

# Past the file size limit, create and recover report the error and leave
# nothing (the default SIGXFSZ would kill them and leave the .partial).
(ulimit -f 64; "$RRT" create -o "$T/lim.rrt" "$T/in") >"$T/last.out" 2>"$T/last.err"
rc=$?
expect_rc 2 "create beyond ulimit -f"
grep -q "^rrt: $T/lim.rrt.partial: write failed: File too large$" "$T/last.err" ||
    fail "create beyond ulimit -f: $(cat "$T/last.err")"
(ulimit -f 64; "$RRT" recover -o "$T/lim.rrt" "$T/a.copy") >"$T/last.out" 2>"$T/last.err"
rc=$?
expect_rc 2 "recover beyond ulimit -f"
[ -e "$T/lim.rrt" ] || [ -e "$T/lim.rrt.partial" ] && fail "a write beyond ulimit -f left a file"

# An output inside an input directory is skipped, not read as it grows.
mkdir -p "$T/self"
cp "$T/in/text.txt" "$T/self/"
head -c 3000000 /dev/urandom >"$T/self/r.bin"
run last timeout 20 "$RRT" create -o "$T/self/s.rrt" "$T/self"
expect_rc 0 "create into an input directory"
grep -q "s.rrt.partial: skipped (the archive being written)" "$T/last.err" ||
    fail "create into an input directory: $(cat "$T/last.err")"
run last "$RRT" ls "$T/self/s.rrt"
[ "$(wc -l <"$T/last.out")" -eq 2 ] || fail "create into an input directory stored: $(cat "$T/last.out")"

# --- recover NAME.partial to NAME -------------------------------------------
# What rrt record and 'rrt help recover' tell the user to run after a crash.
head -c $((size * 2 / 3)) "$T/a.copy" >"$T/run.rrt.partial"
cp "$T/run.rrt.partial" "$T/run.before"
run last "$RRT" recover -o "$T/run.rrt" "$T/run.rrt.partial"
expect_rc 0 "recover -o NAME NAME.partial"
cmp -s "$T/run.rrt.partial" "$T/run.before" || fail "recover modified its input NAME.partial"
[ -e "$T/run.rrt.recover.partial" ] && fail "recover left its temporary file"
run last "$RRT" ls "$T/run.rrt"
cmp -s "$T/last.out" "$T/rec.ls" || fail "recover -o NAME NAME.partial kept other files than -o OTHER"
# Interrupted, it must not remove its input (or any .partial it did not
# create). A FIFO input keeps it waiting in open() for the signal.
rm -f "$T/run.rrt"
rm -f "$T/run.rrt.partial"
mkfifo "$T/run.rrt.partial"
"$RRT" recover -o "$T/run.rrt" "$T/run.rrt.partial" 2>/dev/null &
pid=$!
sleep 0.5
kill -TERM $pid 2>/dev/null
sleep 0.2
kill -KILL $pid 2>/dev/null
wait $pid 2>/dev/null
[ -p "$T/run.rrt.partial" ] || fail "recover removed its input NAME.partial when interrupted"
rm -f "$T/run.rrt.partial"

# Recovery reads each chunk once more: 512 pieces of two 16 MiB shared chunks
# took 30 s when each piece read and decoded its whole chunk again (0.2 s
# now). Counted in bytes read (strace), not timed.
mkdir -p "$T/pieces"
python3 - "$T/pieces" <<'EOF'
import random, sys
random.seed(2)
words = ['w%d' % i for i in range(5000)]
for i in range(512):
    text = ' '.join(random.choice(words) for _ in range(13000))[:65536]
    open('%s/f%04d' % (sys.argv[1], i), 'w').write(text)
EOF
"$RRT" create -C 16777216 -o "$T/pieces.rrt" "$T/pieces" 2>/dev/null
psize=$(stat -c %s "$T/pieces.rrt")
head -c $((psize - 100)) "$T/pieces.rrt" >"$T/pieces.cut"
if command -v strace >/dev/null; then
    # (LeakSanitizer cannot run under a tracer)
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" run last strace -f -qq \
        -e trace=read,pread64 -e signal=none -o "$T/pieces.strace" \
        "$RRT" recover -o "$T/pieces2.rrt" "$T/pieces.cut"
    expect_rc 0 "recover of 512 pieces"
    grep -q "kept 1027 sections" "$T/last.err" || fail "recover of 512 pieces: $(cat "$T/last.err")"
    nread=$(sed -n 's/.* = \([0-9][0-9]*\)$/\1/p' "$T/pieces.strace" |
        awk '{ t += $1 } END { printf "%d\n", t }')
    # a scan, the chunks of the blobs, the copy of the prefix: 3 passes
    [ "$nread" -le $((4 * psize)) ] ||
        fail "recover read $nread bytes of a $psize-byte archive"
else
    echo "SKIP (no strace): recover reads each chunk once"
fi
rm -rf "$T/pieces" "$T/pieces.rrt" "$T/pieces.cut" "$T/pieces2.rrt"

# --- SIGKILL during create ---------------------------------------------------
if [ "$NO_KILL" != --no-kill ]; then
    head -c $((128 << 20)) /dev/urandom >"$T/big.bin"
    "$RRT" create -j 1 -o "$T/k.rrt" "$T/big.bin" 2>/dev/null &
    pid=$!
    # Wait until it has written something, then kill it hard.
    for _ in $(seq 1 100); do
        [ -s "$T/k.rrt.partial" ] && break
        sleep 0.05
    done
    sleep 0.3
    kill -KILL $pid 2>/dev/null
    wait $pid 2>/dev/null
    [ -e "$T/k.rrt" ] && fail "SIGKILL during create left a final $T/k.rrt"
    [ -e "$T/k.rrt.partial" ] || fail "create was not running when killed (no .partial)"
    rm -f "$T/big.bin"
    if [ -e "$T/k.rrt.partial" ]; then
        run last "$RRT" recover -o "$T/k2.rrt" "$T/k.rrt.partial"
        expect_rc 0 "recover of a killed create"
        if [ $HAVE_VERIFY = 1 ]; then
            run last "$RRT" verify "$T/k2.rrt"
            expect_rc 0 "verify of a recovered killed create"
        fi
    fi
fi

if [ $failures -ne 0 ]; then
    echo "$failures failure(s)" >&2
    exit 1
fi
echo "cli_archive: all checks passed ($n_bad hostile files)"
