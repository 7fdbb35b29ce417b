/* The recording manifest (spec/store.md, section 3): the blob table plus the
 * sequence of writer calls that rebuilds the archive, in file order, so that
 * a pulled archive has the same layout as the one that was pushed. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "storei.h"

static const uint8_t manifest_magic[8] = {0x89, 'R', 'R', 'T',
                                          'M',  'A', 'N', '\n'};

/* Proposed librrt function (requested from the format owner): the
 * checksum-verified payload of indexed section i, malloc'ed (NULL for an
 * empty payload). Declared weak: with a library that lacks it, push keeps
 * only the effective CPUID manifest and the merged metadata. */
extern rrt_status rrt_reader_section_payload(rrt_reader *r, size_t i,
                                             uint8_t **payload, size_t *len,
                                             rrt_error *err)
    __attribute__((weak));

enum {
    OP_END = 0,
    OP_BLOB = 1,
    OP_FILE = 2,
    OP_EVENT = 3,
    OP_FLUSH = 4,
    OP_CPUID = 5,
    OP_META = 6,
};

/* Limits a reader enforces (the archive format's own, spec/format.md). */
#define MAX_PATH_LEN 4096u
#define MAX_KEY_LEN 256u
#define MAX_VALUE_LEN (1u << 20)
#define MAX_EVENT_LEN ((16u << 20) - 15u)
#define MAX_CPUID_LEN (8u << 20)

/* ------------------------------------------------------------------ */
/* Encoding                                                           */

static void put_u8(FILE *f, unsigned v)
{
    fputc((int)(v & 0xff), f);
}

static void put_le(FILE *f, uint64_t v, unsigned n)
{
    for (unsigned i = 0; i < n; i++)
        put_u8(f, (unsigned)(v >> (8 * i)));
}

static void put_varint(FILE *f, uint64_t v)
{
    while (v >= 0x80) {
        put_u8(f, (unsigned)(v | 0x80));
        v >>= 7;
    }
    put_u8(f, (unsigned)v);
}

static void put_str(FILE *f, const void *p, size_t n)
{
    put_varint(f, n);
    fwrite(p, 1, n, f);
}

static rrt_status hash_blob(rrt_reader *r, store_sha256 *h, store_blob_ref *b,
                            uint8_t *buf, size_t bufsize, rrt_error *err)
{
    rrt_blob_stream *s;
    rrt_status st = rrt_blob_stream_open(r, &b->id, &s, err);
    if (st != RRT_OK)
        return st;
    size_t got;
    while ((st = rrt_blob_stream_read(s, buf, bufsize, &got, err)) == RRT_OK &&
           got)
        store_sha256_update(h, buf, got);
    rrt_blob_stream_close(s);
    if (st == RRT_OK)
        store_sha256_final(h, b->sha256);
    return st;
}

rrt_status store_manifest_blobs(rrt_reader *r, store_blob_ref **out, size_t *n,
                                rrt_error *err)
{
    size_t count = rrt_reader_blob_count(r);
    store_blob_ref *b = calloc(count ? count : 1, sizeof(*b));
    if (!b)
        return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < count; i++)
        rrt_reader_blob(r, i, &b[i].id, &b[i].size);
    *out = b;
    *n = count;
    return RRT_OK;
}

rrt_status store_manifest_hash_raw(rrt_reader *r, store_blob_ref *b, size_t n,
                                   rrt_error *err)
{
    uint8_t *buf = malloc(1u << 20);
    store_sha256 *h = store_sha256_new();
    rrt_status st = RRT_OK;
    if (!buf || !h)
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    /* b stays in id order (find_blob); reading goes in file order. */
    for (size_t k = 0; k < n && st == RRT_OK; k++) {
        size_t i = rrt_reader_blob_in_file_order(r, k);
        st = hash_blob(r, h, &b[i], buf, 1u << 20, err);
        b[i].obj_size = b[i].size;
    }
    free(buf);
    store_sha256_free(h);
    return st;
}

