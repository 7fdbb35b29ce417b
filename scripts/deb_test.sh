#!/usr/bin/env bash
# The Debian packages as a user meets them: builds them (scripts/package.sh),
# installs rrt, librrt0 and librrt-dev with apt-get, runs the installed rrt
# (version, man pages, completion, record and replay), builds a program
# against the installed librrt, purges the packages and checks that no file
# of theirs is left and the set of installed packages is as before; then the
# same for rrt-static and the static tarball. Needs root (or sudo).
# On a machine without dpkg it says SKIP and exits 0.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${RRT_OUT:-$src/out}
pkg=$out/pkg
cd "$src"

if ! command -v dpkg >/dev/null || ! command -v apt-get >/dev/null; then
  echo "==== SKIP: deb_test: no dpkg/apt-get on this machine: the .deb packages are not tested" >&2
  exit 0
fi
SUDO=()
[ "$(id -u)" -eq 0 ] || SUDO=(sudo)
ours=(rrt librrt0 librrt-dev rrt-static)

step() { printf '\n== %s\n' "$*"; }
fail() {
  echo "deb_test: FAIL: $*" >&2
  exit 1
}
installed() { # PACKAGE: is it installed (or half-installed)?
  dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null | grep -qv '^not-installed$'
}
package_set() { dpkg-query -W -f='${Package}:${Architecture} ${Version} ${db:Status-Abbrev}\n' | sort; }

for p in "${ours[@]}"; do
  installed "$p" && fail "$p is already installed; this test would replace and then remove it"
done

