/* Archive reader: opens from the footer and index alone, then reads
 * sections on demand, checking every length, checksum and content hash. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rrti_xxhash.h"

#include "rrti.h"

typedef struct chunk_cache {
    rrt_blob_id id;
    uint32_t index;
    bool valid;
    uint8_t *data;
    size_t len;
} chunk_cache;

struct rrt_reader {
    char *path;
    int fd;
    uint64_t size;
    uint16_t major, minor;
    uint32_t hflags;
    uint64_t index_off;
    uint8_t header[RRTI_HEADER_SIZE];
    rrt_section_info *secs;
    size_t nsec;
    rrti_index_blob *blobs;
    size_t nblob;
    uint64_t nevents;
    uint64_t blob_bytes;
    size_t *files; /* indices into secs of FILE sections */
    size_t nfiles;
    size_t *evts; /* indices into secs of EVTS sections */
    size_t nevts;
    /* Metadata, loaded on first use. */
    bool meta_loaded;
    rrti_meta *meta_parts;
    size_t nmeta_parts;
    rrt_meta_entry *meta;
    size_t nmeta;
    chunk_cache cache;
    /* The last shared chunk decoded whole (its section offset, 0 = none):
     * the blobs of one shared chunk are usually read one after another. */
    uint64_t shared_off;
    uint8_t *shared;
    uint32_t shared_len;
    size_t *file_order; /* blob indexes by descriptor offset, on demand */
    /* The last event batch decoded: an iterator opened in it (replay
     * looks ahead at each exec) shares it instead of decoding it again. */
    struct evt_batch *last_batch;
};

#define FAIL(st, off, ...) rrtx_fail(err, st, 0, r->path, off, __VA_ARGS__)

/* A decoded event batch, held by the iterators reading it and by the
 * reader (last_batch). */
typedef struct evt_batch {
    size_t refs;
    size_t index; /* into r->evts */
    rrti_evts_header h;
    uint8_t *raw;
} evt_batch;

static void batch_release(evt_batch *b)
{
    if (b && --b->refs == 0) {
        free(b->raw);
        free(b);
    }
}

static bool known_type(uint32_t t)
{
    return t == RRT_SEC_CHUNK || t == RRT_SEC_BLOB || t == RRT_SEC_FILE ||
           t == RRT_SEC_EVENTS || t == RRT_SEC_CPUID || t == RRT_SEC_META ||
           t == RRT_SEC_INDEX || t == RRT_SEC_CPUID_SITES;
}

/* ------------------------------------------------------------------ */
/* Open                                                               */

static rrt_status check_header(rrt_reader *r, rrt_error *err)
{
    uint8_t h[RRTI_HEADER_SIZE];
    size_t n = r->size < sizeof(h) ? (size_t)r->size : sizeof(h);
    rrt_status st = rrti_pread_all(r->fd, r->path, h, n, 0, err);
    rrti_header hd;
    if (st == RRT_OK)
        st = rrti_check_header(h, n, r->path, &hd, err);
    if (st != RRT_OK)
        return st;
    memcpy(r->header, h, sizeof(h));
    r->major = hd.major;
    r->minor = hd.minor;
    r->hflags = hd.hflags;
    return RRT_OK;
}

static rrt_status read_footer(rrt_reader *r, uint64_t *index_size,
                              rrt_error *err)
{
    const char *hint = " (incomplete archive? 'rrt recover' can salvage it)";
    if (r->size <
        RRTI_HEADER_SIZE + RRTI_SECTION_OVERHEAD + 24 + RRTI_FOOTER_SIZE)
        return FAIL(RRT_E_TRUNCATED, UINT64_MAX,
                    "too short to hold an index "
                    "and footer%s",
                    hint);
    uint8_t f[RRTI_FOOTER_SIZE];
    uint64_t at = r->size - RRTI_FOOTER_SIZE;
    rrt_status st = rrti_pread_all(r->fd, r->path, f, sizeof(f), at, err);
    if (st != RRT_OK)
        return st;
    if (memcmp(f + 24, rrti_end_magic, 8) != 0)
        return FAIL(RRT_E_TRUNCATED, at, "no footer%s", hint);
    if (rrti_get_u64(f + 16) != rrti_footer_checksum(r->header, f))
        return FAIL(RRT_E_CHECKSUM, at,
                    "footer checksum mismatch (footer or file header "
                    "damaged)");
    r->index_off = rrti_get_u64(f);
    *index_size = rrti_get_u64(f + 8);
    if (*index_size < RRTI_SECTION_OVERHEAD + 24)
        return FAIL(RRT_E_CORRUPT, at,
                    "footer gives an index of %llu bytes, less than the "
                    "smallest index",
                    (unsigned long long)*index_size);
    if (r->index_off < RRTI_HEADER_SIZE || r->index_off > at ||
        *index_size != at - r->index_off)
        return FAIL(RRT_E_CORRUPT, at,
                    "footer places the index at %llu (+%llu bytes), outside "
                    "the file",
                    (unsigned long long)r->index_off,
                    (unsigned long long)*index_size);
    return RRT_OK;
}

