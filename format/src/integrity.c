/* Full integrity check (rrt verify) and salvage of a damaged or unfinished
 * archive (rrt recover). Both walk the body section by section. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrti_xxhash.h"

#include "rrti.h"

typedef struct scanned {
    uint32_t type;
    uint32_t flags;
    uint64_t offset;
    uint64_t length;
    bool used;     /* CHNK: some descriptor refers to it */
    bool checked;  /* payload read and its checksum verified */
    uint64_t user; /* CHNK: offset of the descriptor that uses it */
} scanned;

typedef struct scan_list {
    scanned *v;
    size_t n, cap;
} scan_list;

static bool scan_push(scan_list *l, const rrti_section *s)
{
    scanned *p = rrtx_grow(l->v, &l->cap, l->n + 1, sizeof(*p));
    if (!p)
        return false;
    l->v = p;
    l->v[l->n++] = (scanned){s->type, s->flags, s->offset, s->length,
                             false,   false,    UINT64_MAX};
    return true;
}

static scanned *scan_find(const scan_list *l, uint64_t off)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].offset == off)
            return &l->v[mid];
        if (l->v[mid].offset < off)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Verify                                                             */

typedef struct vctx {
    const char *path;
    rrt_problem_fn fn;
    void *ctx;
    rrt_verify_report *rep;
    rrt_error first;
    char last[sizeof(((rrt_error *)0)->message)];
    bool pieces; /* the header declares shared chunks */
} vctx;

static void problem(vctx *v, const rrt_error *e)
{
    /* The same damage is often met twice (body scan, then blob read). */
    if (strcmp(v->last, e->message) == 0)
        return;
    snprintf(v->last, sizeof(v->last), "%s", e->message);
    if (v->rep->problems++ == 0)
        v->first = *e;
    if (v->fn)
        v->fn(v->ctx, e->message);
}

