#!/bin/bash
# Debugging a recording with Debian's real gdb in batch mode.
# usage: gdb_test.sh RRT CASE SRCDIR
# Compiles SRCDIR's tracee with -g into a scratch directory, records it,
# packs the archive, deletes the binary and its source directory, then runs
# CASE against the archive. Exit 77 = skipped (names what is missing).
set -u
RRT=$1 CASE=$2 SRC=$3
command -v gdb >/dev/null || { echo "SKIP: gdb is not installed"; exit 77; }
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "SKIP: no C compiler ($CC)"; exit 77; }
T=$(mktemp -d /tmp/rrt-gdb.XXXXXX) || exit 1
trap '[ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
fail() { echo "FAIL: $*" >&2; for f in "$T"/*.out "$T"/*.err; do [ -s "$f" ] && { echo "--- $f" >&2; tail -40 "$f" >&2; }; done; exit 1; }
G() { timeout 120 "$@"; }

# The tracee: built here so that its source and binary can go away.
build() { # NAME [CFLAGS...]
    name=$1; shift
    mkdir -p "$T/src" "$T/bin"
    cp "$SRC/$name.c" "$T/src/" || exit 1
    (cd "$T/src" && "$CC" -g -O0 "$@" -o "$T/bin/$name" "$name.c") ||
        fail "cannot build $name"
}
record() { # NAME [ARGS...]
    name=$1; shift
    "$RRT" record -o "$T/a.rrt" -- "$T/bin/$name" "$@" >"$T/rec.out" 2>"$T/rec.err" ||
        fail "record failed"
    "$RRT" pack -o "$T/p.rrt" "$T/a.rrt" >/dev/null 2>"$T/pack.err" || fail "pack failed"
    rm -rf "$T/src" "$T/bin" "$T/a.rrt"
}
# A tracee that crashes: rrt record exits as it did (128+SIGSEGV).
record_crash() { # NAME
    name=$1; shift
    "$RRT" record -o "$T/a.rrt" -- "$T/bin/$name" "$@" >"$T/rec.out" 2>"$T/rec.err"
    [ $? -eq 139 ] || fail "record of a crashing program: status $? (expected 139)"
    "$RRT" pack -o "$T/p.rrt" "$T/a.rrt" >/dev/null 2>"$T/pack.err" || fail "pack failed"
    rm -rf "$T/src" "$T/bin" "$T/a.rrt"
}
# Without the syscall buffer: one event per call.
record_nosb() { # NAME
    name=$1; shift
    "$RRT" record --no-syscall-buffer -o "$T/a.rrt" -- "$T/bin/$name" "$@" \
        >"$T/rec.out" 2>"$T/rec.err" || fail "record failed"
    "$RRT" pack -o "$T/p.rrt" "$T/a.rrt" >/dev/null 2>"$T/pack.err" || fail "pack failed"
    rm -rf "$T/src" "$T/bin" "$T/a.rrt"
}
record_nosb_crash() { # NAME
    name=$1; shift
    "$RRT" record --no-syscall-buffer -o "$T/a.rrt" -- "$T/bin/$name" "$@" \
        >"$T/rec.out" 2>"$T/rec.err"
    [ $? -eq 139 ] || fail "record of a crashing program: status $? (expected 139)"
    "$RRT" pack -o "$T/p.rrt" "$T/a.rrt" >/dev/null 2>"$T/pack.err" || fail "pack failed"
    rm -rf "$T/src" "$T/bin" "$T/a.rrt"
}
ck_line() { grep -n "/\* $1 \*/" "$SRC/gdb_ckpt.c" | cut -d: -f1; }
ckf_line() { grep -n "/\* $1 \*/" "$SRC/gdb_ckpt_fork.c" | cut -d: -f1; }
# The program's output lines of gdb_ckpt_fork, each there exactly once.
ckf_output() {
    [ "$(grep -c "^parent total 3256 child-status 0\$" "$T/gdb.out")" -eq 1 ] ||
        fail "the parent's output is not there exactly once"
    [ "$(grep -c "^child total 4028\$" "$T/gdb.out")" -eq 1 ] ||
        fail "the child's output is not there exactly once"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
}
# The line of gdb_reverse.c marked /* WHAT */.
line_of() { grep -n "/\* $1 \*/" "$SRC/gdb_reverse.c" | cut -d: -f1; }
# rrt replay --debug with gdb -batch and the given -ex commands.
debug() {
    args=()
    for c in "$@"; do args+=(-ex "$c"); done
    G "$RRT" replay --debug "$T/p.rrt" -- -batch -nx "${args[@]}" \
        >"$T/gdb.out" 2>"$T/gdb.err"
}
expect() { grep -qE -- "$1" "$T/gdb.out" || fail "gdb output lacks /$1/"; }
lacks() { ! grep -qE -- "$1" "$T/gdb.out" "$T/gdb.err" || fail "gdb output has /$1/"; }

case $CASE in
values)
    # break, print the recorded random bytes and time, bt, finish, next,
    # step, until: with the binary and its source gone
    build gdb_values
    record gdb_values
    seed=$(sed -n 's/^seed \([0-9a-f]*\) when \([0-9]*\).*/\1/p' "$T/rec.out")
    when=$(sed -n 's/^seed \([0-9a-f]*\) when \([0-9]*\).*/\2/p' "$T/rec.out")
    [ -n "$seed" ] && [ -n "$when" ] || fail "no seed/when line at record time"
    debug 'break mix' 'continue' \
        'printf "gdbseed %02x%02x%02x%02x%02x%02x%02x%02x\n", seed[0], seed[1], seed[2], seed[3], seed[4], seed[5], seed[6], seed[7]' \
        'printf "gdbwhen %ld\n", when' 'print t' 'bt' \
        'break add_twice' 'continue' 'finish' 'delete 2' 'next' 'step' \
        'step' 'until' 'until' 'info registers rip' 'kill'
    expect "^gdbseed $seed\$"
    expect "^gdbwhen $when\$"
    expect "^Breakpoint 1, mix \(bytes=.*, t=$when\) at .*gdb_values.c:21"
    expect "^#1 .* in main \(\) at .*gdb_values.c:39"
    acc=$((when + 2 * 16#${seed:0:2}))
    expect "^Value returned is .* = $acc\$"
    expect "^22[[:space:]]+in .*gdb_values.c"
    expect "^23[[:space:]]+in .*gdb_values.c"
    expect "^add_twice \(a=$acc, b=$((16#${seed:2:2}))\) at .*gdb_values.c:14"
    expect "^15[[:space:]]+in .*gdb_values.c"
    expect "^16[[:space:]]+in .*gdb_values.c"
    expect "^rip +0x[0-9a-f]+ +0x[0-9a-f]+ <add_twice\+[0-9]+>"
    lacks "internal-error"
    ;;
watch)
    # a hardware watchpoint stops at each write with old and new values
    build gdb_values
    record gdb_values
    debug 'break main' 'continue' 'watch counter' 'continue' 'continue' \
        'continue' 'delete' 'continue'
    expect "^Hardware watchpoint 2: counter"
    for v in "0 10" "10 20" "20 30"; do
        set -- $v
        grep -A1 "^Old value = $1\$" "$T/gdb.out" | grep -q "^New value = $2\$" ||
            fail "no stop from $1 to $2"
    done
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    expect "^seed [0-9a-f]+ when [0-9]+ counter 30"
    ;;
stdio)
    # target remote | rrt replay --gdbserver=- ARCHIVE; the program's
    # output goes to stderr there
    build gdb_values
    record gdb_values
    G gdb -batch -nx -ex "target remote | $RRT replay --gdbserver=- $T/p.rrt" \
        -ex 'break report' -ex 'continue' -ex 'print value' -ex 'continue' \
        >"$T/gdb.out" 2>"$T/gdb.err" || fail "gdb failed"
    v=$(sed -n 's/^value //p' "$T/rec.out")
    expect "^Breakpoint 1, report \(value=$v\)"
    expect "^\\\$1 = $v\$"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    grep -q "^value $v\$" "$T/gdb.err" || fail "program output not on stderr"
    ;;
