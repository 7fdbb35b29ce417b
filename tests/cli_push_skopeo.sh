#!/bin/bash
# A recording pushed to an OCI registry stays an ordinary OCI artifact for
# registry tools: `skopeo inspect --raw` shows its manifest (store layout 2
# media types), `skopeo copy` copies it to a second registry, from which
# rrt pull rebuilds the same archive, and to a dir: layout holding every
# object. Two docker-registry servers on 127.0.0.1 (tests/store/).
# Usage: cli_push_skopeo.sh RRT_BINARY. Exit 77 (ctest skip) when skopeo or
# docker-registry is not installed.
set -u
RRT=$1
here=$(cd "$(dirname "$0")" && pwd)
store=$here/store
REGISTRY=${REGISTRY:-/usr/bin/docker-registry}
SKOPEO=${SKOPEO:-$(command -v skopeo || echo /usr/bin/skopeo)}
if [ ! -x "$SKOPEO" ]; then
    echo "SKIP: skopeo not installed (apt-get install skopeo)"
    exit 77
fi
if [ ! -x "$REGISTRY" ]; then
    echo "SKIP: docker-registry not installed (apt-get install docker-registry)"
    exit 77
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/rrt-skopeo-test.XXXXXX")
export RRT_CACHE_DIR=$work/cache HOME=$work/home
mkdir -p "$HOME"
unset RRT_STORE_TOKEN RRT_STORE_USER RRT_STORE_PASSWORD
cleanup() {
    "$store/registry-stop.sh" "$work/r1" >/dev/null 2>&1
    "$store/registry-stop.sh" "$work/r2" >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT
passed=0
failed=0
ok() { echo "ok - $1"; passed=$((passed + 1)); }
fail() {
    echo "not ok - $1"
    shift
    for f in "$@"; do [ -f "$f" ] && sed 's/^/#   /' "$f" | tail -20; done
    failed=$((failed + 1))
}
sk() { "$SKOPEO" --insecure-policy "$@"; }

p1=$("$store/registry-start.sh" "$work/r1") || { echo "registry failed to start"; exit 1; }
p2=$("$store/registry-start.sh" "$work/r2") || { echo "registry failed to start"; exit 1; }
mkdir -p "$work/src"
cp /usr/lib/x86_64-linux-gnu/libz.so.1 "$work/src/" 2>/dev/null || true
head -c 200000 /dev/urandom >"$work/src/random"
echo "a small file" >"$work/src/small"
"$RRT" create -o "$work/a.rrt" "$work/src" >/dev/null 2>&1 || exit 1
nblobs=$("$RRT" info --json "$work/a.rrt" | grep -o '"blobs": *[0-9]*' | grep -o '[0-9]*$')
"$RRT" push "$work/a.rrt" "oci+http://127.0.0.1:$p1/rrt/run:one" 2>"$work/push.err" ||
    { cat "$work/push.err"; exit 1; }

if sk inspect --raw --tls-verify=false "docker://127.0.0.1:$p1/rrt/run:one" \
    >"$work/raw.json" 2>"$work/inspect.err" &&
    python3 - "$work/raw.json" "$nblobs" <<'PY'; then
import json, sys
m = json.load(open(sys.argv[1]))
layers = m["layers"]
ok = (m["artifactType"] == "application/vnd.rrt.recording.v2"
      and layers[0]["mediaType"] == "application/vnd.rrt.manifest.v2+rrt"
      and len(layers) == 1 + int(sys.argv[2])
      and all(l["mediaType"] == "application/vnd.rrt.blob.v1+rrt" for l in layers[1:]))
sys.exit(0 if ok else 1)
PY
    ok "skopeo inspect --raw shows the layout 2 artifact ($nblobs blob layers)"
else
    fail "skopeo inspect --raw shows the layout 2 artifact" "$work/inspect.err" "$work/raw.json"
fi

if sk copy -q --src-tls-verify=false --dest-tls-verify=false \
    "docker://127.0.0.1:$p1/rrt/run:one" "docker://127.0.0.1:$p2/copied/run:two" \
    2>"$work/copy.err" &&
    "$RRT" pull "oci+http://127.0.0.1:$p2/copied/run:two" -o "$work/b.rrt" 2>>"$work/copy.err" &&
    cmp -s "$work/a.rrt" "$work/b.rrt"; then
    ok "skopeo copy to a second registry; rrt pull from there gives the same archive"
else
    fail "skopeo copy to a second registry; rrt pull from there gives the same archive" "$work/copy.err"
fi

if sk copy -q --src-tls-verify=false "docker://127.0.0.1:$p1/rrt/run:one" \
    "dir:$work/dir" 2>"$work/dir.err" &&
    python3 - "$work/dir" <<'PY' 2>>"$work/dir.err"; then
import hashlib, json, os, sys
d = sys.argv[1]
m = json.load(open(os.path.join(d, "manifest.json")))
for l in m["layers"] + [m["config"]]:
    h = l["digest"].split(":")[1]
    data = open(os.path.join(d, h), "rb").read()
    assert len(data) == l["size"] and hashlib.sha256(data).hexdigest() == h, h
PY
    obj=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["layers"][1]["digest"][7:])' "$work/dir/manifest.json")
    if "$RRT" verify "$work/dir/$obj" >/dev/null 2>>"$work/dir.err"; then
        ok "skopeo copy to dir: holds every object; a blob object verifies as .rrt"
    else
        fail "skopeo copy to dir: a blob object verifies as .rrt" "$work/dir.err"
    fi
else
    fail "skopeo copy to dir: holds every object" "$work/dir.err"
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