static void problemf(vctx *v, rrt_status st, uint64_t off, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void problemf(vctx *v, rrt_status st, uint64_t off, const char *fmt, ...)
{
    rrt_error e;
    va_list ap;
    va_start(ap, fmt);
    rrtx_vfail(&e, st, 0, v->path, off, fmt, ap);
    va_end(ap);
    problem(v, &e);
}

/* Reads a scanned section again and checks its checksum. */
static bool check_section(vctx *v, int fd, scanned *x)
{
    rrti_section s = {x->type, x->flags, x->offset, x->length};
    uint8_t *p;
    rrt_error e;
    if (rrti_read_section_payload(fd, v->path, &s, &p, &e) != RRT_OK) {
        problem(v, &e);
        return false;
    }
    free(p);
    x->checked = true;
    return true;
}

/* The scan failed at `off`: if an unchecked chunk before it is damaged,
 * its length may be what led the scan astray, so that chunk is the damage
 * to report. Returns the offset up to which the body is sound. */
static uint64_t resolve_scan_failure(vctx *v, int fd, scan_list *l,
                                     uint64_t off, const rrt_error *e)
{
    for (size_t i = 0; i < l->n; i++) {
        scanned *x = &l->v[i];
        if (x->type == RRT_SEC_CHUNK && !x->checked &&
            !check_section(v, fd, x)) {
            uint64_t at = x->offset;
            v->rep->sections -= l->n - i;
            l->n = i;
            return at;
        }
    }
    problem(v, e);
    return off;
}

/* Walks the body section by section and checks every checksum, except
 * those of chunks: they are checked when their blobs are read
 * (check_blobs), so each chunk is read once; check_unread_chunks covers
 * the rest. Returns the offset the scan reached: `end` when the whole
 * body is sound. */
static uint64_t scan_body(vctx *v, int fd, uint64_t end, scan_list *l)
{
    uint64_t off = RRTI_HEADER_SIZE;
    while (off < end) {
        rrti_section s;
        rrt_error e;
        uint8_t *p = NULL;
        if (rrti_read_section_header(fd, v->path, off, end, &s, &e) != RRT_OK ||
            (s.type != RRT_SEC_CHUNK &&
             rrti_read_section_payload(fd, v->path, &s, &p, &e) != RRT_OK))
            /* no way to find the next section boundary */
            return resolve_scan_failure(v, fd, l, off, &e);
        free(p);
        if (!scan_push(l, &s)) {
            problemf(v, RRT_E_NOMEM, off, "out of memory");
            return off;
        }
        l->v[l->n - 1].checked = s.type != RRT_SEC_CHUNK;
        v->rep->sections++;
        off += RRTI_SECTION_OVERHEAD + s.length;
    }
    return off;
}

/* Cross-checks the index against the part of the body that was scanned
 * (up to `reached`); past a damaged section nothing can be matched, and
 * reporting every later entry would bury the one real problem. */
static void check_index_vs_body(vctx *v, rrt_reader *r, scan_list *l,
                                uint64_t reached, uint64_t end)
{
    size_t listed = 0, blobs = 0;
    for (size_t i = 0; i < rrt_reader_section_count(r); i++) {
        rrt_section_info e;
        rrt_reader_section(r, i, &e);
        if (e.offset >= reached)
            continue;
        scanned *s = scan_find(l, e.offset);
        char fc[5];
        if (!s || s->type != e.type || s->length != e.length)
            problemf(v, RRT_E_CORRUPT, e.offset,
                     "index entry %zu (%s) matches no section in the body", i,
                     rrti_fourcc(e.type, fc));
    }
    for (size_t i = 0; i < rrt_reader_blob_count(r); i++) {
        uint64_t off = rrti_reader_blob_offset(r, i);
        if (off >= reached)
            continue;
        scanned *s = scan_find(l, off);
        if (!s || s->type != RRT_SEC_BLOB)
            problemf(v, RRT_E_CORRUPT, off,
                     "index blob entry %zu matches no blob descriptor", i);
    }
    if (reached < end)
        return;
    for (size_t i = 0; i < l->n; i++) {
        uint32_t t = l->v[i].type;
        if (t == RRT_SEC_BLOB)
            blobs++;
        else if (t != RRT_SEC_CHUNK)
            listed++;
    }
    if (listed != rrt_reader_section_count(r))
        problemf(v, RRT_E_CORRUPT, UINT64_MAX,
                 "body holds %zu indexable sections, index lists %zu", listed,
                 rrt_reader_section_count(r));
    if (blobs != rrt_reader_blob_count(r))
        problemf(v, RRT_E_CORRUPT, UINT64_MAX,
                 "body holds %zu blob descriptors, index lists %zu", blobs,
                 rrt_reader_blob_count(r));
}

/* Marks the chunks of every blob descriptor in the body as used. */
static void mark_chunks(vctx *v, int fd, scan_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].type != RRT_SEC_BLOB)
            continue;
        rrti_section s = {l->v[i].type, l->v[i].flags, l->v[i].offset,
                          l->v[i].length};
        uint8_t *p;
        rrt_error e;
        rrti_blob_desc d;
        if (rrti_read_section_payload(fd, v->path, &s, &p, &e) != RRT_OK) {
            problem(v, &e);
            continue;
        }
        if (rrti_decode_blob(p, (size_t)s.length, s.offset, v->pieces, &d,
                             v->path, &e) != RRT_OK) {
            problem(v, &e);
            free(p);
            continue;
        }
        free(p);
        for (uint32_t k = 0; k < d.n_chunks; k++) {
            scanned *c = scan_find(l, d.chunks[k].offset);
            if (!c || c->type != RRT_SEC_CHUNK)
                problemf(v, RRT_E_CORRUPT, s.offset,
                         "blob descriptor's chunk %u is not a chunk section",
                         k);
            else if (!c->used) {
                c->used = true;
                c->user = s.offset;
            }
        }
        free(d.chunks);
    }
    for (size_t i = 0; i < l->n; i++)
        if (l->v[i].type == RRT_SEC_CHUNK && !l->v[i].used)
            v->rep->orphan_chunks++;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

/* Reads every blob through the public reader, which checks each chunk's
 * section checksum, decoding, chunk hash and the blob id. Fills `good`
 * (sorted) with the descriptor offsets of the blobs that read cleanly:
 * their chunks need no second look. */
static void check_blobs(vctx *v, rrt_reader *r, uint64_t *good, size_t *ngood)
{
    *ngood = 0;
    uint8_t *buf = malloc(1u << 20);
    if (!buf) {
        problemf(v, RRT_E_NOMEM, UINT64_MAX, "out of memory");
        return;
    }
    size_t n = rrt_reader_blob_count(r);
    for (size_t k = 0; k < n; k++) {
        size_t i = rrt_reader_blob_in_file_order(r, k);
        rrt_blob_id id;
        rrt_reader_blob(r, i, &id, NULL);
        rrt_blob_stream *s;
        rrt_error e;
        if (rrt_blob_stream_open(r, &id, &s, &e) != RRT_OK) {
            problem(v, &e);
            continue;
        }
        size_t got;
        rrt_status st;
        while ((st = rrt_blob_stream_read(s, buf, 1u << 20, &got, &e)) ==
                   RRT_OK &&
               got)
            v->rep->bytes_checked += got;
        if (st != RRT_OK) {
            problem(v, &e);
        } else {
            v->rep->blobs_checked++;
            if (good)
                good[(*ngood)++] = rrti_reader_blob_offset(r, i);
        }
        rrt_blob_stream_close(s);
    }
    free(buf);
    if (good)
        qsort(good, *ngood, sizeof(*good), cmp_u64);
}