tcp)
    # TCP: 127.0.0.1 and a free port, printed; one client; a malformed
    # packet closes the connection with a message, not a crash
    build gdb_values
    record gdb_values
    "$RRT" replay --gdbserver "$T/p.rrt" >"$T/srv.out" 2>"$T/srv.err" &
    srv=$!
    for _ in $(seq 50); do grep -q "listening on" "$T/srv.err" && break; sleep 0.1; done
    addr=$(sed -n 's/.*listening on \([^ ]*\) .*/\1/p' "$T/srv.err")
    case $addr in 127.0.0.1:[0-9]*) ;; *) kill $srv; fail "not on loopback: '$addr'" ;; esac
    G gdb -batch -nx -ex "target remote $addr" -ex 'break report' \
        -ex 'continue' -ex 'print value' -ex 'kill' >"$T/gdb.out" 2>"$T/gdb.err"
    wait $srv
    rc=$?
    [ $rc -eq 0 ] || fail "server exit status $rc after gdb's kill"
    expect "^Breakpoint 1, report \(value="
    # a second server: garbage then an oversized packet
    "$RRT" replay --gdbserver=127.0.0.1:0 "$T/p.rrt" >"$T/srv2.out" 2>"$T/srv2.err" &
    srv=$!
    for _ in $(seq 50); do grep -q "listening on" "$T/srv2.err" && break; sleep 0.1; done
    port=$(sed -n 's/.*listening on 127.0.0.1:\([0-9]*\) .*/\1/p' "$T/srv2.err")
    [ -n "$port" ] || { kill $srv; fail "no port printed"; }
    { printf '$'; head -c 20000 /dev/zero | tr '\0' 'a'; printf '#00'; } \
        >/dev/tcp/127.0.0.1/"$port" 2>/dev/null
    wait $srv
    rc=$?
    grep -q "gdb connection: packet longer than" "$T/srv2.err" ||
        { cat "$T/srv2.err"; fail "no message about the oversized packet"; }
    [ $rc -lt 128 ] || fail "server died of a signal ($rc)"
    ;;
