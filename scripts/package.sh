#!/usr/bin/env bash
# Builds rrt's Debian packages and static tarball into DIR (default out/pkg):
#   rrt_V_ARCH.deb          the rrt tool, man pages, bash completion
#   librrt0_V_ARCH.deb      the shared library
#   librrt-dev_V_ARCH.deb   headers, librrt.so/.a, rrt.pc, CMake package
#   rrt-static_V_ARCH.deb   a statically linked rrt (replaces rrt), for replay hosts
#   rrt-static-V-linux-x86_64.tar.gz   the same, to copy anywhere
# Each from its own build tree configured for /usr (out/deb, out/deb-static).
# Needs dpkg-dev and file (scripts/deps.sh): dpkg-shlibdeps computes the
# packages' dependencies from their binaries.
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
out=${RRT_OUT:-$src/out}
pkg=${1:-$out/pkg}
cd "$src"

scripts/build.sh "$out/deb" -DCMAKE_INSTALL_PREFIX=/usr -DRRT_TESTS=OFF -DRRT_WERROR=ON
scripts/build.sh "$out/deb-static" -DCMAKE_INSTALL_PREFIX=/usr -DRRT_STATIC=ON -DRRT_TESTS=OFF \
  -DRRT_WERROR=ON
mkdir -p "$pkg"
rm -f "$pkg"/*.deb "$pkg"/*.tar.gz
for tree in "$out/deb" "$out/deb-static"; do
  # cpack stages in _CPack_Packages under -B; keep that in the build tree.
  (cd "$tree" && cpack -B "$tree/cpack" >/dev/null)
  find "$tree/cpack" -maxdepth 1 \( -name '*.deb' -o -name '*.tar.gz' \) -exec mv -t "$pkg" {} +
done
ls -l "$pkg"