static long find_blob(const store_blob_ref *b, size_t n, const rrt_blob_id *id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = rrt_blob_id_cmp(&b[mid].id, id);
        if (c == 0)
            return (long)mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

typedef struct plan {
    rrt_reader *r;
    FILE *out;
    const store_blob_ref *blobs;
    size_t n_blobs;
    bool *emitted;
    size_t next_file;
    rrt_event_iter *events;
} plan;

static void emit_blob(plan *p, long i)
{
    if (i < 0 || p->emitted[i])
        return;
    p->emitted[i] = true;
    put_u8(p->out, OP_BLOB);
    put_varint(p->out, (uint64_t)i);
}

static rrt_status plan_file(plan *p, rrt_error *err)
{
    rrt_file_entry e;
    rrt_status st = rrt_reader_file(p->r, p->next_file++, &e, err);
    if (st != RRT_OK)
        return st;
    /* Writers emit a blob right before the first file that uses it. */
    if (e.flags & RRT_FILE_HAS_BLOB)
        emit_blob(p, find_blob(p->blobs, p->n_blobs, &e.blob));
    put_u8(p->out, OP_FILE);
    put_le(p->out, e.flags, 4);
    put_le(p->out, e.mode, 4);
    put_le(p->out, e.size, 8);
    put_le(p->out, (uint64_t)e.mtime_ns, 8);
    put_le(p->out, e.dev, 8);
    put_le(p->out, e.ino, 8);
    fwrite(e.blob.bytes, 1, 16, p->out);
    put_str(p->out, e.path, strlen(e.path));
    rrt_file_entry_clear(&e);
    return RRT_OK;
}

static rrt_status plan_events(plan *p, uint64_t count, rrt_error *err)
{
    for (uint64_t i = 0; i < count; i++) {
        rrt_event ev;
        rrt_status st = rrt_event_iter_next(p->events, &ev, err);
        if (st == RRT_END)
            return store_fail_msg(err, RRT_E_CORRUPT,
                                  "%s: event stream ends "
                                  "early",
                                  rrt_reader_path(p->r));
        if (st != RRT_OK)
            return st;
        put_u8(p->out, OP_EVENT);
        put_varint(p->out, ev.type);
        put_str(p->out, ev.data, ev.len);
    }
    /* The batch ends here in the original; a flush reproduces the cut. */
    put_u8(p->out, OP_FLUSH);
    return RRT_OK;
}

static rrt_status plan_cpuid(plan *p, rrt_error *err)
{
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(p->r, &m, err);
    if (st != RRT_OK)
        return st;
    uint8_t *data;
    size_t len;
    st = rrt_cpuid_manifest_encode(&m, &data, &len, err);
    rrt_cpuid_manifest_clear(&m);
    if (st != RRT_OK)
        return st;
    put_u8(p->out, OP_CPUID);
    put_str(p->out, data, len);
    free(data);
    return RRT_OK;
}

static rrt_status plan_meta(plan *p, rrt_error *err)
{
    const rrt_meta_entry *meta;
    size_t n;
    rrt_status st = rrt_reader_meta(p->r, &meta, &n, err);
    if (st != RRT_OK)
        return st;
    for (size_t i = 0; i < n; i++) {
        put_u8(p->out, OP_META);
        put_str(p->out, meta[i].key, strlen(meta[i].key));
        put_str(p->out, meta[i].value, strlen(meta[i].value));
    }
    put_u8(p->out, OP_FLUSH);
    return RRT_OK;
}

/* Index of the last section of a type, or SIZE_MAX. */
static size_t last_section(rrt_reader *r, uint32_t type)
{
    size_t last = SIZE_MAX;
    for (size_t i = 0; i < rrt_reader_section_count(r); i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        if (s.type == type)
            last = i;
    }
    return last;
}

static uint64_t next_batch_first(rrt_reader *r, size_t i)
{
    for (size_t j = i + 1; j < rrt_reader_section_count(r); j++) {
        rrt_section_info s;
        rrt_reader_section(r, j, &s);
        if (s.type == RRT_SEC_EVENTS)
            return s.aux;
    }
    rrt_archive_info in;
    rrt_reader_info(r, &in);
    return in.n_events;
}

/* A CPID section replayed as it is: its payload is the canonical encoding
 * of the manifest the writer will re-encode on pull. */
static rrt_status plan_cpuid_section(plan *p, size_t i, rrt_error *err)
{
    uint8_t *data;
    size_t len;
    rrt_status st = rrt_reader_section_payload(p->r, i, &data, &len, err);
    if (st != RRT_OK)
        return st;
    rrt_cpuid_manifest m;
    st = rrt_cpuid_manifest_decode(data, len, &m, err);
    if (st == RRT_OK) {
        rrt_cpuid_manifest_clear(&m);
        put_u8(p->out, OP_CPUID);
        put_str(p->out, data, len);
    }
    free(data);
    return st;
}

/* Bounded readers over a META payload (spec/format.md 3.6). */
static bool meta_varint(const uint8_t **c, const uint8_t *end, uint64_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < 10 && *c < end; i++) {
        uint8_t b = *(*c)++;
        *v |= (uint64_t)(b & 0x7f) << (7 * i);
        if (!(b & 0x80))
            return true;
    }
    return false;
}