diverge)
    # a memory write that changes what the program prints: the replay
    # stops in gdb with the divergence's message; rrt does not crash
    build gdb_values
    record gdb_values
    debug 'break report' 'continue' 'set var value = 7' 'continue' \
        'continue' 'bt 1' 'kill'
    # gdb prints the server's console messages on stderr
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^rrt: the replay diverged at event [0-9]+ \(task [0-9]+\): write argument 2: expected 0x11, found 0x8 \(after gdb changed registers or memory"
    expect "^rrt: the replay cannot continue past this point"
    expect "^#0 .* in .*write"
    lacks "internal-error"
    ;;
threads)
    # a breakpoint hit in a second thread; info threads; switching threads
    build gdb_threads -pthread
    record gdb_threads
    debug 'break in_worker' 'continue' 'info threads' 'bt' 'thread 1' \
        'bt' 'thread 2' 'finish' 'continue'
    expect "^Thread 2 \"gdb_threads\" hit Breakpoint 1, in_worker \(x=14\) at .*gdb_threads.c:11"
    expect "^  1 +Thread [0-9a-f.]+ \"gdb_threads\" .*"
    expect "^\* 2 +Thread [0-9a-f.]+ \"gdb_threads\" in_worker \(x=14\)"
    expect "^#1 .* in worker \(arg=0xe\) at .*gdb_threads.c:17"
    expect "^\[Switching to thread 1 "
    expect "^Value returned is .* = 43\$"
    expect "^worker 43 pid-ok 1"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    ;;
fork)
    # gdb follows the parent (rrt announces no fork events, so gdb stays
    # with the process it started with); the child, which calls the same
    # function and execs, runs without our breakpoints and as recorded
    build gdb_fork
    record gdb_fork
    debug 'break side' 'continue' 'print who' 'continue'
    expect "^Breakpoint 1, side \(who=5\) at .*gdb_fork.c:9"
    expect "^\\\$1 = 5\$"
    expect "^parent 10 child-status 0"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    lacks "who=7"
    lacks "diverge"
    ;;
fork_child)
    # set follow-fork-mode child: the breakpoint hits in the child, gdb
    # follows its exec and sees its exit; the parent, detached, replays on
    build gdb_fork
    record gdb_fork
    debug 'set follow-fork-mode child' 'break side' 'continue' 'print who' \
        'continue'
    expect "^\[Attaching after Thread [0-9a-f.]+ fork to child Thread [0-9a-f.]+\]"
    expect "^Thread 2.1 \"gdb_fork\" hit Breakpoint 1, side \(who=7\) at .*gdb_fork.c:9"
    expect "^\\\$1 = 7\$"
    expect "^process [0-9]+ is executing new program: .*/true"
    expect "^\[Inferior 2 \(process [0-9]+\) exited normally\]"
    expect "^parent 10 child-status 0"
    lacks "internal-error|Fatal signal|diverge"
    ;;
exec)
    # the debugged program execs: gdb loads the new program (exec event)
    # and its old breakpoints leave no int3 in the new image
    build gdb_fork
    record gdb_fork
    debug 'set follow-fork-mode child' 'break main' 'break side' \
        'continue' 'continue' 'continue'
    expect "^process [0-9]+ is executing new program: .*/true"
    expect "^\[Inferior 2 \(process [0-9]+\) exited normally\]"
    lacks "internal-error|Fatal signal|diverge|SIGTRAP"
    ;;
