#!/bin/sh
# The process tree and the scheduler of `rrt record`:
#   - a program that signals its own process group (kill(0, SIG)) does not
#     hit rrt, which is not in that group: the recording completes, with
#     the program's own status, and replays;
#   - a thread that busy-waits for another past the serialization limit
#     ends the recording with a message naming it; OUT.partial is kept and
#     `rrt recover` makes an archive of it;
#   - a daemon that outlives the first process is recorded until rrt is
#     told to stop, which ends it (DETACH) in a complete archive;
#   - a 32-bit call through int 0x80 is refused, naming it;
#   - through a terminal: Ctrl-C reaches the program and ends the
#     recording (OUT.partial); Ctrl-Z stops the program and rrt, `fg`
#     resumes them (needs python3 for the pseudo-terminal).
# usage: cli_proc.sh RRT TRACEE_DIR
set -u
RRT=$1 TR=$2
T=$(mktemp -d /tmp/rrt-proc.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fail() {
    echo "FAIL: $*" >&2
    for f in rec.out rec.err rep.out rep.err; do
        [ -s "$T/$f" ] && { echo "--- $f" >&2; tail -15 "$T/$f" >&2; }
    done
    exit 1
}
cd "$T" || exit 1

# kill(0, SIG): rrt runs in a session of its own here (setsid), so that a
# signal that did reach its group could not reach the test's.
for sig in INT TERM ABRT TRAP; do
    for how in handle die; do
        rm -f a.rrt a.rrt.partial
        timeout -k 5 60 setsid -w "$RRT" record -o a.rrt -- \
            "$TR/tr_killgroup" $sig $how </dev/null >rec.out 2>rec.err
        rc=$?
        [ -f a.rrt ] || fail "kill(0, SIG$sig) ($how): no archive (status $rc)"
        grep -q "^signalling my group" rec.out ||
            fail "kill(0, SIG$sig) ($how): no output"
        if [ $how = handle ]; then
            [ $rc -eq 0 ] || fail "kill(0, SIG$sig) (handled): status $rc"
            grep -q "^caught it" rec.out || fail "SIG$sig: not caught"
        else
            [ $rc -gt 128 ] || fail "kill(0, SIG$sig) (default action): status $rc"
        fi
        timeout -k 5 60 "$RRT" replay a.rrt </dev/null >rep.out 2>rep.err
        rrc=$?
        [ $rrc -eq $rc ] || fail "kill(0, SIG$sig) ($how): replay status $rrc, recorded $rc"
        cmp -s rec.out rep.out || fail "kill(0, SIG$sig) ($how): replay output differs"
    done
done
echo "ok: kill(0, SIG) for INT, TERM, ABRT and TRAP, caught or not"

# The serialization limit.
rm -f b.rrt b.rrt.partial
start=$(date +%s)
timeout -k 5 60 "$RRT" record --serialize-limit=1 -o b.rrt -- "$TR/tr_busywait" \
    </dev/null >rec.out 2>rec.err
rc=$?
took=$(($(date +%s) - start))
[ $rc -eq 125 ] || fail "busy wait: status $rc, expected 125"
[ $took -lt 20 ] || fail "busy wait: took ${took}s with a 1 s limit"
grep -q "task [0-9]* ran user code for .* while task [0-9]* waited to run" rec.err ||
    fail "busy wait: the message does not name the tasks"
grep -q "serialize-limit=1" rec.err || fail "busy wait: the message does not name the limit"
[ -f b.rrt.partial ] || fail "busy wait: no b.rrt.partial"
"$RRT" recover -o c.rrt b.rrt.partial >/dev/null 2>rec.err ||
    fail "busy wait: rrt recover rejects the .partial"
echo "ok: a busy wait ends at the serialization limit (${took}s), recoverable"

# A daemon outlives the program's first process: recorded until rrt is
# told to stop, which then completes the archive with the first process's
# status (DETACH events), replayable.
rm -f e.rrt e.rrt.partial
timeout --preserve-status -s INT 3 "$RRT" record -o e.rrt -- "$TR/tr_daemon" </dev/null >rec.out 2>rec.err
rc=$?
[ $rc -eq 0 ] || fail "daemon: status $rc, expected the first process's 0"
[ -f e.rrt ] && [ ! -f e.rrt.partial ] || fail "daemon: no complete e.rrt"
grep -q "stopped recording 1 task that outlived" rec.err || fail "daemon: no note"
grep -q "first process done" rec.out || fail "daemon: no output"
timeout -k 5 60 "$RRT" replay e.rrt </dev/null >rep.out 2>rep.err
rrc=$?
[ $rrc -eq 0 ] || fail "daemon: replay status $rrc"
cmp -s rec.out rep.out || fail "daemon: replay output differs"
echo "ok: a daemon is recorded until rrt is told to stop; the archive is complete"

# A 32-bit call through int 0x80 is refused by name, not decoded with the
# x86-64 table (i386 getpid, 20, is writev there).
rm -f d.rrt
timeout -k 5 60 "$RRT" record -o d.rrt -- "$TR/tr_int80" </dev/null >rec.out 2>rec.err
rc=$?
[ $rc -eq 125 ] || fail "int 0x80: status $rc, expected 125"
grep -q "32-bit system call 20 through int 0x80" rec.err ||
    fail "int 0x80: not refused by name"
echo "ok: int 0x80 is refused by name"

# Job control through a pseudo-terminal.
command -v python3 >/dev/null 2>&1 || { echo "SKIP: no python3 for a terminal"; exit 77; }
python3 - "$RRT" "$T" <<'PY' || fail "job control"
import os, pty, select, signal, sys, time
rrt, tmp = sys.argv[1], sys.argv[2]

def run(keys, want, limit=30):
    """Starts an interactive shell on a pty, types keys (a list of
    (wait-for-text, bytes)), returns all output."""
    pid, fd = pty.fork()
    if pid == 0:
        os.chdir(tmp)
        os.execvp("sh", ["sh", "-i"])
    out = b""
    deadline = time.time() + limit
    step = 0
    while time.time() < deadline:
        r, _, _ = select.select([fd], [], [], 0.2)
        if r:
            try:
                d = os.read(fd, 4096)
            except OSError:
                break
            if not d:
                break
            out += d
        if step < len(keys) and keys[step][0].encode() in out:
            time.sleep(0.3)
            os.write(fd, keys[step][1])
            out += b"<<sent %d>>" % step
            step += 1
        if step == len(keys) and want.encode() in out.split(b"<<sent %d>>" % (step - 1))[-1]:
            break
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    return out.decode(errors="replace")

# Ctrl-C: cat reads the terminal, so it must be in the foreground group.
o = run([("", b"PS1='$ '; " + rrt.encode() + b" record -o i.rrt -- cat; echo rc=$?\n"),
         ("record", b"hello\n"), ("hello\r\nhello", b"\x03")], "rc=")
if "rc=125" not in o or not os.path.exists(tmp + "/i.rrt.partial"):
    sys.exit("Ctrl-C: " + o)
# Ctrl-Z, then fg: the program was stopped and goes on where it was.
o = run([("", b"PS1='$ '; " + rrt.encode() + b" record -o z.rrt -- cat; echo rc=$?\n"),
         ("record", b"one\n"), ("one\r\none", b"\x1a"),
         ("Stopped", b"fg\n"), ("cat", b"two\n"), ("two\r\ntwo", b"\x04")], "$ ")
# (the shell goes on with `echo rc=148` when the job stops)
if "Stopped" not in o or not os.path.exists(tmp + "/z.rrt"):
    sys.exit("Ctrl-Z/fg: " + o)
import subprocess
rep = subprocess.run([rrt, "replay", tmp + "/z.rrt"], capture_output=True,
                     stdin=subprocess.DEVNULL)
if rep.returncode != 0 or rep.stdout != b"one\ntwo\n":
    sys.exit("Ctrl-Z/fg: replay %d %r %r" % (rep.returncode, rep.stdout, rep.stderr))
print("ok: Ctrl-C ends the recording (.partial); Ctrl-Z stops it, fg resumes")
PY
exit 0