static bool meta_str(const uint8_t **c, const uint8_t *end, size_t max,
                     const uint8_t **s, size_t *len)
{
    uint64_t n;
    if (!meta_varint(c, end, &n) || n > max || n > (uint64_t)(end - *c) ||
        memchr(*c, 0, (size_t)n))
        return false;
    *s = *c;
    *len = (size_t)n;
    *c += n;
    return true;
}

/* One META section as META ops and a FLUSH, so that every section of a
 * recorder (start-up keys, then the exit status) is kept apart. */
static rrt_status plan_meta_section(plan *p, size_t i, rrt_error *err)
{
    uint8_t *data;
    size_t len;
    rrt_status st = rrt_reader_section_payload(p->r, i, &data, &len, err);
    if (st != RRT_OK)
        return st;
    const uint8_t *c = data, *end = data + len, *k, *v;
    size_t klen, vlen;
    uint64_t count;
    bool ok = meta_varint(&c, end, &count) && count <= 65536;
    for (uint64_t j = 0; ok && j < count; j++) {
        ok = meta_str(&c, end, MAX_KEY_LEN, &k, &klen) &&
             meta_str(&c, end, MAX_VALUE_LEN, &v, &vlen);
        if (ok) {
            put_u8(p->out, OP_META);
            put_str(p->out, k, klen);
            put_str(p->out, v, vlen);
        }
    }
    ok = ok && c == end;
    free(data);
    if (!ok)
        return store_fail_msg(err, RRT_E_CORRUPT, "%s: bad META section",
                              rrt_reader_path(p->r));
    put_u8(p->out, OP_FLUSH);
    return RRT_OK;
}

static rrt_status plan_sections(plan *p, rrt_error *err)
{
    rrt_reader *r = p->r;
    /* Without per-section access only the effective CPUID manifest and the
     * merged metadata exist: replay them where the last such section was. */
    bool each = rrt_reader_section_payload != NULL;
    size_t last_cpid = last_section(r, RRT_SEC_CPUID);
    size_t last_meta = last_section(r, RRT_SEC_META);
    rrt_status st = RRT_OK;
    for (size_t i = 0; i < rrt_reader_section_count(r) && st == RRT_OK; i++) {
        rrt_section_info s;
        rrt_reader_section(r, i, &s);
        if (s.type == RRT_SEC_FILE) {
            st = plan_file(p, err);
        } else if (s.type == RRT_SEC_EVENTS) {
            uint64_t end = next_batch_first(r, i);
            if (end < s.aux)
                return store_fail_msg(err, RRT_E_CORRUPT,
                                      "%s: event batches "
                                      "out of order",
                                      rrt_reader_path(r));
            st = plan_events(p, end - s.aux, err);
        } else if (s.type == RRT_SEC_CPUID && each) {
            st = plan_cpuid_section(p, i, err);
        } else if (s.type == RRT_SEC_META && each) {
            st = plan_meta_section(p, i, err);
        } else if (s.type == RRT_SEC_CPUID && i == last_cpid) {
            st = plan_cpuid(p, err);
        } else if (s.type == RRT_SEC_META && i == last_meta) {
            st = plan_meta(p, err);
        }
    }
    return st;
}

