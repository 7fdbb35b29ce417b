#!/bin/sh
# CLI tests of rrt pack / unpack / export / import: content after the
# originals are gone, dedup, a shared blob store, changed files, SIGKILL at
# many points, export/import round trips and a hostile tar/zip corpus.
# Usage: cli_pack.sh RRT TEST_PACK CORPUS_DIR (TEST_PACK --make-sample
# writes an archive with events, a manifest, metadata and odd paths).
set -eu
RRT=$1
TP=$2
CORPUS=$3
for tool in jq tar awk cmp; do
    command -v $tool > /dev/null || { echo "SKIP: needs $tool"; exit 77; }
done
W=$(mktemp -d /tmp/rrt-cli-pack.XXXXXX)
trap 'rm -rf "$W"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
step() { echo "== $*"; }
json() { "$RRT" info --json "$1" | jq -r "$2"; }

make_src() {
    rm -rf "$W/src"
    mkdir -p "$W/src/sub"
    head -c 300000 /dev/urandom > "$W/src/r1"
    cp "$W/src/r1" "$W/src/sub/r1copy"
    printf 'hello\n' > "$W/src/h"
    cp "$RRT" "$W/src/bin"
}

# Every embedded file's content (rrt cat) equals the saved copy.
check_contents() { # archive saved-root
    "$RRT" ls "$1" | while IFS= read -r p; do
        rel=${p#"$W/src/"}
        "$RRT" cat "$1" "$p" | cmp -s - "$2/$rel" || fail "$p differs"
    done
}

step "pack embeds everything; content survives deleting the originals"
make_src
"$RRT" create -x -o "$W/ext.rrt" "$W/src" "$W/src/h"
rm -rf "$W/saved" && cp -a "$W/src" "$W/saved"
"$RRT" pack -v "$W/ext.rrt" 2> "$W/log"
grep -q "deduplicated: $W/src/sub/r1copy" "$W/log" || fail "no dedup line"
rm -rf "$W/src"
check_contents "$W/ext.rrt" "$W/saved"
[ "$(json "$W/ext.rrt" .files)" = 5 ] || fail "expected 5 files"
[ "$(json "$W/ext.rrt" .blobs)" = 3 ] || fail "same content must be one blob"
"$RRT" ls -l "$W/ext.rrt" | grep -q external && fail "external entry left"
"$RRT" verify "$W/ext.rrt" > /dev/null

step "packing again changes nothing"
cp "$W/ext.rrt" "$W/ext.before"
"$RRT" pack -v "$W/ext.rrt" 2> "$W/log"
grep -q "nothing to do" "$W/log" || fail "no 'nothing to do'"
cmp "$W/ext.rrt" "$W/ext.before"

step "two archives sharing a blob store hold each content once"
make_src
"$RRT" create -x -o "$W/a.rrt" "$W/src"
"$RRT" create -x -o "$W/b.rrt" "$W/src/sub" "$W/src/h" "$W/src/bin"
"$RRT" pack --blob-store "$W/store" "$W/a.rrt"
"$RRT" pack --blob-store "$W/store" -v "$W/b.rrt" 2> "$W/log"
[ "$(find "$W/store" -type f | wc -l)" = 3 ] || fail "store should hold 3"
grep -q "added to the blob store" "$W/log" && fail "b.rrt stored again"
"$RRT" create -x -o "$W/c.rrt" "$W/src"
"$RRT" pack --blob-store "$W/store" --refs -v "$W/c.rrt" 2> "$W/log"
[ "$(json "$W/c.rrt" .blobs)" = 0 ] || fail "--refs embedded content"
grep -q "files: 4 referenced by id" "$W/log" || fail "--refs summary: $(tail -1 "$W/log")"
rm -rf "$W/saved" && cp -a "$W/src" "$W/saved" && rm -rf "$W/src"
"$RRT" pack --blob-store "$W/store" "$W/c.rrt"
check_contents "$W/c.rrt" "$W/saved"

step "a changed file is an error naming it; the input is untouched"
make_src
"$RRT" create -x -o "$W/ch.rrt" "$W/src"
cp "$W/ch.rrt" "$W/ch.orig"
touch -d '+1 hour' "$W/src/h"
if "$RRT" pack "$W/ch.rrt" -o "$W/ch-out.rrt" 2> "$W/log"; then
    fail "pack of a changed file succeeded"
fi
grep -q "$W/src/h: changed" "$W/log" || fail "error does not name the file"
cmp "$W/ch.rrt" "$W/ch.orig"
[ ! -e "$W/ch-out.rrt" ] && [ ! -e "$W/ch-out.rrt.partial" ] || fail "output left"
"$RRT" pack "$W/ch.rrt" 2> "$W/log" && fail "in-place pack succeeded"
cmp "$W/ch.rrt" "$W/ch.orig"
[ ! -e "$W/ch.rrt.partial" ] || fail "in-place pack left a .partial"
[ "$(wc -l < "$W/log")" = 1 ] || fail "error is not one line: $(cat "$W/log")"
grep -q "$W/src/h: changed.*($W/ch.rrt left unchanged)" "$W/log" ||
    fail "one line does not name both files: $(cat "$W/log")"
printf 'HELLO\n' > "$W/src/sub/r1copy"
"$RRT" pack --allow-changed "$W/ch.rrt" 2> "$W/log"
grep -q "warning: $W/src/h" "$W/log" || fail "no warning for h"
grep -q "warning: $W/src/sub/r1copy" "$W/log" || fail "no warning for r1copy"
[ "$("$RRT" cat "$W/ch.rrt" "$W/src/sub/r1copy")" = HELLO ] || fail "content"

step "in place through a symlink packs its target, and keeps the link"
make_src
"$RRT" create -x -o "$W/t.rrt" "$W/src"
ln -s t.rrt "$W/link.rrt"
"$RRT" pack "$W/link.rrt"
[ -L "$W/link.rrt" ] || fail "the symlink was replaced by a file"
"$RRT" ls -l "$W/t.rrt" | grep -q external && fail "the target is not packed"
[ ! -e "$W/link.rrt.partial" ] && [ ! -e "$W/t.rrt.partial" ] || fail ".partial left"

step "export, import and recover refuse to write over their input"
cp "$W/t.rrt" "$W/t.orig"
"$RRT" export "$W/t.rrt" -o "$W/t.tar"
cp "$W/t.tar" "$W/t.tar.orig"
ln -s t.rrt "$W/t-link.tar"
for c in "export $W/t.rrt -f -o $W/t-link.tar" "import $W/t.tar -f -o $W/t.tar" \
         "recover -f -o $W/t-link.tar $W/t.rrt"; do
    # shellcheck disable=SC2086
    "$RRT" $c 2> "$W/log" && fail "'$c' succeeded"
    grep -q "output is the input" "$W/log" || fail "'$c': $(cat "$W/log")"
    [ "$(wc -l < "$W/log")" = 1 ] || fail "'$c': error is not one line"
done
cmp "$W/t.rrt" "$W/t.orig" || fail "an input archive changed"
cmp "$W/t.tar" "$W/t.tar.orig" || fail "an input tar changed"

step "SIGKILL at many points never damages the input"
rm -rf "$W/big" && mkdir "$W/big"
n=0
for f in /usr/lib/x86_64-linux-gnu/*.so* /usr/bin/*; do
    [ -f "$f" ] && [ ! -L "$f" ] || continue
    [ "$(stat -c %s "$f")" -le 8000000 ] || continue
    cp "$f" "$W/big/$n" 2> /dev/null || continue
    n=$((n + 1))
    [ $((n % 20)) = 0 ] && [ "$(du -sm "$W/big" | cut -f1)" -ge 50 ] && break
done
"$RRT" create -x -o "$W/k.rrt" "$W/big"
cp "$W/k.rrt" "$W/k.orig"
# Kill after 0% to 120% of the time a whole pack takes here.
t0=$(date +%s%N)
"$RRT" pack -o "$W/k-full.rrt" "$W/k.rrt"
ms=$((($(date +%s%N) - t0) / 1000000))
echo "$(du -sm "$W/big" | cut -f1) MB in $n files packed in $ms ms"
killed=0
for k in 0 1 2 3 4 5 6 7 8 9 10 12; do
    d=$(awk "BEGIN { print $ms * $k / 10000 }")
    "$RRT" pack -o "$W/k-out.rrt" "$W/k.rrt" 2> /dev/null &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2> /dev/null && killed=$((killed + 1))
    wait "$pid" 2> /dev/null || true
    cmp -s "$W/k.rrt" "$W/k.orig" || fail "input changed (delay $d)"
    if [ -e "$W/k-out.rrt" ]; then # finished before the kill: complete
        "$RRT" verify "$W/k-out.rrt" > /dev/null || fail "bad output ($d)"
    fi
    rm -f "$W/k-out.rrt" "$W/k-out.rrt.partial"
    # In place: the input is either the old bytes or a complete pack.
    "$RRT" pack "$W/k.rrt" 2> /dev/null &
    pid=$!
    sleep "$d"
    kill -9 "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    if ! cmp -s "$W/k.rrt" "$W/k.orig"; then
        "$RRT" verify "$W/k.rrt" > /dev/null || fail "in place damaged ($d)"
        [ "$(json "$W/k.rrt" .files)" = "$(json "$W/k.orig" .files)" ] ||
            fail "in place lost files ($d)"
        cp "$W/k.orig" "$W/k.rrt"
    fi
    rm -f "$W/k.rrt.partial"
done
echo "killed $killed packs to a new name"
[ "$killed" -ge 3 ] || fail "too few packs were interrupted to test anything"

step "export then import gives the same archive"
"$TP" --make-sample "$W/sample.rrt"
strip() { "$RRT" dump --json "$1" | jq -S 'del(.size, .index_offset, .sections)'; }
strip "$W/sample.rrt" > "$W/sample.json"
for ext in tar tar.gz zip; do
    "$RRT" export "$W/sample.rrt" -o "$W/x.$ext" 2> /dev/null
    "$RRT" import "$W/x.$ext" -o "$W/y-$ext.rrt"
    strip "$W/y-$ext.rrt" | cmp -s - "$W/sample.json" || fail "round trip $ext"
done
# import compresses anew (q5 by default): packed.quality must say so, or
# 'rrt pack -q 6' of the import would wrongly find nothing to do.
make_src
"$RRT" create -x -o "$W/q6.rrt" "$W/src"
"$RRT" pack -q 6 "$W/q6.rrt"
"$RRT" export "$W/q6.rrt" -o "$W/q6.tar"
"$RRT" import "$W/q6.tar" -o "$W/q6-imp.rrt"
[ "$(json "$W/q6-imp.rrt" '.meta["packed.quality"]')" = 5 ] ||
    fail "import kept packed.quality $(json "$W/q6-imp.rrt" '.meta["packed.quality"]')"
"$RRT" pack -q 6 -v "$W/q6-imp.rrt" 2> "$W/log"
grep -q "nothing to do" "$W/log" && fail "pack -q 6 of a q5 import did nothing"
"$RRT" unpack "$W/sample.rrt" "$W/unp" 2> /dev/null
[ -f "$W/unp/files/etc/passwd" ] || fail "unpack: ../../etc/passwd not inside"
[ -z "$(find "$W/unp" -perm /7000)" ] || fail "unpack kept setuid"
(cd "$W/unp" && tar cf "$W/re.tar" .)
"$RRT" import "$W/re.tar" -o "$W/re.rrt"
strip "$W/re.rrt" | cmp -s - "$W/sample.json" || fail "round trip via unpack"

step "a failed unpack leaves DIR as it was; DIR must be empty"
python3 - "$W/late.tar" <<'EOF'
import io, sys, tarfile
# the third member, a file where a directory is, fails after the first two
with tarfile.open(sys.argv[1], 'w') as t:
    for name, kind in (('files/d', tarfile.DIRTYPE), ('files/d/in', tarfile.REGTYPE),
                       ('files/d', tarfile.REGTYPE)):
        i = tarfile.TarInfo(name)
        i.type = kind
        i.mode = 0o755 if kind == tarfile.DIRTYPE else 0o644
        data = b'x' * 10 if kind == tarfile.REGTYPE else b''
        i.size = len(data)
        t.addfile(i, io.BytesIO(data))
EOF
"$RRT" unpack "$W/late.tar" "$W/new-dir" 2> "$W/log" && fail "late failure unpacked"
[ "$(wc -l < "$W/log")" = 1 ] || fail "unpack error is not one line: $(cat "$W/log")"
[ ! -e "$W/new-dir" ] || fail "a failed unpack left DIR: $(find "$W/new-dir")"
mkdir "$W/empty-dir"
"$RRT" unpack "$W/late.tar" "$W/empty-dir" 2> /dev/null && fail "late failure unpacked"
[ -d "$W/empty-dir" ] && [ -z "$(ls -A "$W/empty-dir")" ] ||
    fail "a failed unpack changed an empty DIR: $(find "$W/empty-dir")"
"$RRT" unpack "$W/sample.rrt" "$W/empty-dir"
[ -f "$W/empty-dir/meta.json" ] && [ ! -e "$W/empty-dir/.rrt-unpack.partial" ] ||
    fail "unpack into an empty DIR: $(ls -A "$W/empty-dir")"
"$RRT" unpack "$W/sample.rrt" "$W/empty-dir" 2> "$W/log" && fail "unpack into a full DIR"
grep -q "empty-dir: not empty" "$W/log" || fail "full DIR: $(cat "$W/log")"

# a pipe cannot be read twice (check pass, then extraction): say so
mkfifo "$W/fifo.tar"
cat "$W/late.tar" > "$W/fifo.tar" &
"$RRT" unpack "$W/fifo.tar" "$W/pipe-dir" 2> "$W/log" && fail "unpack of a pipe"
kill $! 2> /dev/null || true
wait $! 2> /dev/null || true
grep -q "not a regular file (unpack reads its input twice" "$W/log" ||
    fail "unpack of a pipe: $(cat "$W/log")"

step "hostile tar/zip corpus"
if ! command -v python3 > /dev/null; then
    echo "SKIP: python3 is needed to generate the hostile corpus"
    exit 77
fi
S="$W/sand"
mkdir -p "$S/outside" "$S/target"
echo victim > "$S/outside/victim"
python3 "$CORPUS/gen_corpus.py" "$W/corpus" "$S/outside"
snap() {
    find "$S" -path "$S/target" -prune -o -print0 | sort -z |
        xargs -0 stat -c '%n %s %Y %a %F'
    ls -la /etc/rrt_pwned 2> /dev/null || true
}
snap > "$W/before"
for f in "$W"/corpus/*; do
    name=$(basename "$f")
    find "$S/target" -mindepth 1 -delete
    case $name in
    *setuid*)
        "$RRT" unpack "$f" "$S/target" || fail "$name: unpack failed"
        [ -n "$(find "$S/target" -type f)" ] || fail "$name: nothing written"
        [ -z "$(find "$S/target" -perm /7000)" ] || fail "$name: kept setuid"
        ;;
    *)
        if "$RRT" unpack "$f" "$S/target" 2> "$W/log"; then
            fail "$name: unpack accepted it"
        fi
        grep -q "rrt: " "$W/log" || fail "$name: no error message"
        [ -z "$(find "$S/target" -mindepth 1)" ] || fail "$name: wrote files"
        ;;
    esac
    if "$RRT" import "$f" -o "$W/imp.rrt" 2> /dev/null; then
        fail "$name: import accepted it"
    fi
    [ ! -e "$W/imp.rrt" ] && [ ! -e "$W/imp.rrt.partial" ] || fail "$name: output"
    snap > "$W/after"
    cmp -s "$W/before" "$W/after" || fail "$name: wrote outside the target"
    echo "ok $name"
done
step "import says why it cannot open its input"
rm -f "$W/x.rrt"
"$RRT" import "$W/nonexistent.tar" -o "$W/x.rrt" 2> "$W/log" && fail "imported nothing"
grep -q "nonexistent.tar: cannot open: No such file or directory" "$W/log" ||
    fail "no reason: $(cat "$W/log")"
"$RRT" import "$W/corpus" -o "$W/x.rrt" 2> "$W/log" && fail "imported a directory"
grep -q "corpus: cannot read: Is a directory" "$W/log" || fail "$(cat "$W/log")"
[ ! -e "$W/x.rrt" ] || fail "output left"

# mk_export OUT.tar FILES_JSON CPUID_JSON: an export with one member, files/a
mk_export() {
    python3 - "$@" << 'EOF'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w", format=tarfile.PAX_FORMAT) as t:
    for name, data in [("cpuid.json", sys.argv[3]), ("files.json", sys.argv[2]),
                       ("files/a", "hi\n")]:
        ti = tarfile.TarInfo(name)
        ti.size = len(data.encode())
        t.addfile(ti, io.BytesIO(data.encode()))
EOF
}
repeat() { awk -v s="$1" -v n="$2" 'BEGIN { while (i++ < n) printf "%s", s }'; }

step "import names its input, not its output, for what the writer refuses"
mk_export "$W/long.tar" "[{\"path\": \"/$(repeat a 4097)\", \"flags\": 2}]" null
"$RRT" import "$W/long.tar" -o "$W/x.rrt" 2> "$W/log" && fail "4098-byte path"
grep -q "^rrt: $W/long.tar: files.json: file path is empty or longer" "$W/log" ||
    fail "$(cat "$W/log")"
for bad in '"flags": 256' '"records": [[1, 0, 2, 0, 0, 0, 0]]' \
           '"records": [[1, 5, 0, 0, 0, 0, 0]]'; do
    mk_export "$W/cpu.tar" '[]' "{\"vendor\": \"GenuineIntel\", $bad}"
    "$RRT" import "$W/cpu.tar" -o "$W/x.rrt" 2> "$W/log" &&
        fail "imported a manifest no reader accepts: $bad"
    grep -q "^rrt: $W/cpu.tar: cpuid.json: CPUID manifest: invalid" "$W/log" ||
        fail "$(cat "$W/log")"
    [ ! -e "$W/x.rrt" ] || fail "output left"
done

step "export and import keep a path of the format's full length"
deep="$(repeat d/ 2047)f"
mk_export "$W/deep.tar" "[{\"path\": \"/$deep\", \"flags\": 0, \"member\": \"files/a\"}]" null
"$RRT" import "$W/deep.tar" -o "$W/deep.rrt"
"$RRT" export "$W/deep.rrt" -o "$W/deep-out.tar"
"$RRT" import "$W/deep-out.tar" -o "$W/deep2.rrt" 2> "$W/log" ||
    fail "export of a 4096-byte path does not import: $(cut -c1-200 "$W/log")"
[ "$("$RRT" cat "$W/deep2.rrt" "/$deep")" = hi ] || fail "content lost"

step "a failed unpack removes even entries deeper than PATH_MAX"
# the deep file is written first, then a 300-byte name fails: all must go
mk_export "$W/deepfail.tar" "[{\"path\": \"/$deep\", \"flags\": 0, \"member\": \"files/a\"}, {\"path\": \"/$(repeat z 300)\", \"flags\": 0, \"member\": \"files/a\"}]" null
"$RRT" import "$W/deepfail.tar" -o "$W/deepfail.rrt"
"$RRT" unpack "$W/deepfail.rrt" "$W/du" 2> /dev/null && fail "unpacked a 300-byte name"
[ ! -e "$W/du" ] || fail "failed unpack left $(ls -A "$W/du")"
mkdir "$W/du"
"$RRT" unpack "$W/deepfail.rrt" "$W/du" 2> /dev/null && fail "unpacked a 300-byte name"
[ -z "$(ls -A "$W/du")" ] || fail "failed unpack left $(ls -A "$W/du")"

echo "all pack CLI tests passed"