debug_info)
    # rrt pack --debug-info embeds this host's separate debug file of the
    # recorded libc by build-id; the replay serves it to gdb
    command -v readelf >/dev/null || { echo "SKIP: no readelf"; exit 77; }
    build gdb_values
    record gdb_values
    libc=$("$RRT" ls "$T/p.rrt" | grep -m1 '/libc\.so\.6$')
    [ -n "$libc" ] || fail "no libc.so.6 in the recording"
    id=$(readelf -n "$libc" | sed -n 's/.*Build ID: *\([0-9a-f]*\).*/\1/p')
    dbg=/usr/lib/debug/.build-id/${id:0:2}/${id:2}.debug
    [ -f "$dbg" ] || { echo "SKIP: no separate debug file for $libc ($dbg: install libc6-dbg)"; exit 77; }
    "$RRT" ls "$T/p.rrt" | grep -qxF "$dbg" && fail "plain pack embedded $dbg"
    "$RRT" pack --debug-info -o "$T/d.rrt" "$T/p.rrt" >/dev/null 2>"$T/pack2.err" ||
        fail "pack --debug-info failed"
    "$RRT" ls "$T/d.rrt" | grep -qxF "$dbg" || fail "$dbg not embedded"
    "$RRT" cat "$T/d.rrt" "$dbg" | cmp -s - "$dbg" || fail "embedded $dbg differs"
    G "$RRT" replay --debug "$T/d.rrt" -- -batch -nx \
        -ex "remote get $dbg $T/got.debug" -ex kill >"$T/gdb.out" 2>"$T/gdb.err"
    cmp -s "$T/got.debug" "$dbg" || fail "gdb did not get $dbg through the replay"
    ;;
interrupt)
    # Ctrl-C (the 0x03 byte) during a continue stops the replay with
    # SIGINT at the next stop point (a raw protocol client: gdb's batch
    # mode cannot send it)
    command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
    build gdb_spin
    "$RRT" record -o "$T/p.rrt" -- "$T/bin/gdb_spin" >/dev/null 2>"$T/rec.err" ||
        fail "record failed"
    G python3 "$SRC/gdb_interrupt.py" "$RRT" "$T/p.rrt" >"$T/gdb.out" 2>&1 ||
        fail "$(tail -1 "$T/gdb.out")"
    cat "$T/gdb.out"
    ;;
libraries)
    # qXfer:libraries-svr4:read lists the libraries from the dynamic
    # linker's link maps; gdb loads their symbols from the archive
    build gdb_values
    record gdb_values
    debug 'set debug remote 1' 'break report' 'continue' \
        'info sharedlibrary' 'kill'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect 'Packet received: l<library-list-svr4 version="1.0" main-lm="0x[0-9a-f]+"><library name="/[^"]*" lm="0x[0-9a-f]+" l_addr="0x[0-9a-f]+" l_ld="0x[0-9a-f]+"/>'
    expect "Yes .*target:.*/libc.so.6"
    expect "^Breakpoint 1, report"
    ;;
reverse_watch)
    # to the crash, a watchpoint on the corrupted global, reverse-continue:
    # the line of the stray write, the old and new values reversed
    build gdb_reverse
    record_crash gdb_reverse
    debug 'continue' 'watch -l global' 'reverse-continue' 'print global' \
        'reverse-continue' 'continue' 'continue' 'print global'
    expect "^Program received signal SIGSEGV"
    grep -A1 "^Old value = 1234\$" "$T/gdb.out" | grep -q "^New value = 7\$" ||
        fail "reverse-continue did not show 1234 -> 7"
    expect "in fill \(n=2\) at .*gdb_reverse.c:$(line_of STRAY)\$"
    expect "^\\\$1 = 7\$"
    # nothing wrote it before: the start of the history
    expect "^No more reverse-execution history"
    # forward again: the write, then the same crash with the same value
    grep -A1 "^Old value = 7\$" "$T/gdb.out" | grep -q "^New value = 1234\$" ||
        fail "continue after going back did not show 7 -> 1234"
    [ "$(grep -c "^Program received signal SIGSEGV" "$T/gdb.out")" -eq 2 ] ||
        fail "the crash was not reached again"
    expect "^\\\$2 = 1234\$"
    lacks "internal-error"
    ;;