rrt_status store_manifest_write(rrt_reader *r, FILE *out, unsigned major,
                                const store_blob_ref *b, size_t n,
                                rrt_error *err)
{
    rrt_status st = RRT_OK;
    plan p = {.r = r, .out = out, .blobs = b, .n_blobs = n};
    p.emitted = calloc(n ? n : 1, sizeof(bool));
    if (!p.emitted) {
        st = store_fail_msg(err, RRT_E_NOMEM, "out of memory");
        goto cleanup;
    }
    st = rrt_event_iter_open(r, 0, &p.events, err);
    if (st != RRT_OK)
        goto cleanup;
    fwrite(manifest_magic, 1, sizeof(manifest_magic), out);
    put_le(out, major, 2);
    put_le(out, 0, 2); /* minor */
    put_le(out, 0, 4); /* flags */
    put_varint(out, n);
    for (size_t i = 0; i < n; i++) {
        fwrite(b[i].id.bytes, 1, 16, out);
        put_le(out, b[i].size, 8);
        fwrite(b[i].sha256, 1, 32, out);
        if (major >= 2)
            put_le(out, b[i].obj_size, 8);
    }
    st = plan_sections(&p, err);
    for (size_t i = 0; i < n && st == RRT_OK; i++)
        emit_blob(&p, (long)i);
    put_u8(out, OP_END);
    if (st == RRT_OK && (fflush(out) != 0 || ferror(out)))
        st = store_fail_msg(err, RRT_E_IO, "cannot write the manifest: %s",
                            strerror(errno));
cleanup:
    if (p.events)
        rrt_event_iter_close(p.events);
    free(p.emitted);
    return st;
}

/* ------------------------------------------------------------------ */
/* Decoding: the manifest comes from a server, so every field is checked. */

static bool get_bytes(FILE *f, void *p, size_t n)
{
    return fread(p, 1, n, f) == n;
}

static bool get_le(FILE *f, unsigned n, uint64_t *v)
{
    uint8_t b[8];
    if (!get_bytes(f, b, n))
        return false;
    *v = 0;
    for (unsigned i = 0; i < n; i++)
        *v |= (uint64_t)b[i] << (8 * i);
    return true;
}

static bool get_varint(FILE *f, uint64_t *v)
{
    *v = 0;
    for (unsigned i = 0; i < 10; i++) {
        int c = fgetc(f);
        if (c == EOF)
            return false;
        if (i == 9 && c > 1)
            return false;
        *v |= (uint64_t)(c & 0x7f) << (7 * i);
        if (!(c & 0x80))
            return !(i > 0 && c == 0); /* minimal encoding only */
    }
    return false;
}

/* Reads a str of at most `max` bytes into a NUL-terminated malloc'ed
 * buffer; rejects embedded NULs when `text`. */
static bool get_str(FILE *f, size_t max, bool text, char **out, size_t *len)
{
    uint64_t n;
    if (!get_varint(f, &n) || n > max)
        return false;
    char *p = malloc((size_t)n + 1);
    if (!p)
        return false;
    if (!get_bytes(f, p, (size_t)n) || (text && memchr(p, 0, (size_t)n))) {
        free(p);
        return false;
    }
    p[n] = 0;
    *out = p;
    *len = (size_t)n;
    return true;
}

static rrt_status bad_manifest(rrt_error *err, const char *what)
{
    return store_fail_msg(err, RRT_E_CORRUPT, "recording manifest: %s", what);
}

rrt_status store_manifest_read_blobs(FILE *in, unsigned want,
                                     store_blob_ref **blobs, size_t *n_blobs,
                                     rrt_error *err)
{
    uint8_t magic[8];
    uint64_t major, minor, flags, n;
    if (!get_bytes(in, magic, 8) ||
        memcmp(magic, manifest_magic, sizeof(magic)) != 0)
        return bad_manifest(err, "bad magic (not an rrt store manifest)");
    if (!get_le(in, 2, &major) || !get_le(in, 2, &minor) ||
        !get_le(in, 4, &flags) || !get_varint(in, &n))
        return bad_manifest(err, "truncated header");
    if (major != 1 && major != 2)
        return store_fail_msg(err, RRT_E_VERSION,
                              "recording manifest: "
                              "version %u.%u, this rrt reads 1.x and 2.x",
                              (unsigned)major, (unsigned)minor);
    /* The reference says which layout its objects have; a manifest of the
     * other one would have its digests taken for the wrong objects. */
    if (major != want)
        return bad_manifest(err, "version does not match the store layout "
                                 "of its reference");
    if (flags >> 16)
        return bad_manifest(err, "unknown incompatible flags");
    /* 56 or 64 bytes per entry must be present: do not trust the count
     * for the allocation alone. */
    if (n > (1u << 26))
        return bad_manifest(err, "too many blobs");
    store_blob_ref *b = calloc(n ? (size_t)n : 1, sizeof(*b));
    if (!b)
        return store_fail_msg(err, RRT_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (!get_bytes(in, b[i].id.bytes, 16) || !get_le(in, 8, &b[i].size) ||
            !get_bytes(in, b[i].sha256, 32) ||
            (major >= 2 && !get_le(in, 8, &b[i].obj_size))) {
            free(b);
            return bad_manifest(err, "truncated blob table");
        }
        if (major < 2)
            b[i].obj_size = b[i].size;
        if (i && rrt_blob_id_cmp(&b[i - 1].id, &b[i].id) >= 0) {
            free(b);
            return bad_manifest(err, "blob table not sorted by id");
        }
        if (b[i].size >> 48 || b[i].obj_size >> 48) {
            free(b);
            return bad_manifest(err, "blob too large");
        }
    }
    *blobs = b;
    *n_blobs = (size_t)n;
    return RRT_OK;
}

