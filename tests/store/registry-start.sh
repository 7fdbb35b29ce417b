#!/bin/bash
# Starts docker-registry (Debian package docker-registry, the CNCF
# distribution registry) on 127.0.0.1 with filesystem storage in DIR/data.
# Usage: registry-start.sh DIR [--token]   Prints the port; stop with
# registry-stop.sh. With --token the registry requires Docker/OCI token
# authentication from token-server.py (python3 and openssl), which accepts
# basic auth rrt:s3cret; its port goes to DIR/token-port.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
dir=$(mkdir -p "$1" && cd "$1" && pwd)
REGISTRY=${REGISTRY:-/usr/bin/docker-registry}
mkdir -p "$dir/data"
auth=""
if [ "${2:-}" = --token ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=rrt-test \
        -keyout "$dir/token.key" -out "$dir/token.crt" 2>/dev/null
    for attempt in 1 2 3 4 5; do
        tport=$(store_free_port)
        python3 "$here/token-server.py" "$tport" "$dir/token.key" \
            "$dir/token.crt" rrt-test-issuer "$dir/token.log" \
            </dev/null >>"$dir/token.out" 2>&1 &
        tpid=$!
        echo "$tpid" >"$dir/token.pid"
        if store_wait_port "$tport" "$tpid"; then break; fi
        kill "$tpid" 2>/dev/null || true
    done
    echo "$tport" >"$dir/token-port"
    auth="auth:
  token:
    realm: http://127.0.0.1:$tport/token
    service: rrt-test
    issuer: rrt-test-issuer
    rootcertbundle: $dir/token.crt"
fi
for attempt in 1 2 3 4 5; do
    port=$(store_free_port)
    cat >"$dir/config.yml" <<CONF
version: 0.1
log:
  level: info
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: $dir/data
  delete:
    enabled: true
http:
  addr: 127.0.0.1:$port
$auth
CONF
    "$REGISTRY" serve "$dir/config.yml" </dev/null >>"$dir/registry.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/registry.pid"
    if store_wait_port "$port" "$pid"; then
        echo "$port" >"$dir/port"
        echo "$port"
        exit 0
    fi
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
done
echo "docker-registry did not start; see $dir/registry.log" >&2
exit 1