/* Checksums of the chunks no clean blob read covered: orphans, and the
 * chunks of blobs that failed or that the index does not list. */
static void check_unread_chunks(vctx *v, int fd, scan_list *l,
                                const uint64_t *good, size_t ngood)
{
    for (size_t i = 0; i < l->n; i++) {
        scanned *x = &l->v[i];
        if (x->type != RRT_SEC_CHUNK || x->checked)
            continue;
        if (x->used && good &&
            bsearch(&x->user, good, ngood, sizeof(*good), cmp_u64))
            continue;
        check_section(v, fd, x);
    }
}

static void check_rest(vctx *v, rrt_reader *r)
{
    rrt_error e;
    for (size_t i = 0; i < rrt_reader_file_count(r); i++) {
        rrt_file_entry f;
        if (rrt_reader_file(r, i, &f, &e) != RRT_OK)
            problem(v, &e);
        rrt_file_entry_clear(&f);
    }
    rrt_event_iter *it;
    if (rrt_event_iter_open(r, 0, &it, &e) != RRT_OK) {
        problem(v, &e);
    } else {
        rrt_event ev;
        rrt_status st;
        while ((st = rrt_event_iter_next(it, &ev, &e)) == RRT_OK)
            v->rep->events++;
        if (st != RRT_END)
            problem(v, &e);
        rrt_event_iter_close(it);
    }
    rrt_cpuid_manifest m;
    rrt_status st = rrt_reader_cpuid(r, &m, &e);
    if (st != RRT_OK && st != RRT_E_NOT_FOUND)
        problem(v, &e);
    rrt_cpuid_manifest_clear(&m);
    const rrt_meta_entry *meta;
    size_t n;
    if (rrt_reader_meta(r, &meta, &n, &e) != RRT_OK)
        problem(v, &e);
    rrt_cpuid_sites *sites;
    if (rrt_reader_cpuid_sites(r, &sites, &e) != RRT_OK)
        problem(v, &e);
    rrt_cpuid_sites_free(sites);
}

rrt_status rrt_verify_archive(const char *path, rrt_problem_fn fn, void *ctx,
                              rrt_verify_report *report, rrt_error *err)
{
    rrt_verify_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof(*report));
    vctx v = {path, fn, ctx, report, {0}, {0}, false};
    rrt_reader *r;
    rrt_error oe;
    rrt_status st = rrt_reader_open(path, &r, &oe);
    if (st != RRT_OK) {
        report->problems = 1;
        if (fn)
            fn(ctx, oe.message);
        if (err)
            *err = oe;
        return st;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        rrt_reader_close(r);
        return rrtx_fail(err, RRT_E_IO, errno, path, UINT64_MAX, "cannot open");
    }
    rrt_archive_info info;
    rrt_reader_info(r, &info);
    v.pieces = (info.header_flags & RRT_HFLAG_SHARED_CHUNKS) != 0;
    scan_list l = {0};
    uint64_t reached = scan_body(&v, fd, info.index_offset, &l);
    check_index_vs_body(&v, r, &l, reached, info.index_offset);
    mark_chunks(&v, fd, &l);
    size_t nblobs = rrt_reader_blob_count(r), ngood = 0;
    /* Without memory for the list, every chunk is checked again. */
    uint64_t *good = malloc((nblobs ? nblobs : 1) * sizeof(*good));
    check_blobs(&v, r, good, &ngood);
    check_unread_chunks(&v, fd, &l, good, ngood);
    free(good);
    check_rest(&v, r);
    free(l.v);
    close(fd);
    rrt_reader_close(r);
    if (report->problems) {
        if (err)
            *err = v.first;
        return v.first.status ? v.first.status : RRT_E_CORRUPT;
    }
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Recover                                                            */

typedef struct rblob {
    rrt_blob_id id;
    uint64_t offset, size;
} rblob;