static rrt_status parse_sections(rrt_reader *r, rrt_cursor *c, rrt_error *err)
{
    uint64_t prev_end = RRTI_HEADER_SIZE, prev_aux = 0;
    bool any_evts = false;
    for (size_t i = 0; i < r->nsec; i++) {
        rrt_section_info *s = &r->secs[i];
        s->type = rrt_cursor_u32(c);
        s->flags = rrt_cursor_u32(c);
        s->offset = rrt_cursor_u64(c);
        s->length = rrt_cursor_u64(c);
        s->aux = rrt_cursor_u64(c);
        char fc[5];
        rrti_fourcc(s->type, fc);
        if (s->offset < prev_end || s->length > RRTI_MAX_PAYLOAD ||
            s->offset > r->index_off ||
            r->index_off - s->offset < RRTI_SECTION_OVERHEAD + s->length)
            return FAIL(RRT_E_CORRUPT, r->index_off,
                        "index entry %zu (%s at %llu, %llu bytes) overlaps "
                        "another section or lies outside the body",
                        i, fc, (unsigned long long)s->offset,
                        (unsigned long long)s->length);
        prev_end = s->offset + RRTI_SECTION_OVERHEAD + s->length;
        if (s->type == RRT_SEC_CHUNK || s->type == RRT_SEC_BLOB ||
            s->type == RRT_SEC_INDEX)
            return FAIL(RRT_E_CORRUPT, r->index_off,
                        "index entry %zu lists a %s section", i, fc);
        if (!known_type(s->type) && (s->flags & RRT_SECF_REQUIRED))
            return FAIL(RRT_E_UNSUPPORTED, s->offset,
                        "requires section type %s, unknown to this rrt "
                        "(format %u.%u)",
                        fc, r->major, r->minor);
        if (s->type == RRT_SEC_FILE)
            r->nfiles++;
        if (s->type == RRT_SEC_EVENTS) {
            if ((!any_evts && s->aux != 0) || (any_evts && s->aux <= prev_aux))
                return FAIL(RRT_E_CORRUPT, r->index_off,
                            "index lists event batches out of order");
            any_evts = true;
            prev_aux = s->aux;
            r->nevts++;
        }
    }
    if (any_evts && prev_aux >= r->nevents)
        return FAIL(RRT_E_CORRUPT, r->index_off,
                    "index event count %llu is below the last batch start",
                    (unsigned long long)r->nevents);
    if (!any_evts && r->nevents)
        return FAIL(RRT_E_CORRUPT, r->index_off,
                    "index counts %llu events but lists no batch",
                    (unsigned long long)r->nevents);
    r->files = calloc(r->nfiles + 1, sizeof(size_t));
    r->evts = calloc(r->nevts + 1, sizeof(size_t));
    if (!r->files || !r->evts)
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    size_t nf = 0, ne = 0;
    for (size_t i = 0; i < r->nsec; i++) {
        if (r->secs[i].type == RRT_SEC_FILE)
            r->files[nf++] = i;
        else if (r->secs[i].type == RRT_SEC_EVENTS)
            r->evts[ne++] = i;
    }
    return RRT_OK;
}

static rrt_status parse_blobs(rrt_reader *r, rrt_cursor *c, rrt_error *err)
{
    for (size_t i = 0; i < r->nblob; i++) {
        rrti_index_blob *b = &r->blobs[i];
        memcpy(b->id.bytes, rrt_cursor_bytes(c, 16), 16);
        b->offset = rrt_cursor_u64(c);
        b->size = rrt_cursor_u64(c);
        if (i && rrt_blob_id_cmp(&r->blobs[i - 1].id, &b->id) >= 0)
            return FAIL(RRT_E_CORRUPT, r->index_off,
                        "index blob table is not sorted or has duplicate "
                        "ids (entry %zu)",
                        i);
        if (b->offset < RRTI_HEADER_SIZE || b->offset > r->index_off ||
            r->index_off - b->offset < RRTI_SECTION_OVERHEAD + RRTI_BLOB_PREFIX)
            return FAIL(RRT_E_CORRUPT, r->index_off,
                        "index places blob %zu at %llu, outside the body", i,
                        (unsigned long long)b->offset);
        if (b->size > RRTI_MAX_BLOB)
            return FAIL(RRT_E_LIMIT, r->index_off,
                        "index declares a blob of %llu bytes",
                        (unsigned long long)b->size);
        r->blob_bytes += b->size;
    }
    return RRT_OK;
}