reverse_step)
    # reverse-step and reverse-next back over a loop and a call,
    # reverse-finish out of the callee; then forward to the same crash
    build gdb_reverse
    record_crash gdb_reverse
    debug 'continue' 'reverse-next' 'reverse-next' 'reverse-next' \
        'reverse-next' 'print j' 'print s' 'reverse-next' 'print j' \
        'print s' 'reverse-next' 'reverse-next' 'reverse-next' \
        'reverse-next' 'reverse-next' 'print s' 'next' \
        'reverse-step' 'reverse-step' 'bt 1' 'reverse-finish' \
        'monitor when' 'continue' 'print s' 'print q'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^$(line_of LOOP)[[:space:]]+in .*gdb_reverse.c"
    # the loop backwards: j and s step back together
    expect "^\\\$1 = 2\$"
    expect "^\\\$2 = 10004\$"
    expect "^\\\$3 = 2\$"
    expect "^\\\$4 = 10002\$"
    # over the call to add: line CALL, s not yet assigned (0 on the stack)
    expect "^$(line_of CALL)[[:space:]]+in .*gdb_reverse.c"
    expect "^\\\$5 = 0\$"
    # reverse-step enters add at its end, reverse-finish returns to main
    expect "^add \\(x=10000, y=1\\) at .*gdb_reverse.c:$(($(line_of ADD) + 1))"
    expect "^0x[0-9a-f]+ in main \\(\\) at .*gdb_reverse.c:$(line_of CALL)\$"
    expect "^rrt: event [0-9]+, [0-9]+ stops since it, thread [0-9]+"
    [ "$(grep -c "^Program received signal SIGSEGV" "$T/gdb.out")" -eq 2 ] ||
        fail "the crash was not reached again"
    expect "^\\\$[0-9]+ = 10004\$"
    expect "^\\\$[0-9]+ = \(int \*\) 0x4d2\$"
    lacks "internal-error"
    lacks "not found again|diverged"
    # reverse_step_ckpt: with the syscall buffer's state in checkpoints
    if [ -n "${RRT_CHECKPOINT_INTERVAL:-}" ]; then
        expect "^rrt: this run started at the checkpoint at event [1-9][0-9]*\$"
    fi
    ;;
reverse_hits)
    # a breakpoint hit 10,000 times: from the end, reverse-continue lands
    # on hit 10,000 then 9,999 (k counts from 0; counter is k before)
    build gdb_reverse
    record_crash gdb_reverse
    debug 'break tick' 'continue' 'disable 1' 'continue' 'enable 1' \
        'reverse-continue' 'print k' 'print counter' 'reverse-continue' \
        'print k' 'print counter' 'monitor goto 1000000000' 'monitor when'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^Breakpoint 1, tick \(k=9999\) at .*gdb_reverse.c:$(line_of TICK)"
    expect "^\\\$2 = 9999\$"
    expect "^Breakpoint 1, tick \(k=9998\) at .*gdb_reverse.c:$(line_of TICK)"
    expect "^\\\$4 = 9998\$"
    lacks "internal-error"
    ;;
reverse_goto)
    # --until N starts the session (and its history) before event N;
    # monitor when / goto; reverse-continue with no hit before: the start
    build gdb_reverse
    record_crash gdb_reverse
    G "$RRT" replay --debug --until 60 "$T/p.rrt" -- -batch -nx \
        -ex 'monitor when' -ex 'break tick' -ex 'continue' -ex 'print k' \
        -ex 'reverse-continue' -ex 'monitor when' -ex 'monitor goto 70' \
        -ex 'maint flush register-cache' -ex 'monitor when' \
        -ex 'continue' -ex 'print k' -ex 'monitor goto 10' \
        -ex 'monitor goto 99999999' -ex 'monitor when' \
        >"$T/gdb.out" 2>"$T/gdb.err"
    cat "$T/gdb.err" >>"$T/gdb.out"
    [ "$(grep -c "^rrt: event 60, 0 stops since it" "$T/gdb.out")" -eq 2 ] ||
        fail "the session did not start, and come back, before event 60"
    expect "^No more reverse-execution history"
    expect "^rrt: at event 70\$"
    expect "^rrt: event 70, 0 stops since it"
    [ "$(grep -c "^Breakpoint 1, tick (k=0)" "$T/gdb.out")" -eq 2 ] ||
        fail "tick's first hit was not reached twice"
    expect "^rrt: event 10 is before the debug session's start \(event 60\)"
    expect "^rrt: event 99999999 is past the end of the recording"
    lacks "internal-error"
    ;;
reverse_step_ckpt)
    # reverse_step, the syscall buffer on, a checkpoint every 3 events
    RRT_CHECKPOINT_INTERVAL=3 "$0" "$RRT" reverse_step "$SRC"
    exit $?
    ;;