typedef struct rstate {
    int fd;
    const char *path;
    scan_list l;
    rblob *blobs;
    size_t nblob, capblob;
    size_t *table; /* open addressing: blob index + 1, 0 = free */
    size_t table_cap;
    /* The last chunk decoded: the pieces of a shared chunk come in a row,
     * and decoding it again for each would make recovery quadratic. */
    uint64_t chunk_off;
    uint8_t *chunk;
    uint32_t chunk_len;
    uint64_t events;
    uint32_t hflags;
} rstate;

static size_t rslot(const rrt_blob_id *id, size_t cap)
{
    return (size_t)rrti_get_u64(id->bytes + 8) & (cap - 1);
}

static const rblob *rfind_blob(const rstate *s, const rrt_blob_id *id)
{
    if (!s->table_cap)
        return NULL;
    for (size_t i = rslot(id, s->table_cap);;
         i = (i + 1) & (s->table_cap - 1)) {
        if (!s->table[i])
            return NULL;
        if (rrt_blob_id_cmp(&s->blobs[s->table[i] - 1].id, id) == 0)
            return &s->blobs[s->table[i] - 1];
    }
}

static bool radd_blob(rstate *s, const rblob *b)
{
    rblob *nb = rrtx_grow(s->blobs, &s->capblob, s->nblob + 1, sizeof(*nb));
    if (!nb)
        return false;
    s->blobs = nb;
    if (2 * (s->nblob + 1) > s->table_cap) {
        size_t cap = s->table_cap ? 2 * s->table_cap : 128;
        size_t *t = calloc(cap, sizeof(*t));
        if (!t)
            return false;
        free(s->table);
        s->table = t;
        s->table_cap = cap;
        for (size_t i = 0; i < s->nblob; i++) {
            size_t j = rslot(&s->blobs[i].id, cap);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = i + 1;
        }
    }
    size_t j = rslot(&b->id, s->table_cap);
    while (s->table[j])
        j = (j + 1) & (s->table_cap - 1);
    s->blobs[s->nblob++] = *b;
    s->table[j] = s->nblob;
    return true;
}

/* The decoded raw bytes of the CHNK section c, from the cache or read,
 * checked and decoded into it; NULL if the chunk does not decode. */
static const uint8_t *rchunk(rstate *s, const scanned *c, uint32_t *raw_len)
{
    if (s->chunk && s->chunk_off == c->offset) {
        *raw_len = s->chunk_len;
        return s->chunk;
    }
    free(s->chunk);
    s->chunk = NULL;
    uint8_t *cp = NULL;
    rrti_section cs = {c->type, c->flags, c->offset, c->length};
    rrti_chunk_header ch;
    bool ok =
        rrti_read_section_payload(s->fd, s->path, &cs, &cp, NULL) == RRT_OK &&
        rrti_decode_chunk_header(cp, (size_t)cs.length, &ch, NULL, 0, NULL) ==
            RRT_OK;
    uint8_t *raw = ok ? malloc(ch.raw_len ? ch.raw_len : 1) : NULL;
    ok = raw && rrti_decompress_chunk(ch.method,
                                      (s->hflags & RRT_HFLAG_X86_FILTER) != 0,
                                      cp + RRTI_CHUNK_PREFIX,
                                      (size_t)cs.length - RRTI_CHUNK_PREFIX,
                                      raw, ch.raw_len, NULL, 0, NULL) == RRT_OK;
    free(cp);
    if (!ok) {
        free(raw);
        return NULL;
    }
    s->chunk = raw;
    s->chunk_off = c->offset;
    s->chunk_len = ch.raw_len;
    *raw_len = ch.raw_len;
    return raw;
}

/* Checks a blob descriptor against the chunks read so far, decoding each
 * chunk and checking its hash and the blob's id. */
