#!/usr/bin/env bash
# Installs rrt's build and test dependencies from Debian 12 packages.
# Idempotent and quick when everything is already there.
set -euo pipefail
packages=(
  build-essential cmake pkg-config git python3
  libarchive-dev libxxhash-dev libbrotli-dev libcmocka-dev   # librrt, pack
  libzydis-dev libcapstone-dev                               # trace: finding CPUID sites (capstone: static build)
  libcurl4-openssl-dev libssl-dev                            # push/pull
  libacl1-dev libnettle8 nettle-dev liblzma-dev libzstd-dev liblz4-dev libbz2-dev zlib1g-dev libxml2-dev libicu-dev  # static build
  clang libclang-rt-14-dev llvm                              # fuzzing
  clang-format                                               # scripts/check_format.sh
  brotli zstd hyperfine strace cpuid bc sqlite3 time          # benchmarks, test inputs
  python3-xxhash python3-brotli                              # tests/spec_reader.py
  libjansson-dev                                             # push/pull: OCI JSON; import
  nginx docker-registry openssl curl                         # push/pull test servers
  dpkg-dev file                                              # cpack -G DEB: dpkg-shlibdeps, ELF detection
  man-db mandoc                                              # man page checks: man -l, lexgrog, mandoc -Tlint
  bash-completion                                            # completion helpers the rrt completion uses, and its test
  skopeo                                                     # push: registry tools copy recordings
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO=sudo
  echo "deps: installing ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