work=$(mktemp -d /tmp/rrt-deb.XXXXXX)
cleanup() {
  # After a failure, leave no package of ours behind either.
  local left=()
  for p in "${ours[@]}"; do installed "$p" && left+=("$p"); done
  if ((${#left[@]})); then
    echo "deb_test: purging ${left[*]}" >&2
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "${left[@]}" >/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step "build the packages"
scripts/package.sh "$pkg"
version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$out/deb/CMakeCache.txt")
arch=$(dpkg --print-architecture)
deb() { echo "$pkg/${1}_${version}_${arch}.deb"; }
for p in "${ours[@]}"; do
  [ -f "$(deb "$p")" ] || fail "cpack made no $(basename "$(deb "$p")")"
done
tarball=$pkg/rrt-static-$version-linux-$(uname -m).tar.gz
[ -f "$tarball" ] || fail "cpack made no $(basename "$tarball")"
for p in "${ours[@]}"; do
  echo "$(basename "$(deb "$p")"): $(stat -c %s "$(deb "$p")") bytes; Depends: $(dpkg-deb -f "$(deb "$p")" Depends)"
done
echo "$(basename "$tarball"): $(stat -c %s "$tarball") bytes"
[ "$(dpkg-deb -f "$(deb rrt-static)" Conflicts)" = rrt ] || fail "rrt-static does not conflict with rrt"

# install_debs PACKAGE...: installs our .debs with apt-get, as a user would, and
# notes in $work/listed every path they hold and in $work/preexisting those
# of them that were there before.
install_debs() {
  local debs=() p
  for p in "$@"; do debs+=("$(deb "$p")"); done
  for p in "${debs[@]}"; do
    dpkg-deb -c "$p" | awk '{ sub(/^\./, "", $6); print $6 }'
  done | sed 's:/$::' | grep . | sort -u >"$work/listed"
  while read -r f; do
    if [ -e "$f" ] || [ -L "$f" ]; then echo "$f"; fi
  done <"$work/listed" >"$work/preexisting"
  # Minimal images exclude /usr/share/man from dpkg; the test needs ours.
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
    -o 'DPkg::Options::=--path-include=/usr/share/man/man1/rrt*' "${debs[@]}" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get install $*"; }
  dpkg -L "$@" | grep -vxE '/\.|' | sort -u >"$work/dpkg-L" || fail "dpkg -L $*"
  comm -13 "$work/listed" "$work/dpkg-L" | grep -q . && fail "dpkg -L lists files not in the .debs"
  # Every dependency was already there: apt-get installed ours and no other.
  local added
  added=$(package_set | comm -13 "$work/before" - | cut -d: -f1 | sort | tr '\n' ' ')
  [ "$added" = "$(printf '%s\n' "$@" | sort | tr '\n' ' ')" ] || fail "apt-get installed: $added"
  echo "installed $*: $(wc -l <"$work/dpkg-L") paths"
}

# purge_debs PACKAGE...: removes them and checks that every path they brought is
# gone (directories that were there before stay) and the package set is as
# it was before they were installed.
purge_debs() {
  "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get purge -y -qq "$@" >"$work/apt.log" 2>&1 ||
    { cat "$work/apt.log" >&2; fail "apt-get purge $*"; }
  local p f nleft=0
  for p in "$@"; do installed "$p" && fail "$p is still installed after purge"; done
  while read -r f; do
    if grep -qxF -- "$f" "$work/preexisting"; then
      [ -e "$f" ] || fail "purge removed $f, which was there before"
    elif [ -e "$f" ] || [ -L "$f" ]; then
      echo "left after purge: $f" >&2
      nleft=$((nleft + 1))
    fi
  done <"$work/dpkg-L"
  ((nleft == 0)) || fail "$nleft path(s) of $* left after purge"
  compgen -G '/usr/lib/*/librrt*' >/dev/null && fail "left after purge: $(echo /usr/lib/*/librrt*)"
  [ ! -e /usr/bin/rrt ] || fail "left after purge: /usr/bin/rrt"
  man -w rrt-record >/dev/null 2>&1 && fail "man still finds rrt-record after purge"
  package_set | diff -u "$work/before" - >&2 || fail "the installed packages differ from before"
  echo "purged $*: no file left, package set as before"
}

# use: the installed rrt, as a user runs it.
use() {
  local c
  [ "$(command -v rrt)" = /usr/bin/rrt ] || fail "rrt on PATH is $(command -v rrt), not /usr/bin/rrt"
  rrt --version
  for c in rrt $(rrt help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print "rrt-" $1 }'); do
    man -w "$c" >/dev/null || fail "man -w $c: no page"
  done
  echo "man -w rrt-record: $(man -w rrt-record)"
  MANWIDTH=80 man rrt-record 2>/dev/null | grep -q '^OPTIONS' || fail "man rrt-record: no OPTIONS"
  # Where bash-completion looks, and loaded by it on the first TAB.
  local dir
  dir=$(pkg-config --variable=completionsdir bash-completion 2>/dev/null || echo /usr/share/bash-completion/completions)
  [ -f "$dir/rrt" ] || fail "no completion in $dir"
  bash -c 'source /usr/share/bash-completion/bash_completion; __load_completion rrt; complete -p rrt' |
    grep -q -- '-F _rrt' || fail "bash-completion does not load the rrt completion"
  bash tests/completion_test.sh /usr/bin/rrt "$dir/rrt"
  (
    cd "$work"
    /usr/bin/rrt record -o x.rrt -- /bin/echo hi >record.out
    rrt replay x.rrt >replay.out
    [ "$(cat record.out)" = hi ] || fail "record printed '$(cat record.out)'"
    cmp record.out replay.out || fail "replay printed '$(cat replay.out)'"
    rrt verify x.rrt >/dev/null
    rm -f x.rrt
  )
  echo "recorded and replayed /bin/echo hi with /usr/bin/rrt"
}

package_set >"$work/before"

step "rrt, librrt0, librrt-dev: install"
install_debs rrt librrt0 librrt-dev
step "rrt, librrt0, librrt-dev: use"
use
ldd /usr/bin/rrt | grep -q 'not found' && fail "ldd /usr/bin/rrt: $(ldd /usr/bin/rrt | grep 'not found')"
# Under /usr, no -I or -L for the system's own directories.
flags=$(pkg-config --cflags --libs rrt | xargs)
[ "$flags" = -lrrt ] || fail "pkg-config --cflags --libs rrt: $flags"
bash tests/install_consumer.sh --installed /usr/bin/rrt
step "rrt, librrt0, librrt-dev: purge"
purge_debs rrt librrt0 librrt-dev

step "rrt-static: install, use, purge"
install_debs rrt-static
use
ldd /usr/bin/rrt >/dev/null 2>&1 && fail "/usr/bin/rrt from rrt-static is dynamically linked"
purge_debs rrt-static

step "rrt-static tarball"
tar -xzf "$tarball" -C "$work"
dir=$work/$(basename "$tarball" .tar.gz)
"$dir/bin/rrt" --version
[ -f "$dir/share/man/man1/rrt-replay.1.gz" ] || fail "tarball: no share/man/man1/rrt-replay.1.gz"
[ -f "$dir/share/bash-completion/completions/rrt" ] || fail "tarball: no completion"
ldd "$dir/bin/rrt" >/dev/null 2>&1 && fail "tarball: bin/rrt is dynamically linked"

step "deb_test: packages built, installed, used and purged without a trace"