reverse_once)
    # reverse-next over a printf right after a loop of 300,000 iterations
    # (1.8 million instructions since the event): the instruction before
    # is found by guesses, not by single steps from the event (which take
    # minutes: the session's time limit is 40 s)
    build gdb_once
    record gdb_once
    L=$(grep -n "/\* AFTER \*/" "$SRC/gdb_once.c" | cut -d: -f1)
    timeout 40 "$RRT" replay --debug "$T/p.rrt" -- -batch -nx \
        -ex "break $L" -ex 'continue' -ex 'reverse-next' -ex 'print acc' \
        -ex 'next' -ex 'next' -ex 'print acc' >"$T/gdb.out" 2>"$T/gdb.err"
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^$((L - 1))[[:space:]]+in .*gdb_once.c"
    expect "^\\\$1 = 44999850000\$"
    expect "^\\\$2 = 1\$"
    lacks "internal-error"
    lacks "not found again|diverged"
    ;;
reverse_ckpt_fork)
    # after a fork, far from the start: reverse-continue and reverse-step
    # run from an automatic checkpoint of both processes (every 2000
    # events), not from event 0; forward again to the same end
    build gdb_ckpt_fork
    record_nosb gdb_ckpt_fork
    debug "break $(ckf_line MARK) if k == 6" 'continue' 'print total' \
        'delete' "break $(ckf_line MARK) if k == 5" 'reverse-continue' \
        'print total' 'monitor when' 'reverse-step' 'print total' \
        'monitor checkpoints' 'continue' 'print total' 'delete' 'continue'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^\\\$1 = 2730\$"
    expect "^\\\$2 = 2320\$"
    expect "^rrt: this run started at the checkpoint at event [1-9][0-9]*\$"
    expect "^$(grep -n "mark(who, k);" "$SRC/gdb_ckpt_fork.c" | cut -d: -f1)[[:space:]]"
    expect "^\\\$3 = 2320\$"
    expect "^rrt:   snapshot at event [0-9]+ \\(2 processes, pids [0-9]+, [0-9]+\\)"
    expect "^\\\$4 = 2320\$"
    [ "$(grep -c "^rrt: this run started at the checkpoint" "$T/gdb.out")" -ge 1 ] ||
        fail "no run from a checkpoint"
    ckf_output
    lacks "internal-error"
    lacks "not found again|diverge"
    ;;
reverse_ckpt_fork_thin)
    # a checkpoint every 20 events, thinned: from the parent's end (the
    # child has exited) back to its last mark, from a checkpoint of both
    # processes; then back across the fork to its first mark; forward
    # again to the same end
    build gdb_ckpt_fork
    if [ -n "${CKF_SB:-}" ]; then record gdb_ckpt_fork; else record_nosb gdb_ckpt_fork; fi
    RRT_CHECKPOINT_INTERVAL=${CKF_INTERVAL:-20} debug "break $(ckf_line END)" 'continue' \
        "break $(ckf_line MARK) if k == 7" 'reverse-continue' 'print total' \
        'monitor when' 'monitor checkpoints' 'delete' \
        "break $(ckf_line MARK) if k == 0" 'reverse-continue' 'print total' \
        'print k' 'delete' 'continue'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^\\\$1 = 3142\$"
    expect "^\\\$2 = 300\$"
    expect "^\\\$3 = 0\$"
    # the run to the last mark started at a snapshot of both processes
    from=$(sed -n 's/^rrt: this run started at the checkpoint at event \([0-9]*\)$/\1/p' "$T/gdb.out" | head -1)
    [ -n "$from" ] || fail "the run to the last mark did not start at a checkpoint"
    expect "^rrt:   snapshot at event $from \\(2 processes, pids [0-9]+, [0-9]+\\)"
    lacks "cannot fork|cannot take"
    ckf_output
    lacks "internal-error"
    lacks "not found again|diverge"
    ;;
reverse_ckpt_fork_sb)
    # reverse_ckpt_fork_thin, the syscall buffer on (the 300 calls are a
    # few buffer flushes), a checkpoint every 3 events
    CKF_SB=1 CKF_INTERVAL=3 "$0" "$RRT" reverse_ckpt_fork_thin "$SRC"
    exit $?
    ;;
reverse_ckpt_shm)
    # a checkpoint every 100 events, none while a MAP_SHARED mapping
    # exists (its page would be the live one's): back from the 7th mark to
    # the 3rd, the count in it as it was there; forward to the same end
    build gdb_ckpt_shm
    record_nosb gdb_ckpt_shm
    L=$(grep -n "/\* MARK \*/" "$SRC/gdb_ckpt_shm.c" | cut -d: -f1)
    RRT_CHECKPOINT_INTERVAL=100 debug "break $L if k == 6" 'continue' \
        'print counter[0]' 'delete' "break $L if k == 2" 'reverse-continue' \
        'print counter[0]' 'print counter[1]' 'delete' 'continue'
    expect "^\\\$1 = 2100\$"
    expect "^\\\$2 = 900\$"
    expect "^\\\$3 = 1\$"
    [ "$(grep -c "^counter 2400 28\$" "$T/gdb.out")" -eq 1 ] ||
        fail "the program's output is not there exactly once"
    lacks "internal-error"
    lacks "not found again|diverge"
    ;;
