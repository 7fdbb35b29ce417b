#!/usr/bin/python3
"""An independent .rrt reader written from spec/format.md and spec/events.md only.

It checks every rule those documents state that a reader can check, and prints
the JSON that `rrt dump --json` prints. Exit 0 ok, 1 corrupt or mismatch, 2 usage,
77 when the xxhash or brotli module is missing.
"""
import json
import os
import re
import sys

try:
    import brotli
    import xxhash
except ImportError as e:
    print(f"spec_reader: skipped: {e}", file=sys.stderr)
    sys.exit(77)

MAGIC = b"\x89RRT\r\n\x1a\n"
END_MAGIC = b"\x89RRTEND\n"
MIB16 = 16 << 20
FLAG_X86, FLAG_SHARED = 1 << 16, 1 << 17
KNOWN_INCOMPAT = FLAG_X86 | FLAG_SHARED
M32 = 0xFFFFFFFF


class Corrupt(Exception):
    pass


def need(cond, msg):
    if not cond:
        raise Corrupt(msg)


class Cursor:
    """Bounds-checked little-endian reader over buf[pos:end)."""

    def __init__(self, buf, pos=0, end=None):
        self.buf, self.pos = buf, pos
        self.end = len(buf) if end is None else end

    def left(self):
        return self.end - self.pos

    def bytes(self, n, what="field"):
        need(0 <= n <= self.left(), f"truncated {what}")
        b = self.buf[self.pos:self.pos + n]
        self.pos += n
        return bytes(b)

    def uint(self, n, what="field"):
        return int.from_bytes(self.bytes(n, what), "little")

    def u8(self, w="u8"): return self.uint(1, w)
    def u32(self, w="u32"): return self.uint(4, w)
    def u64(self, w="u64"): return self.uint(8, w)

    def varint(self, what="varint"):
        v = 0
        for k in range(10):
            b = self.u8(what)
            v |= (b & 0x7F) << (7 * k)
            if not b & 0x80:
                need(k == 0 or b != 0, f"non-minimal {what}")
                need(v < 1 << 64, f"{what} over 64 bits")
                return v
        raise Corrupt(f"{what} longer than 10 bytes")

    def u32v(self, what="u32v"):
        v = self.varint(what)
        need(v < 1 << 32, f"{what} >= 2^32")
        return v

    def svarint(self, what="svarint"):
        v = self.varint(what)
        return (v >> 1) ^ -(v & 1)

    def str(self, what, lo, hi):
        n = self.varint(what + " length")
        need(lo <= n <= hi, f"{what} length {n} outside {lo}..{hi}")
        s = self.bytes(n, what)
        need(b"\0" not in s, f"NUL in {what}")
        return s

    def done(self, what):
        need(self.pos == self.end, f"{self.end - self.pos} bytes after {what}")


def xxh64(b):
    return xxhash.xxh3_64_intdigest(bytes(b))


def xxh128(b):
    return xxhash.xxh3_128_digest(bytes(b))  # canonical: high half first, big-endian


# --- 3.1.1 the x86 filter, from the spec's pseudocode -------------------------
ALLOWED = (1, 1, 1, 0, 1, 0, 0, 0)
BITNO = (0, 1, 2, 2, 3, 3, 3, 3)
OPCODE = re.compile(rb"[\xe8\xe9]")


def near(b):
    return b in (0x00, 0xFF)


def x86_code(buf, encode):
    n = len(buf)
    if n < 5:
        return buf
    mask, prev, i = 0, -5 & M32, 0
    while True:
        m = OPCODE.search(buf, i, n - 4)  # i <= n - 5
        if not m:
            return buf
        i = m.start()
        d = (i - prev) & M32
        prev = i
        if d > 5:
            mask = 0
        else:
            for _ in range(d):
                mask = (mask & 0x77) << 1
        b = buf[i + 4]
        if near(b) and ALLOWED[(mask >> 1) & 7] and (mask >> 1) < 0x10:
            src = int.from_bytes(buf[i + 1:i + 5], "little")
            while True:
                dest = (src + (i + 5) if encode else src - (i + 5)) & M32
                if mask == 0:
                    break
                k = BITNO[mask >> 1]
                if not near((dest >> (24 - 8 * k)) & 0xFF):
                    break
                src = dest ^ ((1 << (32 - 8 * k)) - 1)
            buf[i + 1:i + 4] = (dest & 0xFFFFFF).to_bytes(3, "little")
            buf[i + 4] = 0xFF if dest >> 24 & 1 else 0x00
            i += 5
            mask = 0
        else:
            i += 1
            mask |= 1
            if near(b):
                mask |= 0x10