static rrt_status read_index(rrt_reader *r, uint64_t index_size, rrt_error *err)
{
    rrti_section s;
    rrt_status st = rrti_read_section_header(
        r->fd, r->path, r->index_off, r->size - RRTI_FOOTER_SIZE, &s, err);
    if (st != RRT_OK)
        return st;
    if (s.type != RRT_SEC_INDEX ||
        s.length + RRTI_SECTION_OVERHEAD != index_size)
        return FAIL(RRT_E_CORRUPT, r->index_off,
                    "footer does not point at the index");
    uint8_t *p;
    st = rrti_read_section_payload(r->fd, r->path, &s, &p, err);
    if (st != RRT_OK)
        return st;
    rrt_cursor c;
    rrt_cursor_init(&c, p, (size_t)s.length);
    uint64_t ns = rrt_cursor_u64(&c), nb = rrt_cursor_u64(&c);
    r->nevents = rrt_cursor_u64(&c);
    uint64_t room = rrt_cursor_left(&c) / RRTI_INDEX_ENTRY;
    if (c.failed || ns > room || nb > room - ns ||
        (ns + nb) * RRTI_INDEX_ENTRY != rrt_cursor_left(&c)) {
        free(p);
        return FAIL(RRT_E_CORRUPT, r->index_off,
                    "index of %llu bytes cannot hold %llu sections and %llu "
                    "blobs",
                    (unsigned long long)s.length, (unsigned long long)ns,
                    (unsigned long long)nb);
    }
    r->nsec = (size_t)ns;
    r->nblob = (size_t)nb;
    r->secs = calloc(r->nsec + 1, sizeof(*r->secs));
    r->blobs = calloc(r->nblob + 1, sizeof(*r->blobs));
    if (!r->secs || !r->blobs)
        st = FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    if (st == RRT_OK)
        st = parse_sections(r, &c, err);
    if (st == RRT_OK)
        st = parse_blobs(r, &c, err);
    free(p);
    return st;
}

rrt_status rrt_reader_open(const char *path, rrt_reader **out, rrt_error *err)
{
    *out = NULL;
    rrt_reader *r = calloc(1, sizeof(*r));
    if (!r || !(r->path = strdup(path))) {
        free(r);
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, UINT64_MAX,
                         "out of memory");
    }
    r->fd = open(path, O_RDONLY | O_CLOEXEC);
    rrt_status st = RRT_OK;
    struct stat sb;
    if (r->fd < 0)
        st = rrtx_fail(err, errno == ENOENT ? RRT_E_NOT_FOUND : RRT_E_IO, errno,
                       path, UINT64_MAX, "cannot open");
    else if (fstat(r->fd, &sb) != 0)
        st = rrtx_fail(err, RRT_E_IO, errno, path, UINT64_MAX, "cannot stat");
    else if (!S_ISREG(sb.st_mode))
        st = FAIL(RRT_E_INVALID, UINT64_MAX, "not a regular file");
    uint64_t index_size = 0;
    if (st == RRT_OK) {
        r->size = (uint64_t)sb.st_size;
        st = check_header(r, err);
    }
    if (st == RRT_OK)
        st = read_footer(r, &index_size, err);
    if (st == RRT_OK)
        st = read_index(r, index_size, err);
    if (st != RRT_OK) {
        rrt_reader_close(r);
        return st;
    }
    *out = r;
    return RRT_OK;
}

void rrt_reader_close(rrt_reader *r)
{
    if (!r)
        return;
    if (r->fd >= 0)
        close(r->fd);
    for (size_t i = 0; i < r->nmeta_parts; i++)
        rrti_meta_free(&r->meta_parts[i]);
    free(r->meta_parts);
    free(r->meta);
    free(r->cache.data);
    free(r->shared);
    free(r->file_order);
    free(r->secs);
    free(r->blobs);
    free(r->files);
    free(r->evts);
    free(r->path);
    batch_release(r->last_batch);
    free(r);
}

void rrt_reader_info(const rrt_reader *r, rrt_archive_info *out)
{
    memset(out, 0, sizeof(*out));
    out->major = r->major;
    out->minor = r->minor;
    out->header_flags = r->hflags;
    out->file_size = r->size;
    out->index_offset = r->index_off;
    out->n_sections = r->nsec;
    out->n_blobs = r->nblob;
    out->n_files = r->nfiles;
    out->n_events = r->nevents;
    out->blob_bytes = r->blob_bytes;
}

const char *rrt_reader_path(const rrt_reader *r)
{
    return r->path;
}

size_t rrt_reader_section_count(const rrt_reader *r)
{
    return r->nsec;
}

void rrt_reader_section(const rrt_reader *r, size_t i, rrt_section_info *out)
{
    *out = r->secs[i];
}

/* Reads a section the index lists and checks it matches the entry. */
static rrt_status read_listed(rrt_reader *r, const rrt_section_info *e,
                              uint8_t **payload, rrt_error *err)
{
    rrti_section s;
    rrt_status st = rrti_read_section_header(r->fd, r->path, e->offset,
                                             r->index_off, &s, err);
    if (st != RRT_OK)
        return st;
    if (s.type != e->type || s.length != e->length) {
        char a[5], b[5];
        return FAIL(RRT_E_CORRUPT, e->offset,
                    "index lists a %s section of %llu bytes, body has %s of "
                    "%llu",
                    rrti_fourcc(e->type, a), (unsigned long long)e->length,
                    rrti_fourcc(s.type, b), (unsigned long long)s.length);
    }
    return rrti_read_section_payload(r->fd, r->path, &s, payload, err);
}

rrt_status rrt_reader_section_payload(rrt_reader *r, size_t i,
                                      uint8_t **payload, size_t *len,
                                      rrt_error *err)
{
    *payload = NULL;
    *len = 0;
    if (i >= r->nsec)
        return FAIL(RRT_E_INVALID, UINT64_MAX, "section %zu out of range", i);
    rrt_status st = read_listed(r, &r->secs[i], payload, err);
    if (st == RRT_OK)
        *len = (size_t)r->secs[i].length;
    return st;
}

/* ------------------------------------------------------------------ */
/* Blobs                                                              */