reverse_ckpt_wide)
    # 17 processes: no checkpoint of them all (at most 16: only while
    # the parent is still forking); going back is right all the same
    build gdb_ckpt_wide
    record_nosb gdb_ckpt_wide
    L=$(grep -n "/\* MARK \*/" "$SRC/gdb_ckpt_wide.c" | cut -d: -f1)
    RRT_CHECKPOINT_INTERVAL=10 debug "break $L if k == 3" 'continue' \
        'print total' 'delete' "break $L if k == 1" 'reverse-continue' \
        'print total' 'monitor checkpoints' 'delete' 'continue'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^\\\$1 = 403\$"
    expect "^\\\$2 = 200\$"
    expect "^rrt:   snapshot at event [0-9]+ \\(16 processes"
    lacks "^rrt:   snapshot at event [0-9]+ \\(17 processes"
    [ "$(grep -c "^parent total 406\$" "$T/gdb.out")" -eq 1 ] ||
        fail "the program's output is not there exactly once"
    lacks "internal-error"
    lacks "not found again|diverge"
    ;;
reverse_ckpt_sigchld)
    # a checkpoint every 5 events, of the parent and a child (and none
    # while the SIGCHLD of a reaped child is pending): back from the last
    # mark to the first, the handler's count as it was there (as recorded:
    # printed first forward); forward again to the same end
    build gdb_ckpt_sigchld
    record_nosb gdb_ckpt_sigchld
    L=$(grep -n "/\* MARK \*/" "$SRC/gdb_ckpt_sigchld.c" | cut -d: -f1)
    RRT_CHECKPOINT_INTERVAL=5 debug "break $L if k == 0" 'continue' \
        'print got' 'delete' "break $L if k == 2" 'continue' 'print total' \
        'delete' "break $L if k == 0" 'reverse-continue' 'print total' \
        'print got' 'monitor checkpoints' 'delete' 'continue'
    cat "$T/gdb.err" >>"$T/gdb.out"
    got0=$(sed -n 's/^\$1 = \([0-9]*\)$/\1/p' "$T/gdb.out")
    [ -n "$got0" ] || fail "no count at the first mark"
    expect "^\\\$2 = 451\$"
    expect "^\\\$3 = 150\$"
    expect "^\\\$4 = $got0\$"
    expect "^rrt:   snapshot at event [0-9]+ \\(2 processes"
    [ "$(grep -c "^got 3 total 453\$" "$T/gdb.out")" -eq 1 ] ||
        fail "the program's output is not there exactly once"
    lacks "internal-error"
    lacks "not found again|diverge"
    ;;
reverse_checkpoint)
    # far from the start: reverse-step runs from an automatic checkpoint
    # (every 2000 events), not from event 0; monitor checkpoint, forward to
    # the crash, monitor restart 1: the same values, the same crash again
    build gdb_ckpt
    record_nosb_crash gdb_ckpt
    debug "break $(ck_line MARK) if k == 6" 'continue' 'print total' \
        'reverse-step' 'monitor when' 'print total' 'monitor checkpoint' \
        'continue' 'print total' 'delete' 'continue' 'print total' \
        'monitor restart 1' 'maint flush register-cache' 'print total' \
        'monitor when' 'continue' 'print total' 'monitor checkpoints'
    cat "$T/gdb.err" >>"$T/gdb.out"
    expect "^\\\$1 = 7015\$"
    expect "^rrt: this run started at the checkpoint at event [1-9][0-9]*\$"
    expect "^$(ck_line CALL)[[:space:]]"
    expect "^\\\$2 = 7015\$"
    expect "^rrt: checkpoint 1 at event [0-9]+"
    expect "^\\\$3 = 7015\$"
    expect "^\\\$4 = 8028\$"
    expect "^rrt: at event [0-9]+\$"
    expect "^\\\$5 = 7015\$"
    expect "^\\\$6 = 8028\$"
    [ "$(grep -c "^Program received signal SIGSEGV" "$T/gdb.out")" -eq 2 ] ||
        fail "the crash was not reached again"
    [ "$(grep -c "^rrt: this run started at the checkpoint" "$T/gdb.out")" -eq 2 ] ||
        fail "monitor restart did not run from a checkpoint"
    expect "^rrt:   snapshot at event [0-9]+ pinned"
    lacks "internal-error"
    lacks "not found again|diverged"
    ;;
