#!/bin/bash
# The bash completion as a shell uses it: sources bash-completion and rrt's
# completion, sets COMP_WORDS/COMP_CWORD as bash would on TAB, calls the
# completion function and checks COMPREPLY.
#   bash tests/completion_test.sh RRT_BINARY COMPLETION_FILE
# Exits 77 (skipped) when bash-completion is not installed.
set -u
RRT=$(realpath "$1")
COMPLETION=$(realpath "$2")
BASH_COMPLETION=${BASH_COMPLETION:-/usr/share/bash-completion/bash_completion}
if [ ! -r "$BASH_COMPLETION" ]; then
    echo "SKIP: $BASH_COMPLETION not found (Debian package bash-completion)" >&2
    exit 77
fi
# shellcheck source=/dev/null
source "$BASH_COMPLETION"
# shellcheck source=/dev/null
source "$COMPLETION"

T=$(mktemp -d /tmp/rrt_completion.XXXXXX)
trap 'rm -rf "$T"' EXIT
# Completion runs "rrt" from PATH, as an installed one would be.
mkdir "$T/bin" "$T/work" "$T/work/sub.d"
ln -s "$RRT" "$T/bin/rrt"
PATH=$T/bin:$PATH
cd "$T/work" || exit 1
touch a.rrt b.rrt notes.txt
failures=0

# complete LINE: completes at the end of LINE; sets COMPREPLY.
complete_line() {
    COMP_LINE=$1
    COMP_POINT=${#COMP_LINE}
    read -ra COMP_WORDS <<<"$COMP_LINE"
    [[ $COMP_LINE == *" " ]] && COMP_WORDS+=("")
    COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
    COMPREPLY=()
    _rrt rrt "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}" 2>"$T/err"
    # Outside a real TAB, bash refuses compopt; anything else is an error.
    if grep -v 'compopt: not currently executing completion function' "$T/err" >&2; then
        echo "FAIL: '$1<TAB>' wrote to stderr" >&2
        failures=$((failures + 1))
    fi
}

got() { printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '; }

expect() { # LINE WANT: COMPREPLY is exactly WANT (sorted, space-separated)
    complete_line "$1"
    local have
    have=$(got)
    if [ "$have" != "$2 " ]; then
        echo "FAIL: '$1<TAB>' offered '$have', expected '$2'" >&2
        failures=$((failures + 1))
    fi
}

expect_has() { # LINE WORD...: COMPREPLY includes every WORD
    local line=$1 w
    shift
    complete_line "$line"
    for w in "$@"; do
        if ! printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
            echo "FAIL: '$line<TAB>' offered '$(got)', missing '$w'" >&2
            failures=$((failures + 1))
        fi
    done
}

expect_lacks() { # LINE WORD...
    local line=$1 w
    shift
    complete_line "$line"
    for w in "$@"; do
        if printf '%s\n' "${COMPREPLY[@]}" | grep -qxF -- "$w"; then
            echo "FAIL: '$line<TAB>' offered '$w'" >&2
            failures=$((failures + 1))
        fi
    done
}

# Commands come from `rrt help`, whatever modules this build has.
expect "rrt rec" "record recover"
expect "rrt help ver" "verify"
commands=$("$RRT" help | awk '/^Commands:/ { on = 1; next } on && /^  [a-z]/ { print $1 } on && /^$/ { exit }')
complete_line "rrt "
[ "$(got)" = "$(printf '%s\n' help $commands | sort | tr '\n' ' ')" ] ||
    { echo "FAIL: 'rrt <TAB>' offered '$(got)'" >&2; failures=$((failures + 1)); }
expect "rrt --v" "--version"

# Options come from the command's own help.
expect_has "rrt record --" --output --cpuid-mode --cpu-mask --embed --embed= --keep-env --help
expect_lacks "rrt record --" --blobs --host
expect "rrt record --cpu-m" "--cpu-mask"
expect "rrt verify --ag" "--against"
expect_has "rrt ls -" -l --long -b --blobs

# Archives: .rrt files (and directories to descend into), not other files.
expect "rrt verify " "a.rrt b.rrt sub.d"
expect "rrt info b" "b.rrt"
expect "rrt replay --stats " "a.rrt b.rrt sub.d"
# Option arguments: files for FILE, nothing for a number.
expect "rrt verify --against " "a.rrt b.rrt notes.txt sub.d"
expect "rrt pack -j " ""
# record: the program and its own arguments.
expect_has "rrt record -o x.rrt -- ech" echo
expect_has "rrt record --stats ech" echo
expect_has "rrt record -o x.rrt -- ls --" --all
expect "rrt record -o " "a.rrt b.rrt notes.txt sub.d"

if [ "$failures" -ne 0 ]; then
    echo "completion_test: $failures failure(s)" >&2
    exit 1
fi
echo "completion_test: commands, options, .rrt files and program names complete"