size_t rrt_reader_blob_count(const rrt_reader *r)
{
    return r->nblob;
}

void rrt_reader_blob(const rrt_reader *r, size_t i, rrt_blob_id *id,
                     uint64_t *size)
{
    if (id)
        *id = r->blobs[i].id;
    if (size)
        *size = r->blobs[i].size;
}

uint64_t rrti_reader_blob_offset(const rrt_reader *r, size_t i)
{
    return r->blobs[i].offset;
}

static int cmp_by_offset(const void *a, const void *b, void *blobs)
{
    const rrti_index_blob *t = blobs;
    uint64_t x = t[*(const size_t *)a].offset;
    uint64_t y = t[*(const size_t *)b].offset;
    return x < y ? -1 : x > y;
}

size_t rrt_reader_blob_in_file_order(rrt_reader *r, size_t k)
{
    if (!r->file_order && r->nblob) {
        size_t *o = malloc(r->nblob * sizeof(*o));
        if (!o)
            return k;
        for (size_t i = 0; i < r->nblob; i++)
            o[i] = i;
        qsort_r(o, r->nblob, sizeof(*o), cmp_by_offset, r->blobs);
        r->file_order = o;
    }
    return k < r->nblob && r->file_order ? r->file_order[k] : k;
}

static const rrti_index_blob *find_blob(const rrt_reader *r,
                                        const rrt_blob_id *id)
{
    size_t lo = 0, hi = r->nblob;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = rrt_blob_id_cmp(&r->blobs[mid].id, id);
        if (c == 0)
            return &r->blobs[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static rrt_status not_found(rrt_reader *r, const rrt_blob_id *id,
                            rrt_error *err)
{
    char hex[33];
    rrt_blob_id_to_hex(id, hex);
    return FAIL(RRT_E_NOT_FOUND, UINT64_MAX, "blob %s not in archive", hex);
}

rrt_status rrt_reader_blob_size(const rrt_reader *r, const rrt_blob_id *id,
                                uint64_t *size, rrt_error *err)
{
    const rrti_index_blob *b = find_blob(r, id);
    if (!b)
        return not_found((rrt_reader *)r, id, err);
    *size = b->size;
    return RRT_OK;
}

/* Reads and checks the descriptor of an indexed blob. */
static rrt_status load_desc(rrt_reader *r, const rrti_index_blob *b,
                            rrti_blob_desc *d, rrt_error *err)
{
    rrti_section s;
    char hex[33];
    rrt_blob_id_to_hex(&b->id, hex);
    rrt_status st = rrti_read_section_header(r->fd, r->path, b->offset,
                                             r->index_off, &s, err);
    if (st != RRT_OK)
        return st;
    if (s.type != RRT_SEC_BLOB)
        return FAIL(RRT_E_CORRUPT, b->offset,
                    "blob %s: index does not point at a blob descriptor", hex);
    uint8_t *p;
    st = rrti_read_section_payload(r->fd, r->path, &s, &p, err);
    if (st != RRT_OK)
        return st;
    st = rrti_decode_blob(p, (size_t)s.length, b->offset,
                          (r->hflags & RRT_HFLAG_SHARED_CHUNKS) != 0, d,
                          r->path, err);
    free(p);
    if (st != RRT_OK)
        return st;
    if (rrt_blob_id_cmp(&d->id, &b->id) != 0 || d->size != b->size) {
        free(d->chunks);
        d->chunks = NULL;
        return FAIL(RRT_E_CORRUPT, b->offset,
                    "blob %s: descriptor does not match the index", hex);
    }
    return RRT_OK;
}

/* Decodes chunk i of a blob into out (exactly its raw length). */
static rrt_status load_chunk(rrt_reader *r, const rrti_blob_desc *d,
                             uint64_t desc_off, uint32_t i, uint8_t *out,
                             rrt_error *err)
{
    char hex[33];
    rrt_blob_id_to_hex(&d->id, hex);
    uint64_t at = d->chunks[i].offset;
    uint32_t want = rrti_chunk_raw_len(d, i);
    if (d->piece && r->shared_off == at) {
        if (d->piece_off + want > r->shared_len)
            return FAIL(RRT_E_CORRUPT, at,
                        "blob %s: piece [%llu, +%u) lies outside its shared "
                        "chunk of %u bytes",
                        hex, (unsigned long long)d->piece_off, want,
                        r->shared_len);
        memcpy(out, r->shared + d->piece_off, want);
        if (XXH3_64bits(out, want) != d->chunks[i].raw_hash)
            return rrtx_fail(err, RRT_E_HASH, 0, r->path, at,
                             "blob %s: chunk %u content hash mismatch", hex, i);
        return RRT_OK;
    }
    rrti_section s;
    rrt_status st =
        rrti_read_section_header(r->fd, r->path, at, desc_off, &s, err);
    if (st != RRT_OK)
        return st;
    if (s.type != RRT_SEC_CHUNK)
        return FAIL(RRT_E_CORRUPT, at, "blob %s: chunk %u is not a chunk", hex,
                    i);
    uint8_t *p;
    st = rrti_read_section_payload(r->fd, r->path, &s, &p, err);
    if (st != RRT_OK)
        return st;
    rrti_chunk_header ch;
    st = rrti_decode_chunk_header(p, (size_t)s.length, &ch, r->path, at, err);
    if (st == RRT_OK && !d->piece && ch.raw_len != want)
        st = FAIL(RRT_E_CORRUPT, at,
                  "blob %s: chunk %u holds %u bytes, descriptor expects %u",
                  hex, i, ch.raw_len, want);
    if (st == RRT_OK && d->piece && d->piece_off + want > ch.raw_len)
        st = FAIL(RRT_E_CORRUPT, at,
                  "blob %s: piece [%llu, +%u) lies outside its shared chunk "
                  "of %u bytes",
                  hex, (unsigned long long)d->piece_off, want, ch.raw_len);
    bool x86 = (r->hflags & RRT_HFLAG_X86_FILTER) != 0;
    if (st == RRT_OK && !d->piece) {
        st = rrti_decompress_chunk(ch.method, x86, p + RRTI_CHUNK_PREFIX,
                                   (size_t)s.length - RRTI_CHUNK_PREFIX, out,
                                   want, r->path, at, err);
    } else if (st == RRT_OK) {
        /* A shared chunk is decoded whole, once for all its pieces. */
        uint8_t *buf = realloc(r->shared, ch.raw_len);
        r->shared_off = 0;
        if (!buf) {
            st = FAIL(RRT_E_NOMEM, at, "out of memory");
        } else {
            r->shared = buf;
            st = rrti_decompress_chunk(ch.method, x86, p + RRTI_CHUNK_PREFIX,
                                       (size_t)s.length - RRTI_CHUNK_PREFIX,
                                       buf, ch.raw_len, r->path, at, err);
            if (st == RRT_OK) {
                r->shared_off = at;
                r->shared_len = ch.raw_len;
            }
        }
    }
    if (st == RRT_OK && d->piece)
        memcpy(out, r->shared + d->piece_off, want);
    free(p);
    if (st == RRT_OK && XXH3_64bits(out, want) != d->chunks[i].raw_hash)
        st = rrtx_fail(err, RRT_E_HASH, 0, r->path, at,
                       "blob %s: chunk %u content hash mismatch", hex, i);
    return st;
}

rrt_status rrt_reader_read_blob(rrt_reader *r, const rrt_blob_id *id,
                                size_t max_size, uint8_t **data, size_t *len,
                                rrt_error *err)
{
    *data = NULL;
    *len = 0;
    const rrti_index_blob *b = find_blob(r, id);
    if (!b)
        return not_found(r, id, err);
    char hex[33];
    rrt_blob_id_to_hex(id, hex);
    if (b->size > max_size || b->size > SIZE_MAX - 1)
        return FAIL(RRT_E_LIMIT, UINT64_MAX,
                    "blob %s is %llu bytes, more than the %zu allowed", hex,
                    (unsigned long long)b->size, max_size);
    rrti_blob_desc d;
    rrt_status st = load_desc(r, b, &d, err);
    if (st != RRT_OK)
        return st;
    uint8_t *buf = malloc((size_t)b->size + 1);
    if (!buf) {
        free(d.chunks);
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory for blob %s", hex);
    }
    for (uint32_t i = 0; i < d.n_chunks && st == RRT_OK; i++)
        st = load_chunk(r, &d, b->offset, i, buf + (size_t)i * d.chunk_size,
                        err);
    free(d.chunks);
    if (st == RRT_OK) {
        rrt_blob_id got;
        rrt_blob_id_of(buf, (size_t)b->size, &got);
        if (rrt_blob_id_cmp(&got, id) != 0)
            st = rrtx_fail(err, RRT_E_HASH, 0, r->path, b->offset,
                           "blob %s: content does not match its id", hex);
    }
    if (st != RRT_OK) {
        free(buf);
        return st;
    }
    *data = buf;
    *len = (size_t)b->size;
    return RRT_OK;
}

rrt_status rrt_reader_pread_blob(rrt_reader *r, const rrt_blob_id *id,
                                 uint64_t offset, void *buf, size_t n,
                                 size_t *got, rrt_error *err)
{
    *got = 0;
    const rrti_index_blob *b = find_blob(r, id);
    if (!b)
        return not_found(r, id, err);
    if (offset >= b->size || n == 0)
        return RRT_OK;
    if (n > b->size - offset)
        n = (size_t)(b->size - offset);
    rrti_blob_desc d;
    rrt_status st = load_desc(r, b, &d, err);
    if (st != RRT_OK)
        return st;
    uint8_t *dst = buf;
    while (*got < n && st == RRT_OK) {
        uint64_t pos = offset + *got;
        uint32_t ci = (uint32_t)(pos / d.chunk_size);
        chunk_cache *cc = &r->cache;
        if (!cc->valid || cc->index != ci ||
            rrt_blob_id_cmp(&cc->id, id) != 0) {
            uint32_t len = rrti_chunk_raw_len(&d, ci);
            uint8_t *p = realloc(cc->data, len);
            if (!p) {
                st = FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
                break;
            }
            cc->data = p;
            cc->valid = false;
            st = load_chunk(r, &d, b->offset, ci, p, err);
            if (st != RRT_OK)
                break;
            cc->id = *id;
            cc->index = ci;
            cc->len = len;
            cc->valid = true;
        }
        size_t in = (size_t)(pos - (uint64_t)ci * d.chunk_size);
        size_t k = cc->len - in < n - *got ? cc->len - in : n - *got;
        memcpy(dst + *got, cc->data + in, k);
        *got += k;
    }
    free(d.chunks);
    return st;
}

struct rrt_blob_stream {
    rrt_reader *r;
    rrti_blob_desc d;
    uint64_t desc_off;
    uint32_t next; /* next chunk to decode */
    uint8_t *buf;  /* current chunk */
    size_t len, pos;
    XXH3_state_t *xs;
    bool checked;
};

rrt_status rrt_blob_stream_open(rrt_reader *r, const rrt_blob_id *id,
                                rrt_blob_stream **out, rrt_error *err)
{
    *out = NULL;
    const rrti_index_blob *b = find_blob(r, id);
    if (!b)
        return not_found(r, id, err);
    rrt_blob_stream *s = calloc(1, sizeof(*s));
    if (!s)
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    s->r = r;
    s->desc_off = b->offset;
    rrt_status st = load_desc(r, b, &s->d, err);
    if (st == RRT_OK) {
        s->xs = XXH3_createState();
        s->buf = malloc(s->d.chunk_size);
        if (!s->xs || !s->buf)
            st = FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
        else
            XXH3_128bits_reset(s->xs);
    }
    if (st != RRT_OK) {
        rrt_blob_stream_close(s);
        return st;
    }
    *out = s;
    return RRT_OK;
}

rrt_status rrt_blob_stream_read(rrt_blob_stream *s, void *buf, size_t n,
                                size_t *got, rrt_error *err)
{
    rrt_reader *r = s->r;
    *got = 0;
    while (*got < n) {
        if (s->pos == s->len) {
            if (s->next == s->d.n_chunks)
                break;
            uint32_t len = rrti_chunk_raw_len(&s->d, s->next);
            rrt_status st =
                load_chunk(r, &s->d, s->desc_off, s->next, s->buf, err);
            if (st != RRT_OK)
                return st;
            XXH3_128bits_update(s->xs, s->buf, len);
            s->next++;
            s->len = len;
            s->pos = 0;
        }
        size_t k = s->len - s->pos < n - *got ? s->len - s->pos : n - *got;
        memcpy((uint8_t *)buf + *got, s->buf + s->pos, k);
        s->pos += k;
        *got += k;
    }
    if (*got == 0 && !s->checked) {
        s->checked = true;
        XXH128_canonical_t c;
        XXH128_canonicalFromHash(&c, XXH3_128bits_digest(s->xs));
        if (memcmp(c.digest, s->d.id.bytes, 16) != 0) {
            char hex[33];
            rrt_blob_id_to_hex(&s->d.id, hex);
            return rrtx_fail(err, RRT_E_HASH, 0, r->path, s->desc_off,
                             "blob %s: content does not match its id", hex);
        }
    }
    return RRT_OK;
}

void rrt_blob_stream_close(rrt_blob_stream *s)
{
    if (!s)
        return;
    free(s->d.chunks);
    free(s->buf);
    XXH3_freeState(s->xs);
    free(s);
}

/* ------------------------------------------------------------------ */
/* Files                                                              */

void rrt_file_entry_clear(rrt_file_entry *e)
{
    free(e->path);
    memset(e, 0, sizeof(*e));
}

size_t rrt_reader_file_count(const rrt_reader *r)
{
    return r->nfiles;
}

rrt_status rrt_reader_file(rrt_reader *r, size_t i, rrt_file_entry *out,
                           rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    if (i >= r->nfiles)
        return FAIL(RRT_E_INVALID, UINT64_MAX, "file index %zu out of range",
                    i);
    const rrt_section_info *e = &r->secs[r->files[i]];
    uint8_t *p;
    rrt_status st = read_listed(r, e, &p, err);
    if (st != RRT_OK)
        return st;
    st = rrti_decode_file(p, (size_t)e->length, out, r->path, e->offset, err);
    free(p);
    if (st == RRT_OK && (out->flags & RRT_FILE_HAS_BLOB) &&
        !(out->flags & RRT_FILE_EXTERNAL)) {
        const rrti_index_blob *b = find_blob(r, &out->blob);
        if (!b || b->size != out->size) {
            char hex[33];
            rrt_blob_id_to_hex(&out->blob, hex);
            st = FAIL(RRT_E_CORRUPT, e->offset, "file %s names blob %s, %s",
                      out->path, hex,
                      b ? "of another size" : "which is not in the archive");
            rrt_file_entry_clear(out);
        }
    }
    return st;
}

rrt_status rrt_reader_find_file(rrt_reader *r, const char *path,
                                rrt_file_entry *out, rrt_error *err)
{
    /* Zeroed when no entry is even read (an archive without files), so a
     * caller's rrt_file_entry_clear is harmless after any failure. */
    memset(out, 0, sizeof(*out));
    for (size_t i = r->nfiles; i-- > 0;) {
        rrt_status st = rrt_reader_file(r, i, out, err);
        if (st != RRT_OK)
            return st;
        if (strcmp(out->path, path) == 0)
            return RRT_OK;
        rrt_file_entry_clear(out);
    }
    return FAIL(RRT_E_NOT_FOUND, UINT64_MAX, "%s: no such file in archive",
                path);
}

/* ------------------------------------------------------------------ */
/* CPUID and metadata                                                 */

rrt_status rrt_reader_cpuid(rrt_reader *r, rrt_cpuid_manifest *out,
                            rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = r->nsec; i-- > 0;) {
        const rrt_section_info *e = &r->secs[i];
        if (e->type != RRT_SEC_CPUID)
            continue;
        uint8_t *p;
        rrt_status st = read_listed(r, e, &p, err);
        if (st != RRT_OK)
            return st;
        rrt_error inner;
        st = rrt_cpuid_manifest_decode(p, (size_t)e->length, out, &inner);
        free(p);
        if (st != RRT_OK)
            return FAIL(st, e->offset, "%s", inner.message);
        return RRT_OK;
    }
    return FAIL(RRT_E_NOT_FOUND, UINT64_MAX, "no CPUID manifest");
}

rrt_status rrt_reader_cpuid_sites(rrt_reader *r, rrt_cpuid_sites **out,
                                  rrt_error *err)
{
    *out = NULL;
    rrt_cpuid_sites *t = rrti_cpuid_sites_new();
    if (!t)
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    rrt_status st = RRT_OK;
    for (size_t i = 0; i < r->nsec && st == RRT_OK; i++) {
        const rrt_section_info *e = &r->secs[i];
        if (e->type != RRT_SEC_CPUID_SITES)
            continue;
        uint8_t *p;
        st = read_listed(r, e, &p, err);
        if (st != RRT_OK)
            break;
        st = rrti_cpuid_sites_decode_into(t, p, (size_t)e->length, r->path,
                                          e->offset, err);
        free(p);
    }
    if (st != RRT_OK) {
        rrt_cpuid_sites_free(t);
        return st;
    }
    rrti_cpuid_sites_merge(t);
    *out = t;
    return RRT_OK;
}

/* Merge order: by key, then by position, so the later section wins. */
typedef struct meta_pos {
    rrt_meta_entry e;
    size_t pos;
} meta_pos;

static int cmp_meta(const void *a, const void *b)
{
    const meta_pos *x = a, *y = b;
    int c = strcmp(x->e.key, y->e.key);
    if (c)
        return c;
    return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static rrt_status load_meta(rrt_reader *r, rrt_error *err)
{
    if (r->meta_loaded)
        return RRT_OK;
    size_t nparts = 0, total = 0;
    for (size_t i = 0; i < r->nsec; i++)
        nparts += r->secs[i].type == RRT_SEC_META;
    rrti_meta *parts = calloc(nparts + 1, sizeof(*parts));
    if (!parts)
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    size_t k = 0;
    rrt_status st = RRT_OK;
    for (size_t i = 0; i < r->nsec && st == RRT_OK; i++) {
        const rrt_section_info *e = &r->secs[i];
        if (e->type != RRT_SEC_META)
            continue;
        uint8_t *p;
        st = read_listed(r, e, &p, err);
        if (st == RRT_OK) {
            st = rrti_decode_meta(p, (size_t)e->length, &parts[k], r->path,
                                  e->offset, err);
            free(p);
        }
        if (st == RRT_OK)
            total += parts[k++].n;
    }
    meta_pos *tmp = st == RRT_OK ? calloc(total + 1, sizeof(*tmp)) : NULL;
    rrt_meta_entry *all = st == RRT_OK ? calloc(total + 1, sizeof(*all)) : NULL;
    if (st == RRT_OK && (!all || !tmp))
        st = FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    if (st != RRT_OK) {
        for (size_t i = 0; i < k; i++)
            rrti_meta_free(&parts[i]);
        free(parts);
        free(tmp);
        free(all);
        return st;
    }
    size_t n = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < parts[i].n; j++, n++)
            tmp[n] = (meta_pos){parts[i].entries[j], n};
    qsort(tmp, n, sizeof(*tmp), cmp_meta);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && strcmp(all[m - 1].key, tmp[i].e.key) == 0)
            all[m - 1] = tmp[i].e;
        else
            all[m++] = tmp[i].e;
    }
    free(tmp);
    r->meta_parts = parts;
    r->nmeta_parts = k;
    r->meta = all;
    r->nmeta = m;
    r->meta_loaded = true;
    return RRT_OK;
}