reverse_thin)
    # a checkpoint every 20 events across 8,000: thinned to at most 16,
    # spaced more widely further back; going back still finds mark(0)
    build gdb_ckpt
    record_nosb_crash gdb_ckpt
    RRT_CHECKPOINT_INTERVAL=20 debug "break $(ck_line MARK) if k == 7" \
        'continue' 'monitor checkpoints' 'delete' \
        "break $(ck_line MARK) if k == 0" 'reverse-continue' 'print total' \
        'monitor when'
    cat "$T/gdb.err" >>"$T/gdb.out"
    n=$(sed -n 's/^rrt: \([0-9]*\) snapshots (at most 16 automatic.*/\1/p' "$T/gdb.out" | head -1)
    taken=$(sed -n 's/.*; taken \([0-9]*\), thinned \([0-9]*\);.*/\1/p' "$T/gdb.out" | head -1)
    [ -n "$n" ] && [ "$n" -le 16 ] && [ "$n" -ge 8 ] ||
        fail "snapshots kept: '$n' (expected 8 to 16)"
    [ -n "$taken" ] && [ "$taken" -ge 300 ] || fail "snapshots taken: '$taken'"
    # the newest two are the interval apart; the oldest two much further
    ev=($(sed -n 's/^rrt:   snapshot at event \([0-9]*\).*/\1/p' "$T/gdb.out"))
    k=${#ev[@]}
    [ "$k" -eq "$n" ] || fail "listed $k snapshots, counted $n"
    [ $((ev[k-1] - ev[k-2])) -le 40 ] && [ $((ev[1] - ev[0])) -ge 200 ] ||
        fail "not spaced geometrically: ${ev[*]}"
    expect "^\\\$1 = 1000\$"
    lacks "internal-error"
    lacks "not found again|diverged"
    ;;
reverse_fork)
    # back across a fork and the child's exec to the parent's call (the
    # child, not debugged, calls the same function: not a hit), then to
    # the start; forward again to the same end
    build gdb_fork
    record gdb_fork
    debug 'break 24' 'continue' 'break side' 'reverse-continue' \
        'print who' 'reverse-continue' 'continue' 'continue' 'continue'
    expect "^Breakpoint 2, side \(who=5\) at .*gdb_fork.c:9"
    expect "^\\\$1 = 5\$"
    expect "^No more reverse-execution history"
    [ "$(grep -c "^Breakpoint 2, side (who=5)" "$T/gdb.out")" -eq 2 ] ||
        fail "side(5) was not hit again going forward"
    [ "$(grep -c "^Breakpoint 1, main () at .*gdb_fork.c:24" "$T/gdb.out")" -eq 2 ] ||
        fail "line 24 was not reached again"
    [ "$(grep -c "^parent 10 child-status 0" "$T/gdb.out")" -eq 1 ] ||
        fail "the program's output is not there exactly once"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    lacks "who=7"
    lacks "diverge|internal-error"
    ;;
reverse_threads)
    # back from the main thread to the second thread's write, then to its
    # breakpoint; forward again to the same end, the output written once
    build gdb_threads -pthread
    record gdb_threads
    debug 'break 27' 'continue' 'watch -l worker_result' \
        'reverse-continue' 'info threads' 'break in_worker' \
        'reverse-continue' 'continue' 'continue' 'continue'
    expect "^Thread 2 \"gdb_threads\" hit Hardware watchpoint 2: -location worker_result"
    grep -A1 "^Old value = 43\$" "$T/gdb.out" | grep -q "^New value = 0\$" ||
        fail "reverse-continue did not show 43 -> 0"
    expect "^worker \(arg=0xe\) at .*gdb_threads.c:17"
    expect "^\* 2 +Thread [0-9a-f.]+ \"gdb_threads\" worker \(arg=0xe\)"
    expect "^Thread 2 \"gdb_threads\" hit Breakpoint 3, in_worker \(x=14\)"
    grep -A1 "^Old value = 0\$" "$T/gdb.out" | grep -q "^New value = 43\$" ||
        fail "forward again did not show 0 -> 43"
    [ "$(grep -c "^worker 43 pid-ok 1" "$T/gdb.out")" -eq 1 ] ||
        fail "the program's output is not there exactly once"
    expect "^\[Inferior 1 \(process [0-9]+\) exited normally\]"
    lacks "internal-error"
    ;;
*)
    fail "unknown case $CASE"
    ;;
esac
echo "ok: $CASE"
