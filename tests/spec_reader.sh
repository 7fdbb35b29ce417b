#!/bin/bash
# Checks spec/format.md against the implementation: tests/spec_reader.py, a
# reader written from the spec alone, must read the golden vectors and a fresh
# archive exactly as `rrt dump --json` and `rrt cat` do, and reject damage.
#   bash tests/spec_reader.sh RRT_BINARY SOURCE_DIR
# Exit 77 (skip) when no python3 has the xxhash and brotli modules.
set -u
RRT=$1
SRC=$2
READER=$SRC/tests/spec_reader.py
T=$(mktemp -d /tmp/rrt_spec_reader.XXXXXX)
trap 'rm -rf "$T"' EXIT
failures=0
fail() {
    echo "FAIL: $*" >&2
    failures=$((failures + 1))
}

# Debian's python3-xxhash/python3-brotli live in /usr/bin/python3's path only.
PY=
for p in /usr/bin/python3 python3; do
    if "$p" -c 'import xxhash, brotli' 2>/dev/null; then PY=$p; break; fi
done
[ -n "$PY" ] || { echo "skipped: no python3 with the xxhash and brotli modules" >&2; exit 77; }
reader() { "$PY" "$READER" "$@"; }

# --- golden vectors ----------------------------------------------------------
for v in "$SRC"/spec/vectors/*.rrt; do
    reader --expect "${v%.rrt}.json" "$v" || fail "vector $(basename "$v")"
done

# --- fresh archives of real files --------------------------------------------
mkdir -p "$T/in/libs"
seq 1 3000 | sed 's/^/a line of text /' >"$T/in/text.txt"
printf 'hello\n' >"$T/in/hello.txt"
: >"$T/in/empty"
head -c 1500000 /dev/urandom >"$T/in/big.bin"
cp "$RRT" "$T/in/rrt"
# A large library (filtered chunks) and small ones (filtered shared chunks).
for l in /usr/lib/x86_64-linux-gnu/libc.so.6 \
    $(find /usr/lib/x86_64-linux-gnu -maxdepth 1 -name 'lib*.so*' -type f -size -60k | sort | head -6); do
    [ -f "$l" ] && cp -L "$l" "$T/in/libs/"
done

check_archive() { # NAME CREATE-OPTIONS...
    local name=$1 x=$T/$1.rrt
    shift
    "$RRT" create -o "$x" "$@" "$T/in" 2>"$T/$name.err" || { fail "$name: create: $(cat "$T/$name.err")"; return; }
    "$RRT" dump --json "$x" >"$T/$name.json" || { fail "$name: rrt dump"; return; }
    mkdir "$T/$name.blobs"
    reader --stats --expect "$T/$name.json" --extract "$T/$name.blobs" "$x" 2>"$T/$name.stats" ||
        fail "$name: reader: $(cat "$T/$name.stats")"
    cat "$T/$name.stats" >&2
    for b in "$T/$name.blobs"/*; do
        "$RRT" cat "$x" "$(basename "$b")" | cmp -s - "$b" || fail "$name: blob $(basename "$b") differs from rrt cat"
    done
    [ "$(ls "$T/$name.blobs" | wc -l)" -ge 8 ] || fail "$name: too few blobs extracted"
    find "$T/in" -type f | while read -r f; do
        "$RRT" cat "$x" "$f" | cmp -s - "$f" || echo "$f"
    done >"$T/$name.badcat"
    [ -s "$T/$name.badcat" ] && fail "$name: rrt cat differs from the input for $(head -1 "$T/$name.badcat")"
}
check_archive default
check_archive small -C 65536 -q 3
check_archive plain --no-filter --no-shared-chunks
# The features under test must be in use: filtered chunks, pieces.
grep -Eq 'method \[[0-9]+, [0-9]+, [1-9][0-9]*\], blobs [0-9]+, pieces [1-9]' "$T/default.stats" ||
    fail "default archive uses no filtered chunk or no piece: $(cat "$T/default.stats")"
grep -q 'pieces 0' "$T/plain.stats" || fail "plain archive has pieces"

# --- damage must be rejected ---------------------------------------------------
# A recording with the syscall buffer: every event, types 11-13 included,
# decodes by the spec's tables alone and keeps the ordering rules; the
# buffer's events are there.
if "$RRT" record --syscall-buffer -o "$T/sb.rrt" -- /bin/sh -c \
    'cat "$1" "$1" >/dev/null; ls "$2" >/dev/null' sh "$T/in/text.txt" "$T/in" \
    >/dev/null 2>"$T/sb.err"; then
    "$RRT" dump --json "$T/sb.rrt" >"$T/sb.json" || fail "sb: rrt dump"
    reader --expect "$T/sb.json" "$T/sb.rrt" || fail "sb: the reader disagrees with rrt"
    for t in SYSCALLBUF SYSCALLBUF_PATCH SYSCALLBUF_INIT; do
        "$RRT" dump "$T/sb.rrt" | grep -q "^event [0-9]* $t " || fail "sb: no $t event recorded"
    done
else
    grep -q "unknown command\|not built" "$T/sb.err" || fail "sb: rrt record: $(tail -2 "$T/sb.err")"
fi

flip() { # FILE OFFSET: xor the byte at OFFSET with 0x01
    "$PY" -c 'import sys; p, o = sys.argv[1], int(sys.argv[2]); d = bytearray(open(p, "rb").read())
d[o] ^= 1; open(p, "wb").write(d)' "$1" "$2"
}
V=$SRC/spec/vectors/files.rrt
size=$(stat -c %s "$V")
# header flags, first section type, first section payload, footer index offset, end magic
for off in 12 16 40 $((size - 32)) $((size - 1)); do
    cp "$V" "$T/bad.rrt"
    flip "$T/bad.rrt" "$off"
    reader "$T/bad.rrt" >/dev/null 2>&1 && fail "reader accepted files.rrt with byte $off flipped"
done
# Damage that section checksums cannot see: change a chunk hash in every
# BLOB and its piece offset, and re-seal the checksums.
"$PY" - "$READER" "$V" "$T" <<'EOF' || fail "re-sealed damage"
import importlib.util, subprocess, sys
spec = importlib.util.spec_from_file_location("r", sys.argv[1]); r = importlib.util.module_from_spec(spec)
spec.loader.exec_module(r)
data = open(sys.argv[2], "rb").read()
a = r.Archive(data)
for n, (off, size, _) in enumerate(a.blobs.values()):
    pl, L = off + 16, int.from_bytes(data[off + 8:off + 16], "little")
    piece = data[pl + 24:pl + 28] == bytes(4)
    for field in (40, 48) if piece else (40,):  # first chunk hash; piece offset P
        d = bytearray(data)
        d[pl + field] ^= 1
        d[pl + L:pl + L + 8] = r.xxh64(d[off:pl + L]).to_bytes(8, "little")
        p = f"{sys.argv[3]}/sealed{n}_{field}.rrt"
        open(p, "wb").write(d)
        if subprocess.run([sys.executable, sys.argv[1], p], capture_output=True).returncode != 1:
            sys.exit(f"reader accepted {p}")
EOF

# CPUID sites (3.8) that break the rules, checksums re-sealed: a site delta
# below 2, and a site past its region.
"$PY" - "$READER" "$SRC/spec/vectors/sites.rrt" "$T" <<'EOF' || fail "re-sealed CSIT damage"
import importlib.util, subprocess, sys
spec = importlib.util.spec_from_file_location("r", sys.argv[1]); r = importlib.util.module_from_spec(spec)
spec.loader.exec_module(r)
data = open(sys.argv[2], "rb").read()
a = r.Archive(data)
off = next(o for o, t in sorted(a.sections.items()) if t[0] == b"CSIT")
pl, L = off + 16, int.from_bytes(data[off + 8:off + 16], "little")
for n, (old, new) in enumerate(((b"\x05\x0c", b"\x05\x01"), (b"\x05\x0c", b"\x05\x0e"))):
    d = bytearray(data)
    i = d.index(old, pl, pl + L)
    d[i:i + 2] = new
    d[pl + L:pl + L + 8] = r.xxh64(d[off:pl + L]).to_bytes(8, "little")
    p = f"{sys.argv[3]}/csit{n}.rrt"
    open(p, "wb").write(d)
    if subprocess.run([sys.executable, sys.argv[1], p], capture_output=True).returncode != 1:
        sys.exit(f"reader accepted {p}")
EOF

[ "$failures" -eq 0 ] || { echo "$failures failure(s)" >&2; exit 1; }
echo "spec reader agrees with rrt"
