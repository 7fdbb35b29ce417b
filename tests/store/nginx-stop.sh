#!/bin/bash
# Stops the nginx that nginx-start.sh DIR started (by its pid only).
# With -9 it is killed abruptly (used to cut a push in the middle).
sig=TERM
if [ "${1:-}" = -9 ]; then sig=KILL; shift; fi
dir=$1
for f in "$dir/nginx.pid.launch"; do
    [ -f "$f" ] || continue
    pid=$(cat "$f")
    # Kill the master and its worker (the worker's parent is the master).
    workers=$(pgrep -P "$pid" 2>/dev/null || true)
    kill -s "$sig" "$pid" $workers 2>/dev/null || true
    for i in $(seq 1 50); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    rm -f "$f"
done
exit 0