rrt_status rrt_reader_meta(rrt_reader *r, const rrt_meta_entry **out, size_t *n,
                           rrt_error *err)
{
    rrt_status st = load_meta(r, err);
    *out = st == RRT_OK ? r->meta : NULL;
    *n = st == RRT_OK ? r->nmeta : 0;
    return st;
}

const char *rrt_reader_meta_get(rrt_reader *r, const char *key)
{
    if (load_meta(r, NULL) != RRT_OK)
        return NULL;
    for (size_t i = 0; i < r->nmeta; i++)
        if (strcmp(r->meta[i].key, key) == 0)
            return r->meta[i].value;
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Events                                                             */

struct rrt_event_iter {
    rrt_reader *r;
    size_t batch; /* next batch (index into r->evts) */
    evt_batch *b;
    evt_batch *prev_b; /* the batch a peek left behind, still in use */
    rrt_cursor cur;
    uint32_t left; /* events left in the loaded batch */
    uint64_t seq;  /* number of the next event */
};

/* Batch i decoded, from the reader's last one when it is i. */
static rrt_status decode_batch(rrt_reader *r, size_t i, evt_batch **out,
                               rrt_error *err)
{
    evt_batch *b = r->last_batch;
    if (!b || b->index != i) {
        const rrt_section_info *e = &r->secs[r->evts[i]];
        uint8_t *p;
        rrt_status st = read_listed(r, e, &p, err);
        if (st != RRT_OK)
            return st;
        if (!(b = calloc(1, sizeof(*b)))) {
            free(p);
            return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
        }
        st = rrti_decode_evts(p, (size_t)e->length, &b->raw, &b->h, r->path,
                              e->offset, err);
        free(p);
        if (st != RRT_OK) {
            free(b->raw);
            free(b);
            return st;
        }
        b->index = i;
        b->refs = 1;
        batch_release(r->last_batch);
        r->last_batch = b;
    }
    b->refs++;
    *out = b;
    return RRT_OK;
}

static rrt_status load_batch(rrt_event_iter *it, rrt_error *err)
{
    rrt_reader *r = it->r;
    const rrt_section_info *e = &r->secs[r->evts[it->batch]];
    evt_batch *b = NULL;
    batch_release(it->b);
    it->b = NULL;
    batch_release(it->prev_b);
    it->prev_b = NULL;
    rrt_status st = decode_batch(r, it->batch, &b, err);
    if (st != RRT_OK)
        return st;
    it->b = b;
    const rrti_evts_header h = b->h;
    if (h.first != e->aux || h.first != it->seq)
        return FAIL(RRT_E_CORRUPT, e->offset,
                    "event batch starts at event %llu, expected %llu",
                    (unsigned long long)h.first, (unsigned long long)it->seq);
    if (h.count > r->nevents - h.first)
        return FAIL(RRT_E_CORRUPT, e->offset,
                    "event batch runs past the %llu events the index counts",
                    (unsigned long long)r->nevents);
    rrt_cursor_init(&it->cur, b->raw, h.raw_len);
    it->left = h.count;
    it->batch++;
    return RRT_OK;
}

rrt_status rrt_event_iter_open(rrt_reader *r, uint64_t first,
                               rrt_event_iter **out, rrt_error *err)
{
    *out = NULL;
    rrt_event_iter *it = calloc(1, sizeof(*it));
    if (!it)
        return FAIL(RRT_E_NOMEM, UINT64_MAX, "out of memory");
    it->r = r;
    if (first > 0 && first < r->nevents) {
        /* The last batch starting at or before `first`. */
        size_t lo = 0, hi = r->nevts;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2;
            if (r->secs[r->evts[mid]].aux <= first)
                lo = mid;
            else
                hi = mid;
        }
        it->batch = lo;
        it->seq = r->secs[r->evts[lo]].aux;
        rrt_event ev;
        while (it->seq < first) {
            rrt_status st = rrt_event_iter_next(it, &ev, err);
            if (st != RRT_OK) {
                rrt_event_iter_close(it);
                return st == RRT_END ? FAIL(RRT_E_CORRUPT, UINT64_MAX,
                                            "event stream ends early")
                                     : st;
            }
        }
    } else if (first >= r->nevents) {
        it->batch = r->nevts;
        it->seq = r->nevents;
    }
    *out = it;
    return RRT_OK;
}