static bool blob_consistent(rstate *s, const uint8_t *p, size_t len,
                            uint64_t off)
{
    rrti_blob_desc d;
    if (rrti_decode_blob(p, len, off,
                         (s->hflags & RRT_HFLAG_SHARED_CHUNKS) != 0, &d,
                         s->path, NULL) != RRT_OK)
        return false;
    bool ok = !rfind_blob(s, &d.id);
    XXH3_state_t *xs = XXH3_createState();
    ok = ok && xs;
    if (ok)
        XXH3_128bits_reset(xs);
    for (uint32_t i = 0; ok && i < d.n_chunks; i++) {
        scanned *c = scan_find(&s->l, d.chunks[i].offset);
        ok = c && c->type == RRT_SEC_CHUNK;
        uint32_t raw_len = 0, want = rrti_chunk_raw_len(&d, i);
        /* A piece needs its whole shared chunk decoded. */
        const uint8_t *raw = ok ? rchunk(s, c, &raw_len) : NULL;
        ok = raw && (d.piece ? d.piece_off + want <= raw_len : raw_len == want);
        const uint8_t *mine = ok ? raw + (d.piece ? d.piece_off : 0) : NULL;
        ok = ok && XXH3_64bits(mine, want) == d.chunks[i].raw_hash;
        if (ok)
            XXH3_128bits_update(xs, mine, want);
    }
    if (ok) {
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(xs));
        ok = memcmp(c.digest, d.id.bytes, 16) == 0;
    }
    if (ok)
        ok = radd_blob(s, &(rblob){d.id, off, d.size});
    /* Only an accepted descriptor makes its chunks part of the prefix;
     * marking them earlier would keep the chunks of a rejected one. */
    for (uint32_t i = 0; ok && i < d.n_chunks; i++)
        scan_find(&s->l, d.chunks[i].offset)->used = true;
    XXH3_freeState(xs);
    free(d.chunks);
    return ok;
}

/* Is this section, read in full, consistent with the prefix before it? */
static bool consistent(rstate *s, const rrti_section *sec, const uint8_t *p,
                       uint64_t *aux)
{
    size_t len = (size_t)sec->length;
    *aux = 0;
    switch (sec->type) {
    case RRT_SEC_CHUNK: {
        rrti_chunk_header ch;
        return rrti_decode_chunk_header(p, len, &ch, NULL, 0, NULL) == RRT_OK;
    }
    case RRT_SEC_BLOB:
        return blob_consistent(s, p, len, sec->offset);
    case RRT_SEC_FILE: {
        rrt_file_entry f;
        if (rrti_decode_file(p, len, &f, NULL, 0, NULL) != RRT_OK)
            return false;
        bool ok = true;
        if (!(f.flags & RRT_FILE_EXTERNAL)) {
            const rblob *b = rfind_blob(s, &f.blob);
            ok = b && b->size == f.size;
        }
        rrt_file_entry_clear(&f);
        return ok;
    }
    case RRT_SEC_EVENTS: {
        uint8_t *raw;
        rrti_evts_header h;
        if (rrti_decode_evts(p, len, &raw, &h, NULL, 0, NULL) != RRT_OK)
            return false;
        free(raw);
        if (h.first != s->events)
            return false;
        *aux = h.first;
        s->events += h.count;
        return true;
    }
    case RRT_SEC_CPUID: {
        rrt_cpuid_manifest m;
        if (rrt_cpuid_manifest_decode(p, len, &m, NULL) != RRT_OK)
            return false;
        rrt_cpuid_manifest_clear(&m);
        return true;
    }
    case RRT_SEC_META: {
        rrti_meta m;
        if (rrti_decode_meta(p, len, &m, NULL, 0, NULL) != RRT_OK)
            return false;
        rrti_meta_free(&m);
        return true;
    }
    case RRT_SEC_CPUID_SITES: {
        rrt_cpuid_sites *t;
        if (rrt_cpuid_sites_decode(p, len, &t, NULL) != RRT_OK)
            return false;
        rrt_cpuid_sites_free(t);
        return true;
    }
    default:
        return !(sec->flags & RRT_SECF_REQUIRED);
    }
}

/* Is the input (sb) OUT.partial itself, as when a killed writer's file is
 * recovered under the name it was meant to have? */
static bool is_partial_of(const struct stat *sb, const char *outp)
{
    size_t n = strlen(outp);
    char *partial = malloc(n + sizeof(".partial"));
    if (!partial)
        return false;
    memcpy(partial, outp, n);
    memcpy(partial + n, ".partial", sizeof(".partial"));
    struct stat ps;
    bool same = stat(partial, &ps) == 0 && ps.st_dev == sb->st_dev &&
                ps.st_ino == sb->st_ino;
    free(partial);
    return same;
}

