#!/bin/sh
# Writes rrt.1 and one rrt-COMMAND.1 per command into OUTDIR (plus .1.gz
# copies to install), from what the built rrt prints for `rrt help` and
# `rrt help COMMAND`: the binary lists its commands, so a module left out
# of the build has no page.
# Usage: gen_man.sh OUTDIR DESCRIPTION DATE RRT [ARG...]
# RRT [ARG...] runs rrt, e.g. an emulator then the binary when cross-compiling.
set -eu
out=$1 desc=$2 date=$3
shift 3
awk_script=$(dirname "$0")/help2roff.awk
export LC_ALL=C

mkdir -p "$out"
rm -f "$out"/*.1 "$out"/*.1.gz
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

version=$("$@" --version | awk 'NR == 1 { print $1, $2 }')
"$@" help >"$tmp/rrt.txt"
commands=$(awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }' \
  "$tmp/rrt.txt" | tr '\n' ' ')
if [ -z "$commands" ]; then
  echo "gen_man.sh: '$* help' lists no commands" >&2
  exit 1
fi

page() { # NAME HELPFILE [awk args]
  name=$1 file=$2
  shift 2
  awk -v page="$name" -v version="$version" -v date="$date" -v desc="$desc" \
    -v commands="$commands" "$@" -f "$awk_script" "$file" >"$tmp/$name.1"
  mv "$tmp/$name.1" "$out/$name.1"
  gzip -9n <"$out/$name.1" >"$out/$name.1.gz"
}

page rrt "$tmp/rrt.txt" -v top=1
for c in $commands; do
  "$@" help "$c" >"$tmp/$c.txt"
  page "rrt-$c" "$tmp/$c.txt"
done