rrt_status rrt_event_iter_next(rrt_event_iter *it, rrt_event *ev,
                               rrt_error *err)
{
    rrt_reader *r = it->r;
    if (it->left == 0) {
        if (it->batch >= r->nevts) {
            if (it->seq != r->nevents)
                return FAIL(RRT_E_CORRUPT, r->index_off,
                            "event stream holds %llu events, index says "
                            "%llu",
                            (unsigned long long)it->seq,
                            (unsigned long long)r->nevents);
            return RRT_END;
        }
        rrt_status st = load_batch(it, err);
        if (st != RRT_OK)
            return st;
    }
    /* The batch was validated when decoded: these cannot fail. */
    ev->type = (uint32_t)rrt_cursor_varint(&it->cur);
    ev->data = rrt_cursor_lenbytes(&it->cur, &ev->len);
    ev->seq = it->seq++;
    it->left--;
    return RRT_OK;
}

rrt_status rrt_event_iter_peek(rrt_event_iter *it, rrt_event *ev,
                               rrt_error *err)
{
    rrt_reader *r = it->r;
    if (it->left == 0) {
        if (it->batch >= r->nevts)
            return RRT_END; /* iter_next says whether the count is right */
        /* the event the caller holds lives in this batch: keep it */
        evt_batch *held = it->b;
        it->b = NULL;
        rrt_status st = load_batch(it, err);
        it->prev_b = held;
        if (st != RRT_OK)
            return st;
    }
    rrt_cursor c = it->cur;
    ev->type = (uint32_t)rrt_cursor_varint(&c);
    ev->data = rrt_cursor_lenbytes(&c, &ev->len);
    ev->seq = it->seq;
    return RRT_OK;
}

void rrt_event_iter_close(rrt_event_iter *it)
{
    if (!it)
        return;
    batch_release(it->b);
    batch_release(it->prev_b);
    free(it);
}
