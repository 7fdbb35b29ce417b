#!/usr/bin/env bash
# Installs the build into a temporary prefix, then builds a small reader
# program against it twice (pkg-config, find_package) and runs both.
#   install_consumer.sh BUILD_DIR RRT [CFLAGS]
#   install_consumer.sh --installed RRT   the system's librrt (librrt-dev)
set -euo pipefail
build=$1 rrt=$2 cflags=${3:-}
tmp=$(mktemp -d /tmp/rrt-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
if [ "$build" = --installed ]; then
  # Found where a user's build finds it: default pkg-config and CMake paths.
  lib=$(pkg-config --variable=libdir rrt)/librrt.so
  rpath=() prefix_path=()
else
  cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
  lib=$tmp/prefix/lib/librrt.so
  export PKG_CONFIG_PATH=$tmp/prefix/lib/pkgconfig
  rpath=(-Wl,-rpath,"$tmp/prefix/lib") prefix_path=(-DCMAKE_PREFIX_PATH="$tmp/prefix")
fi
[ -f "$lib" ] || { echo "install_consumer: no $lib" >&2; exit 1; }
extra=$(nm -D --defined-only "$lib" | awk '{print $3}' | grep -v '^rrt_' || true)
if [ -n "$extra" ]; then
  echo "librrt.so exports symbols outside the rrt_ API: $extra" >&2
  exit 1
fi
cat > "$tmp/use.c" <<'C'
#include <rrt/rrt.h>
#include <stdio.h>
int main(int argc, char **argv)
{
    rrt_reader *r;
    rrt_error e;
    if (argc < 2 || rrt_reader_open(argv[1], &r, &e) != RRT_OK)
        return 1;
    rrt_archive_info i;
    rrt_reader_info(r, &i);
    printf("%zu files\n", i.n_files);
    rrt_reader_close(r);
    return 0;
}
C
echo hello > "$tmp/f.txt"
"$rrt" create -o "$tmp/a.rrt" "$tmp/f.txt"
cc $cflags "$tmp/use.c" $(pkg-config --cflags --libs rrt) ${rpath[@]+"${rpath[@]}"} -o "$tmp/use-pc"
[ "$("$tmp/use-pc" "$tmp/a.rrt")" = "1 files" ]
mkdir "$tmp/cm"
cat > "$tmp/cm/CMakeLists.txt" <<C
cmake_minimum_required(VERSION 3.20)
project(use C)
find_package(rrt REQUIRED)
add_executable(use-cm $tmp/use.c)
target_link_libraries(use-cm rrt::rrt)
C
cmake -S "$tmp/cm" -B "$tmp/cm/b" ${prefix_path[@]+"${prefix_path[@]}"} -DCMAKE_C_FLAGS="$cflags" \
  -DCMAKE_EXE_LINKER_FLAGS="$cflags" >/dev/null
cmake --build "$tmp/cm/b" >/dev/null
[ "$("$tmp/cm/b/use-cm" "$tmp/a.rrt")" = "1 files" ]
echo "install_consumer: pkg-config and find_package(rrt) builds both read an archive"
