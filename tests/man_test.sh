#!/bin/bash
# The generated man pages against the help they come from: one page per
# command `rrt help` lists, each renders with man(1) without warnings, passes
# mandoc's lint where mandoc is installed, has a NAME line lexgrog (whatis)
# can read, shows every section of the help text, and says every word of it.
#   bash tests/man_test.sh RRT_BINARY MAN1_DIR
# Exits 77 (skipped) when man-db is not installed.
set -u
RRT=$1
DIR=$2
export LC_ALL=C.UTF-8
for tool in man lexgrog; do
    if ! command -v "$tool" >/dev/null; then
        echo "SKIP: no $tool (Debian package man-db)" >&2
        exit 77
    fi
done
T=$(mktemp -d /tmp/rrt_man.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

commands=$("$RRT" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
want=$(printf '%s\n' rrt $(printf 'rrt-%s\n' $commands) | sort)
have=$(cd "$DIR" && ls -- *.1 | sed 's/\.1$//' | sort)
[ "$want" = "$have" ] || fail "pages in $DIR: $(echo $have), expected: $(echo $want)"
if ! command -v mandoc >/dev/null; then
    echo "man_test: no mandoc (Debian package mandoc): lint skipped" >&2
fi

words() { tr -cs 'A-Za-z0-9' '\n' | grep -v '^$' | sort -u; }

for page in $want; do
    f=$DIR/$page.1
    [ -f "$f" ] || continue
    [ -f "$f.gz" ] && zcat "$f.gz" | cmp -s - "$f" || fail "$page: $f.gz is not $f compressed"
    if command -v mandoc >/dev/null && ! mandoc -Tlint -W warning "$f" >&2; then
        fail "$page: mandoc -Tlint"
    fi
    whatis=$(lexgrog "$f" 2>&1)
    [[ $whatis == *"\"$page - "* ]] || fail "$page: lexgrog reads: $whatis"
    # A wide page, so that no word is hyphenated across lines.
    MANWIDTH=1000 man --warnings -l "$f" >"$T/page" 2>"$T/warn" || fail "$page: man -l failed"
    [ -s "$T/warn" ] && fail "$page: man -l warns: $(head -3 "$T/warn")"
    if [ "$page" = rrt ]; then
        "$RRT" help >"$T/help"
        sections="NAME SYNOPSIS DESCRIPTION COMMANDS $(grep -xF 'EXIT STATUS' "$T/help" | tr ' ' '_')"
    else
        "$RRT" help "${page#rrt-}" >"$T/help"
        sections=$(grep -E '^[A-Z]' "$T/help" | tr ' ' '_')
    fi
    for s in $sections; do
        grep -qxF -- "${s//_/ }" "$T/page" || fail "$page: no section '${s//_/ }'"
    done
    missing=$(comm -23 <(words <"$T/help") <(words <"$T/page") | grep -vxE 'Usage|Commands' | tr '\n' ' ')
    [ -z "$missing" ] || fail "$page: words of the help text missing from the page: $missing"
done

if [ "$failures" -ne 0 ]; then
    echo "man_test: $failures failure(s)" >&2
    exit 1
fi
echo "man_test: $(echo $want | wc -w) pages render, lint clean, say what rrt help says"
