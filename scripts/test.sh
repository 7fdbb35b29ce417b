#!/usr/bin/env bash
# Runs every test rrt has: the whole ctest suite in a normal build and in an
# ASan+UBSan build, each libFuzzer harness for a short fixed run, a check
# that the static build needs no shared libraries, and the Debian packages
# built, installed, used and purged (scripts/deb_test.sh). Exits non-zero on any
# failure. Build trees go to $RRT_OUT (default: out/ in the source tree).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${RRT_OUT:-$src/out}
fuzz_seconds=${RRT_FUZZ_SECONDS:-15}
cd "$src"
bash scripts/deps.sh

step() { printf '\n==== %s\n' "$*"; }

step "module dependencies point one way; the tree is formatted"
bash scripts/check_deps.sh
bash scripts/check_format.sh

step "normal build (RelWithDebInfo, -Werror) and tests"
scripts/build.sh "$out/normal" -DRRT_WERROR=ON
ctest --test-dir "$out/normal" --output-on-failure -j2 --timeout 300

step "record/replay suite again without the syscall buffer (rrt record --no-syscall-buffer)"
RRT_SYSCALL_BUFFER=0 ctest --test-dir "$out/normal" --output-on-failure -j2 --timeout 300 -L record

step "record/replay suite again with CPUID patching (as on hosts without CPUID faulting)"
RRT_CPUID_MODE=patch ctest --test-dir "$out/normal" --output-on-failure -j2 --timeout 300 -L record

step "ASan+UBSan build and tests"
scripts/build.sh "$out/asan" -DCMAKE_BUILD_TYPE=Debug -DRRT_SANITIZE=ON -DRRT_WERROR=ON
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  ctest --test-dir "$out/asan" --output-on-failure -j2 --timeout 600

step "static build: one binary that needs no shared libraries"
scripts/build.sh "$out/static" -DRRT_STATIC=ON -DRRT_TESTS=OFF -DRRT_WERROR=ON
if ldd "$out/static/rrt" >/dev/null 2>&1; then
  echo "static build: $out/static/rrt is dynamically linked" >&2
  exit 1
fi
"$out/static/rrt" --version
# What a replay host does with it: read, verify, export and import an
# archive, and record, pack and replay a program (the ctest suite runs the
# same code dynamically linked).
smoke=$(mktemp -d)
S="$out/static/rrt"
"$S" create -o "$smoke/a.rrt" /usr/bin/true /etc/passwd
"$S" verify "$smoke/a.rrt"
"$S" export "$smoke/a.rrt" -o "$smoke/a.tar"
"$S" import "$smoke/a.tar" -o "$smoke/b.rrt"
"$S" verify "$smoke/b.rrt"
"$S" record -o "$smoke/r.rrt" -- /bin/echo static >"$smoke/rec.out"
"$S" pack "$smoke/r.rrt"
"$S" replay "$smoke/r.rrt" >"$smoke/rep.out"
cmp "$smoke/rec.out" "$smoke/rep.out"
rm -rf "$smoke"
echo "static build: create, verify, export, import, record, pack, replay: ok"

step "Debian packages: build, install, use, purge"
bash scripts/deb_test.sh

if [ -x fuzz/run-all.sh ]; then
  step "fuzzers, ${fuzz_seconds}s each"
  fuzz/run-all.sh "$fuzz_seconds" "$out/fuzz"
fi
step "all tests passed"