rrt_status rrt_recover(const char *in, const char *outp,
                       const rrt_writer_options *opt,
                       rrt_recover_report *report, rrt_error *err)
{
    rrt_recover_report local;
    if (!report)
        report = &local;
    memset(report, 0, sizeof(*report));
    rstate s = {0};
    s.path = in;
    s.fd = open(in, O_RDONLY | O_CLOEXEC);
    if (s.fd < 0)
        return rrtx_fail(err, errno == ENOENT ? RRT_E_NOT_FOUND : RRT_E_IO,
                         errno, in, UINT64_MAX, "cannot open");
    struct stat sb;
    uint8_t h[RRTI_HEADER_SIZE];
    rrti_header hd = {0};
    rrt_status st = RRT_OK;
    if (fstat(s.fd, &sb) != 0) {
        st = rrtx_fail(err, RRT_E_IO, errno, in, UINT64_MAX, "cannot stat");
    } else {
        size_t n =
            (uint64_t)sb.st_size < sizeof(h) ? (size_t)sb.st_size : sizeof(h);
        st = rrti_pread_all(s.fd, in, h, n, 0, err);
        if (st == RRT_OK)
            st = rrti_check_header(h, n, in, &hd, err);
    }
    s.hflags = hd.hflags;
    /* The prefix is copied as is, so the output declares exactly the
     * features the input did. */
    rrt_writer_options o;
    if (opt)
        o = *opt;
    else
        rrt_writer_options_init(&o);
    o.x86_filter = (s.hflags & RRT_HFLAG_X86_FILTER) != 0;
    o.shared_chunks = (s.hflags & RRT_HFLAG_SHARED_CHUNKS) != 0;
    /* Created before the scan, so that an output that cannot be written
     * fails at once and not after reading the whole input. */
    rrt_writer *w = NULL;
    if (st == RRT_OK)
        st = rrti_writer_create_via(
            outp,
            is_partial_of(&sb, outp) ? RRT_RECOVER_PARTIAL_SUFFIX : ".partial",
            &o, &w, err);
    uint64_t size = (uint64_t)sb.st_size, off = RRTI_HEADER_SIZE;
    uint64_t keep_end = RRTI_HEADER_SIZE;
    /* aux values of kept sections, parallel to s.l */
    uint64_t *aux = NULL;
    size_t aux_cap = 0;
    while (st == RRT_OK && off < size) {
        rrti_section sec;
        uint8_t *p = NULL;
        if (rrti_read_section_header(s.fd, in, off, size, &sec, NULL) !=
                RRT_OK ||
            sec.type == RRT_SEC_INDEX ||
            rrti_read_section_payload(s.fd, in, &sec, &p, NULL) != RRT_OK)
            break;
        uint64_t a;
        bool ok = consistent(&s, &sec, p, &a);
        free(p);
        if (!ok)
            break;
        uint64_t *na = rrtx_grow(aux, &aux_cap, s.l.n + 1, sizeof(*na));
        if (!na) {
            st = rrtx_fail(err, RRT_E_NOMEM, 0, in, off, "out of memory");
            break;
        }
        aux = na;
        if (!scan_push(&s.l, &sec)) {
            st = rrtx_fail(err, RRT_E_NOMEM, 0, in, off, "out of memory");
            break;
        }
        aux[s.l.n - 1] = a;
        off += RRTI_SECTION_OVERHEAD + sec.length;
    }
    /* Drop trailing chunks that no kept descriptor uses. */
    size_t keep = s.l.n;
    while (keep && s.l.v[keep - 1].type == RRT_SEC_CHUNK &&
           !s.l.v[keep - 1].used)
        keep--;
    if (keep)
        keep_end = s.l.v[keep - 1].offset + RRTI_SECTION_OVERHEAD +
                   s.l.v[keep - 1].length;
    if (st == RRT_OK)
        st = rrti_writer_append_raw(w, s.fd, in, RRTI_HEADER_SIZE,
                                    keep_end - RRTI_HEADER_SIZE, err);
    for (size_t i = 0; st == RRT_OK && i < keep; i++) {
        const scanned *x = &s.l.v[i];
        if (x->type == RRT_SEC_CHUNK || x->type == RRT_SEC_BLOB)
            continue;
        rrt_section_info si = {x->type, x->flags, x->offset, x->length, aux[i]};
        st = rrti_writer_register_section(w, &si, err);
    }
    for (size_t i = 0; st == RRT_OK && i < s.nblob; i++)
        if (s.blobs[i].offset < keep_end)
            st = rrti_writer_register_blob(w, &s.blobs[i].id, s.blobs[i].offset,
                                           s.blobs[i].size, err);
    if (st == RRT_OK) {
        rrti_writer_set_event_count(w, s.events);
        st = rrt_writer_finish(w, err);
    }
    rrt_writer_free(w);
    report->sections_kept = keep;
    report->bytes_kept = keep_end;
    report->bytes_dropped = size - keep_end;
    free(aux);
    free(s.l.v);
    free(s.blobs);
    free(s.table);
    free(s.chunk);
    close(s.fd);
    return st;
}
