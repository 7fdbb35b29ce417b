#!/usr/bin/env bash
# Checks that module dependencies point one way (README, Layout):
#   util <- format <- trace <- record, replay <- cli
#   format <- pack, verify, push <- cli
# by reading every #include "..." line of each module's sources and
# finding which module's folder the header lives in. Library code never
# includes cli/cli.h; only a module's *_cmd.c files may. Exits 1 and names
# each wrong arrow.
set -euo pipefail
cd "$(dirname "$0")/.."

modules=(util format trace record replay pack verify push cli)
declare -A allowed=(
  [util]=""
  [format]="util"
  [trace]="format util"
  [record]="trace format util"
  [replay]="trace format util"
  [pack]="format util"
  [verify]="format util"
  [push]="format util"
  [cli]="util format trace record replay pack verify push"
)

# header basename -> module, for every header in a module's folder
declare -A owner=()
for m in "${modules[@]}"; do
  [ -d "$m" ] || continue
  while IFS= read -r h; do
    b=$(basename "$h")
    if [ -n "${owner[$b]:-}" ] && [ "${owner[$b]}" != "$m" ]; then
      echo "check_deps: header name $b is in both ${owner[$b]}/ and $m/" >&2
      exit 1
    fi
    owner[$b]=$m
  done < <(find "$m" -name '*.h' -not -path '*/out/*')
done

# librrt's internals: only format/ itself (and in-tree tests) may use them
declare -A private=()
for h in format/src/*.h; do private[$(basename "$h")]=1; done

bad=0
for m in "${modules[@]}"; do
  [ -d "$m" ] || continue
  while IFS= read -r f; do
    while IFS= read -r h; do
      b=$(basename "$h")
      d=${owner[$b]:-}
      [ -z "$d" ] || [ "$d" = "$m" ] && continue
      if [ -n "${private[$b]:-}" ]; then
        echo "$f: includes $h, librrt's private header (format/src/)" >&2
        bad=1
        continue
      fi
      if [ "$d" = cli ]; then
        case $f in
          *_cmd.c | cli/*) continue ;;
        esac
        echo "$f: includes $h: only *_cmd.c files may include the CLI header" >&2
        bad=1
        continue
      fi
      case " ${allowed[$m]} " in
        *" $d "*) ;;
        *) echo "$f: includes $h from $d/: $m/ must not depend on $d/" >&2
           bad=1 ;;
      esac
    done < <(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f")
  done < <(find "$m" -name '*.[ch]' -not -name 'test_*' -not -path '*/out/*')
done
if [ "$bad" -ne 0 ]; then
  echo "check_deps: wrong dependency arrows (see README, Layout)" >&2
  exit 1
fi
echo "check_deps: dependencies point one way"
