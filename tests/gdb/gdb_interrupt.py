#!/usr/bin/env python3
"""Ctrl-C through the gdb protocol: a raw client continues a long replay,
sends the interrupt byte, and must get a SIGINT stop (T02) while the
replay is still running; then kills it.
usage: gdb_interrupt.py RRT ARCHIVE"""
import re, socket, subprocess, sys, time

def frame(s):
    return b'$' + s + b'#' + b'%02x' % (sum(s) & 0xff)

def main():
    rrt, archive = sys.argv[1], sys.argv[2]
    srv = subprocess.Popen([rrt, 'replay', '--quiet', '--gdbserver', archive],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    line = srv.stderr.readline().decode()
    m = re.search(r'listening on 127\.0\.0\.1:(\d+)', line)
    if not m:
        sys.exit('FAIL: no port in %r' % line)
    s = socket.create_connection(('127.0.0.1', int(m.group(1))), timeout=30)
    buf = b''
    def reply():
        nonlocal buf
        while True:
            m = re.search(rb'\$([^#]*)#..', buf)
            if m:
                buf = buf[m.end():]
                return m.group(1)
            d = s.recv(65536)
            if not d:
                sys.exit('FAIL: connection closed')
            buf += d
    s.sendall(frame(b'QStartNoAckMode'))
    if reply() != b'OK':
        sys.exit('FAIL: no-ack mode refused')
    s.sendall(frame(b'?'))
    first = reply()
    if not first.startswith(b'T05'):
        sys.exit('FAIL: first stop %r' % first)
    s.sendall(frame(b'vCont;c'))
    time.sleep(0.3)
    t0 = time.time()
    s.sendall(b'\x03')
    stop = reply()
    if not stop.startswith(b'T02'):
        sys.exit('FAIL: stop after Ctrl-C is %r, not SIGINT (T02)' % stop)
    s.sendall(frame(b'g'))
    regs = reply()
    if len(regs) < 2 * 8 * 17:
        sys.exit('FAIL: no registers at the interrupt')
    s.sendall(frame(b'k'))
    reply()
    s.close()
    rc = srv.wait(timeout=30)
    print('interrupted in %.3f s; server exit status %d' % (time.time() - t0, rc))
    if rc != 0:
        sys.exit('FAIL: server exit status %d after the kill' % rc)

main()
