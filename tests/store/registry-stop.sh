#!/bin/bash
# Stops the registry that registry-start.sh DIR started (by its pid only).
dir=$1
if [ -f "$dir/token.pid" ]; then
    kill "$(cat "$dir/token.pid")" 2>/dev/null || true
    rm -f "$dir/token.pid"
fi
[ -f "$dir/registry.pid" ] || exit 0
pid=$(cat "$dir/registry.pid")
kill "$pid" 2>/dev/null || true
for i in $(seq 1 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
rm -f "$dir/registry.pid"
exit 0