static rrt_status replay_file(FILE *in, rrt_writer *w, rrt_error *err)
{
    uint64_t flags, mode, size, mtime, dev, ino;
    rrt_file_entry e = {0};
    size_t len;
    if (!get_le(in, 4, &flags) || !get_le(in, 4, &mode) ||
        !get_le(in, 8, &size) || !get_le(in, 8, &mtime) ||
        !get_le(in, 8, &dev) || !get_le(in, 8, &ino) ||
        !get_bytes(in, e.blob.bytes, 16) ||
        !get_str(in, MAX_PATH_LEN, true, &e.path, &len))
        return bad_manifest(err, "truncated or invalid file entry");
    e.flags = (uint32_t)flags;
    e.mode = (uint32_t)mode;
    e.size = size;
    e.mtime_ns = (int64_t)mtime;
    e.dev = dev;
    e.ino = ino;
    rrt_status st = rrt_writer_add_file(w, &e, err);
    free(e.path);
    return st;
}

static rrt_status replay_event(FILE *in, rrt_writer *w, rrt_error *err)
{
    uint64_t type;
    char *data;
    size_t len;
    if (!get_varint(in, &type) || type > UINT32_MAX ||
        !get_str(in, MAX_EVENT_LEN, false, &data, &len))
        return bad_manifest(err, "truncated or invalid event");
    rrt_status st = rrt_writer_add_event(w, (uint32_t)type, data, len, err);
    free(data);
    return st;
}

static rrt_status replay_cpuid(FILE *in, rrt_writer *w, rrt_error *err)
{
    char *data;
    size_t len;
    if (!get_str(in, MAX_CPUID_LEN, false, &data, &len))
        return bad_manifest(err, "truncated CPUID manifest");
    rrt_cpuid_manifest m;
    rrt_status st = rrt_cpuid_manifest_decode(data, len, &m, err);
    free(data);
    if (st != RRT_OK)
        return st;
    st = rrt_writer_set_cpuid(w, &m, err);
    rrt_cpuid_manifest_clear(&m);
    return st;
}

static rrt_status replay_meta(FILE *in, rrt_writer *w, rrt_error *err)
{
    char *key = NULL, *value = NULL;
    size_t klen, vlen;
    rrt_status st;
    if (!get_str(in, MAX_KEY_LEN, true, &key, &klen) ||
        !get_str(in, MAX_VALUE_LEN, true, &value, &vlen))
        st = bad_manifest(err, "truncated or invalid metadata");
    else
        st = rrt_writer_set_meta(w, key, value, err);
    free(key);
    free(value);
    return st;
}

rrt_status store_manifest_replay(FILE *in, const store_blob_ref *blobs,
                                 size_t n_blobs, rrt_writer *w,
                                 store_blob_source src, void *ctx,
                                 rrt_error *err)
{
    rrt_status st = RRT_OK;
    while (st == RRT_OK) {
        int op = fgetc(in);
        uint64_t i;
        switch (op) {
        case OP_END:
            if (fgetc(in) != EOF)
                return bad_manifest(err, "data after the end");
            return RRT_OK;
        case OP_BLOB:
            if (!get_varint(in, &i) || i >= n_blobs)
                return bad_manifest(err, "bad blob reference");
            st = src(ctx, w, &blobs[i], err);
            break;
        case OP_FILE:
            st = replay_file(in, w, err);
            break;
        case OP_EVENT:
            st = replay_event(in, w, err);
            break;
        case OP_FLUSH:
            st = rrt_writer_flush(w, err);
            break;
        case OP_CPUID:
            st = replay_cpuid(in, w, err);
            break;
        case OP_META:
            st = replay_meta(in, w, err);
            break;
        case EOF:
            return bad_manifest(err, "truncated (no end marker)");
        default:
            return bad_manifest(err, "unknown operation");
        }
    }
    return st;
}