# --- the archive -------------------------------------------------------------
def decode_data(method, raw_size, data, what):
    """3.1: method 0 stored, 1 brotli (2 is 1 then x86_decode, done by the caller)."""
    if method == 0:
        need(len(data) == raw_size, f"{what}: stored data {len(data)} != raw size {raw_size}")
        return data
    try:
        out = brotli.decompress(data)  # rejects input left over after the stream
    except brotli.error as e:
        raise Corrupt(f"{what}: brotli: {e}")
    need(len(out) == raw_size, f"{what}: brotli gives {len(out)} bytes, raw size {raw_size}")
    return out


class Archive:
    def __init__(self, data):
        self.d = data
        self.sections = {}   # offset -> (type, flags, length)
        self.chunks = {}     # CHNK offset -> payload Cursor, then (method, R, data, raw bytes)
        self.blobs = {}      # id -> (offset, size, descriptor)
        self.filtered = {}   # offset of a CHNK -> its filtered bytes F (method 2)
        self.pieces = 0
        self.read()

    # Header (2) and footer (4)
    def read(self):
        d = self.d
        need(len(d) >= 16 and d[:8] == MAGIC, "not an rrt archive")
        c = Cursor(d, 8)
        self.major, self.minor, self.flags = c.uint(2), c.uint(2), c.u32()
        need(self.major == 1, f"format {self.major}.{self.minor}, this reader reads 1.x")
        need(not self.flags & 0xFFFF0000 & ~KNOWN_INCOMPAT,
             f"unknown incompatible header flags {self.flags:#x}")
        need(len(d) >= 16 + 48 + 32, "too short for header, index and footer")
        f = Cursor(d, len(d) - 32)
        self.index_off, index_size, csum = f.u64(), f.u64(), f.u64()
        need(f.bytes(8) == END_MAGIC, "bad end magic")
        need(csum == xxh64(d[:16] + d[-32:-16]), "footer checksum mismatch")
        need(self.index_off >= 16 and index_size >= 48, "index offset or size too small")
        need(self.index_off + index_size + 32 == len(d), "index offset + size + 32 != file size")
        typ, sflags, payload = self.section_at(self.index_off)
        need(typ == b"INDX" and 16 + len(payload) + 8 == index_size, "footer does not name an INDX")
        self.index_flags = sflags
        self.scan()
        self.read_index(Cursor(payload))

    def section_at(self, off, end=None):
        end = self.index_off if end is None else end
        end = len(self.d) - 32 if off == self.index_off else end
        c = Cursor(self.d, off, end)
        typ, flags, length = c.bytes(4, "section header"), c.u32(), c.u64()
        need(length <= 1 << 30, f"section at {off}: payload length {length} > 2^30")
        payload = c.bytes(length, f"section {typ!r} at {off}")
        need(c.u64("section checksum") == xxh64(self.d[off:off + 16 + length]),
             f"section {typ!r} at {off}: checksum mismatch")
        if off == self.index_off:
            c.done("INDX")
        return typ, flags, payload

    # The body, sections back to back from 16 to the index (3, 8)
    def scan(self):
        off = 16
        self.files, self.batches, self.cpid, self.meta_secs = [], [], None, []
        self.csit = {}  # key -> (N, sites), later sections replacing earlier
        while off < self.index_off:
            typ, flags, p = self.section_at(off)
            self.sections[off] = (typ, flags, len(p))
            what = f"{typ.decode('latin-1')} at {off}"
            need(typ != b"INDX", f"{what}: a second INDX")
            parse = {b"CHNK": self.chnk, b"BLOB": self.blob, b"FILE": self.file,
                     b"EVTS": self.evts, b"CPID": self.cpid_sec, b"META": self.meta_sec,
                     b"CSIT": self.csit_sec}.get(typ)
            if parse:
                parse(off, Cursor(p), what)
            else:
                need(not flags & 1, f"requires section type {typ!r}")
            off += 16 + len(p) + 8
        need(off == self.index_off, "body sections do not end at the index offset")

    def chnk(self, off, c, what):
        self.chunks[off] = c  # decoded when a descriptor names it: orphans are only checksummed (8)

    def chunk_header(self, off, what):
        c = self.chunks[off]
        if not isinstance(c, Cursor):
            return c[1]
        method = c.u8()
        need(c.bytes(3) == b"\0\0\0", f"{what}: reserved bytes not 0")
        raw = c.u32()
        need(1 <= raw <= MIB16, f"{what}: raw size {raw}")
        need(method in (0, 1, 2), f"{what}: method {method}")
        need(method != 2 or self.flags & FLAG_X86, f"{what}: method 2 without X86_FILTER")
        self.chunks[off] = (method, raw, c.bytes(c.left()), None)
        return raw

    def chunk(self, off, what):
        method, raw, data, out = self.chunks[off]
        if out is None:
            out = decode_data(min(method, 1), raw, data, what)
            if method == 2:
                self.filtered[off] = out
                out = bytes(x86_code(bytearray(out), encode=False))
            self.chunks[off] = (method, raw, data, out)
        return out

    def blob(self, off, c, what):
        bid, size, csize, n = c.bytes(16), c.u64(), c.u32(), c.u32()
        need(bid not in self.blobs, f"{what}: id {bid.hex()} twice")
        need(size < 1 << 48, f"{what}: size {size} > 2^48")

        def chunk_ref():
            co, h = c.u64(), c.u64()
            need(co < off and self.sections.get(co, (b"",))[0] == b"CHNK",
                 f"{what}: chunk offset {co} is not an earlier CHNK")
            return co, h, self.chunk_header(co, f"CHNK at {co}")

        if csize == 0:  # 3.2.1, a piece of a shared chunk
            need(self.flags & FLAG_SHARED, f"{what}: piece without SHARED_CHUNKS")
            need(1 <= size <= MIB16 and n == 1 and c.left() == 24, f"{what}: bad piece descriptor")
            co, h, raw = chunk_ref()
            p = c.u64()
            need(p + size <= MIB16 and p + size <= raw, f"{what}: piece past its chunk")
            parts = [(co, h, p, size)]
            self.pieces += 1
        else:
            need(4096 <= csize <= MIB16, f"{what}: chunk size {csize}")
            need(n == -(-size // csize), f"{what}: chunk count {n} for size {size}")
            need(c.left() == 16 * n, f"{what}: length is not 32 + 16*N")
            parts = []
            for i in range(n):
                length = min(size, (i + 1) * csize) - i * csize
                co, h, raw = chunk_ref()
                need(raw == length, f"{what}: chunk {i} raw size {raw} != {length}")
                parts.append((co, h, 0, length))
        c.done(what)
        self.blobs[bid] = (off, size, parts)

    def blob_bytes(self, bid):
        off, size, parts = self.blobs[bid]
        out = bytearray()
        for co, h, p, n in parts:
            piece = self.chunk(co, f"CHNK at {co}")[p:p + n]
            need(xxh64(piece) == h, f"blob {bid.hex()}: chunk at {co}: XXH3-64 mismatch")
            out += piece
        need(len(out) == size and xxh128(out) == bid, f"blob {bid.hex()}: id mismatch")
        return bytes(out)

    def file(self, off, c, what):
        flags, mode, size, mtime = c.u32(), c.u32(), c.u64(), c.u64()
        dev, ino, bid = c.u64(), c.u64(), c.bytes(16)
        path = c.str("path", 1, 4096)
        c.done(what)
        need(flags in (1, 2, 3), f"{what}: flags {flags}")
        if not flags & 2:
            need(dev == 0 and ino == 0, f"{what}: dev/ino of an embedded file")
        if flags & 1:
            need(flags & 2 or bid in self.blobs, f"{what}: blob {bid.hex()} not before it")
            need(flags & 2 or self.blobs[bid][1] == size, f"{what}: size != blob size")
        else:
            need(bid == bytes(16), f"{what}: blob id without HAS_BLOB")
        mtime -= (mtime >> 63) << 64
        self.files.append({"path": path.decode("latin-1"), "flags": flags, "mode": mode,
                           "size": size, "mtime_ns": mtime, "dev": dev, "ino": ino,
                           "blob": bid.hex() if flags & 1 else ""})

    def evts(self, off, c, what):
        first, count, method = c.u64(), c.u32(), c.u8()
        need(c.bytes(3) == b"\0\0\0", f"{what}: reserved bytes not 0")
        raw = c.u32()
        need(count >= 1 and 1 <= raw <= MIB16 and method in (0, 1), f"{what}: bad batch header")
        expect = self.batches[-1][0] + len(self.batches[-1][1]) if self.batches else 0
        need(first == expect, f"{what}: first {first}, stream is at {expect}")
        e = Cursor(decode_data(method, raw, c.bytes(c.left()), what))
        events = []
        for _ in range(count):
            typ = e.u32v("event type")
            events.append((typ, e.bytes(e.varint("event length"), "event payload")))
        e.done(f"{what}: {count} events")
        self.batches.append((first, events, off))

    def cpid_sec(self, off, c, what):
        vendor = c.bytes(12)
        v = vendor.split(b"\0", 1)[0]
        need(vendor == v.ljust(12, b"\0"), f"{what}: byte after NUL in vendor")
        flags, xcr0 = c.u32(), c.u64()
        need(flags < 16, f"{what}: flags {flags:#x}")
        name = c.str("mask name", 0, 63)

        def table(width, rec):
            n = c.varint()
            need(n <= 65536 and n * width <= c.left(), f"{what}: count {n}")
            rows = [[c.u32() for _ in range(width // 4)] for _ in range(n)]
            keys = [tuple(r[:2]) for r in rows]
            need(all(a < b for a, b in zip(keys, keys[1:])), f"{what}: list not sorted")
            if rec:
                need(all(r[2] in (0, 1) and (r[2] or r[1] == 0) for r in rows),
                     f"{what}: bad record flags or subleaf")
            return rows

        recs, masks, queried = table(28, True), table(28, True), table(8, False)
        c.done(what)
        self.cpid = {"vendor": v.decode("latin-1"), "flags": flags, "xcr0": xcr0,
                     "mask_name": name.decode("latin-1"), "records": recs,
                     "masks": masks, "queried": queried}

    def meta_sec(self, off, c, what):
        n = c.varint()
        need(n <= 65536, f"{what}: count {n}")
        kv = [(c.str("key", 1, 256), c.str("value", 0, 1 << 20)) for _ in range(n)]
        c.done(what)
        need(all(a[0] < b[0] for a, b in zip(kv, kv[1:])), f"{what}: keys not increasing")
        self.meta_secs.append(kv)

    def csit_sec(self, off, c, what):
        k = c.varint()
        need(1 <= k <= 65536, f"{what}: count {k}")
        prev = None
        for i in range(k):
            key, n_code, n = c.bytes(16, "key"), c.varint("length"), c.varint("sites")
            need(prev is None or prev < key, f"{what}: entry {i}: keys not increasing")
            prev = key
            need(2 <= n_code <= 1 << 48, f"{what}: entry {i}: length {n_code}")
            need(n <= n_code // 2 and n <= 1 << 24, f"{what}: entry {i}: {n} sites")
            sites, s = [], 0
            for j in range(n):
                d = c.varint("delta")
                need(j == 0 or d >= 2, f"{what}: entry {i}: site {j} overlaps")
                s += d
                need(s + 2 <= n_code, f"{what}: entry {i}: site {j} past the code")
                sites.append(s)
            self.csit[key] = (n_code, sites)
        c.done(what)

    # 3.7: the index must describe exactly what the scan found
    def read_index(self, c):
        s, b, e = c.u64(), c.u64(), c.u64()
        need(s <= c.end // 32 and b <= c.end // 32 and c.end == 24 + 32 * (s + b),
             "INDX length != 24 + 32*S + 32*B")
        listed, last = set(), -1
        for _ in range(s):
            typ, flags, off, length, aux = c.bytes(4), c.u32(), c.u64(), c.u64(), c.u64()
            need(off > last, "section table not in increasing offset order")
            last = off
            need(self.sections.get(off) == (typ, flags, length),
                 f"section table entry {typ!r} at {off} does not match the body")
            need(typ not in (b"CHNK", b"BLOB"), f"section table lists {typ!r}")
            want = next((b[0] for b in self.batches if b[2] == off), 0)
            need(aux == want, f"section table entry at {off}: aux {aux} != {want}")
            listed.add(off)
        need(listed == {o for o, t in self.sections.items() if t[0] not in (b"CHNK", b"BLOB")},
             "section table does not list every FILE/EVTS/CPID/META/CSIT section")
        ids = []
        for _ in range(b):
            bid, off, size = c.bytes(16), c.u64(), c.u64()
            need(self.blobs.get(bid, (None, None))[:2] == (off, size),
                 f"blob table entry {bid.hex()} does not match a BLOB")
            ids.append(bid)
        need(all(x < y for x, y in zip(ids, ids[1:])), "blob table not sorted by id")
        need(len(ids) == len(self.blobs), "blob table does not list every BLOB")
        self.blob_ids = ids
        need(e == sum(len(x[1]) for x in self.batches), f"INDX E = {e} != events in the stream")

    def summary(self):
        meta = {}
        for kv in self.meta_secs:
            meta.update((k.decode("latin-1"), v.decode("latin-1")) for k, v in kv)
        order = sorted(o for o, t in self.sections.items() if t[0] not in (b"CHNK", b"BLOB"))
        return {
            "format": f"{self.major}.{self.minor}",
            "header_flags": self.flags, "size": len(self.d), "index_offset": self.index_off,
            "sections": [{"type": self.sections[o][0].decode("latin-1"), "flags": self.sections[o][1],
                          "offset": o, "length": self.sections[o][2],
                          "aux": next((b[0] for b in self.batches if b[2] == o), 0)} for o in order],
            "blobs": [{"id": i.hex(), "size": self.blobs[i][1]} for i in self.blob_ids],
            "files": self.files, "cpuid": self.cpid, "meta": dict(sorted(meta.items())),
            "events": [{"seq": f + k, "type": t, "data": p.hex()}
                       for f, evs, _ in self.batches for k, (t, p) in enumerate(evs)],
        }


# --- events.md: decode each known payload, then check the ordering rules ----
def decode_event(typ, p):
    c = Cursor(p)
    v, u, sv = c.varint, c.u32v, c.svarint

    def blob(n=None):
        b = c.bytes(c.varint("bytes length"), "bytes")
        need(n is None or len(b) == n, f"fixed-size bytes field of {len(b)}")
        return b

    def check(cond, what):
        need(cond, f"type {typ}: bad {what}")

    e = {"type": typ}
    if typ == 1:  # SYSCALL
        e.update(tid=u(), nr=u(), args=[v() for _ in range(6)], ret=sv(), flags=u())
        f, n = e["flags"], v()
        check(f < 0x20 and n <= c.left() // 2, "flags or n_mem")
        e["mem"] = [(v(), blob()) for _ in range(n)]
        e["file"] = v() if f & 1 else None
        if f & 2:
            e["stream"], e["stdio"] = u(), blob()
            check(e["stream"] in (1, 2) and len(e["stdio"]) == e["ret"] > 0, "stdio")
        check(not f & 4 or (e["ret"] == 0 and not e["mem"]), "ENTRY_ONLY")
        check(not f & 0x10 or not e["mem"], "FORCED")
    elif typ == 2:  # RDTSC
        e.update(tid=u(), rdtscp=c.u8(), tsc=c.u64(), aux=u())
        check(e["rdtscp"] in (0, 1) and (e["rdtscp"] or e["aux"] == 0), "rdtscp")
    elif typ == 3:  # CPUID
        e.update(tid=u(), leaf=u(), subleaf=u(), regs=[c.u32() for _ in range(4)])
    elif typ == 4:  # SIGNAL
        e.update(tid=u(), signo=u(), sync=c.u8(), siginfo=blob(128))
        check(1 <= e["signo"] <= 64 and e["sync"] in (0, 1), "signo or sync")
    elif typ == 5:  # EXIT
        e.update(tid=u(), killed=u(), code=u())
        check(e["code"] <= 255 if e["killed"] == 0 else e["killed"] == 1 and 1 <= e["code"] <= 64,
              "killed or code")
    elif typ == 6:  # CLONE
        e.update(tid=u(), child=u(), flags=v())
    elif typ == 7:  # EXEC
        e.update(tid=u(), file=v(), at_random=blob(16))
        n = v()
        check(n <= 64, "n_auxv")
        e["auxv"] = [(v(), v()) for _ in range(n)]
        # AT_SYSINFO_EHDR (33) stays when the recorder kept the (patched) vDSO
        e["interp"] = v() if c.left() else 0
    elif typ == 8:  # EXEC_SCRIPT
        e.update(tid=u(), file=v())
    elif typ == 9:  # SIGNAL_FRAME
        e.update(tid=u(), regs=[v() for _ in range(27)], mask=c.u64(), frame=blob())
        check(len(e["frame"]) <= 1 << 20, "frame")
    elif typ == 10:  # XGETBV
        e.update(tid=u(), xcr=u(), value=c.u64())
    elif typ == 11:  # SYSCALLBUF
        e.update(tid=u(), flags=u())
        n = v()
        check(e["flags"] < 2 and 1 <= n <= 32768 and n <= c.left() // 4, "flags or n")
        e["records"] = [(u(), sv(), v(), blob()) for _ in range(n)]
    elif typ == 12:  # SYSCALLBUF_PATCH
        e.update(tid=u(), rip=v(), stub=v(), stub_bytes=blob(), site=v(), site_bytes=blob())
        check(len(e["stub_bytes"]) <= 48 and 5 <= len(e["site_bytes"]) <= 11, "stub or site")
    elif typ == 13:  # SYSCALLBUF_INIT
        e.update(tid=u(), base=v(), image=blob())
        e["out"] = [(c.u8(), v(), v()) for _ in range(2)]
        check(len(e["image"]) <= 1 << 16 and all(ok < 2 for ok, _, _ in e["out"]), "image or out")
    elif typ == 16:  # PREEMPT
        e.update(tid=u(), resume=c.u8())
        check(e["resume"] < 2, "resume")
    elif typ == 17:  # DETACH
        e.update(tid=u())
    elif typ == 18:  # SHARED_MAP
        e.update(tid=u(), object=u())
    elif typ == 19:  # SHARED_WRITE
        e.update(tid=u(), object=u(), offset=v(), data=blob())
        check(len(e["data"]) <= 1 << 26 and e["offset"] + len(e["data"]) < 1 << 64, "data")
    elif typ == 20:  # CPUID_PATCH
        e.update(tid=u(), stub=v(), stub_bytes=blob(), site=v(), site_bytes=blob())
        check(1 <= len(e["stub_bytes"]) <= 48 and 5 <= len(e["site_bytes"]) <= 16, "stub or site")
    else:  # a type this reader does not know is skipped (events.md 1)
        return e
    c.done(f"event type {typ}")
    return e


def check_stream(events, nfiles):
    """events.md 2: the ordering rules a reader can see in a complete stream."""
    evs = [decode_event(t, p) for t, p in events]
    for i, e in enumerate(evs):
        prev = evs[i - 1] if i else None
        # the call before, past its own SHARED_MAP / SHARED_WRITE (rule 8)
        j = i - 1
        while j >= 0 and evs[j]["type"] in (18, 19) and evs[j]["tid"] == e["tid"]:
            j -= 1
        call = evs[j] if j >= 0 else None
        where = f"event {i}"
        for k in ("file",):
            need(e.get(k) is None or e[k] < nfiles, f"{where}: file index {e.get(k)}")
        need(e["type"] != 7 or e.get("interp", 0) <= nfiles, f"{where}: interp")
        if i == 0:
            need(e["type"] == 1 and e["flags"] & 8, f"{where}: first event is not an INITIAL SYSCALL")
        if e["type"] == 7:
            need(prev and prev["type"] == 1 and prev["nr"] == 59 and prev["ret"] == 0
                 and prev["tid"] == e["tid"], f"{where}: EXEC not after its execve")
        if e["type"] == 8:
            need(prev and prev["type"] == 7 and prev["tid"] == e["tid"], f"{where}: EXEC_SCRIPT")
        if e["type"] == 9:
            need(prev and prev["type"] == 4 and prev["tid"] == e["tid"], f"{where}: SIGNAL_FRAME")
        if e["type"] == 12 and e["rip"] == 0:
            # patched ahead (protocol 3): after the process's SYSCALLBUF_INIT or the
            # SYSCALL of the mmap that mapped the code, past the other patches made there
            k = j
            while k >= 0 and evs[k]["tid"] == e["tid"] and (
                    evs[k]["type"] in (18, 19, 20) or (evs[k]["type"] == 12 and evs[k]["rip"] == 0)):
                k -= 1
            at = evs[k] if k >= 0 else None
            need(at and at["tid"] == e["tid"] and (at["type"] == 13 or at["type"] == 1),
                 f"{where}: SYSCALLBUF_PATCH ahead")
        elif e["type"] == 12:
            need(call and call["type"] == 1 and call["tid"] == e["tid"], f"{where}: SYSCALLBUF_PATCH")
        if e["type"] == 13:
            need(prev and prev["type"] in (7, 8) and prev["tid"] == e["tid"], f"{where}: SYSCALLBUF_INIT")
        if e["type"] == 20:
            # rule 10: after the mmap/mprotect's SYSCALL (past its rule 8 events, the
            # CPUID_PATCH events and the syscall sites patched ahead there), or after
            # SYSCALLBUF_INIT
            k = i - 1
            while k >= 0 and evs[k]["tid"] == e["tid"] and (
                    evs[k]["type"] in (18, 19, 20) or (evs[k]["type"] == 12 and evs[k]["rip"] == 0)):
                k -= 1
            at = evs[k] if k >= 0 else None
            need(at and at["tid"] == e["tid"] and (at["type"] == 13 or (
                at["type"] == 1 and at["nr"] in (9, 10))), f"{where}: CPUID_PATCH")
        if prev and prev["type"] == 1 and prev["nr"] == 59 and prev["ret"] == 0:
            need(e["type"] == 7, f"{where}: successful execve without EXEC")


def main(argv):
    args, expect, extract, stats = [], None, None, False
    it = iter(argv)
    for a in it:
        if a == "--expect":
            expect = next(it)
        elif a == "--extract":
            extract = next(it)
        elif a == "--stats":
            stats = True
        else:
            args.append(a)
    if len(args) != 1:
        print("usage: spec_reader.py [--expect DUMP.json] [--extract DIR] FILE.rrt", file=sys.stderr)
        return 2
    try:
        with open(args[0], "rb") as f:
            a = Archive(f.read())
        for bid in a.blob_ids:
            content = a.blob_bytes(bid)
            if extract:
                with open(os.path.join(extract, bid.hex()), "wb") as f:
                    f.write(content)
        s = a.summary()
        if stats:
            methods = [c[0] for c in a.chunks.values() if isinstance(c, tuple)]
            print(f"spec_reader: chunks by method {[methods.count(m) for m in (0, 1, 2)]}, "
                  f"blobs {len(a.blobs)}, pieces {a.pieces}, CPUID site regions {len(a.csit)}",
                  file=sys.stderr)
        if s["meta"].get("tool") == "rrt record" or "exe" in s["meta"]:
            check_stream([e for _, evs, _ in a.batches for e in evs], len(a.files))
    except Corrupt as e:
        print(f"spec_reader: {args[0]}: {e}", file=sys.stderr)
        return 1
    if expect:
        with open(expect) as f:
            want = json.load(f)
        bad = [k for k in want.keys() | s.keys() if want.get(k) != s.get(k)]
        for k in sorted(bad):
            print(f"spec_reader: {args[0]}: {k} differs:\n  reader: {json.dumps(s.get(k))[:600]}"
                  f"\n  rrt:    {json.dumps(want.get(k))[:600]}", file=sys.stderr)
        return 1 if bad else 0
    json.dump(s, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
