/* Encoders and strict decoders for section payloads (spec/format.md 3.x). */
#include <stdlib.h>
#include <string.h>

#include "rrti_xxhash.h"

#include "rrti.h"

#define CORRUPT(...) rrtx_fail(err, RRT_E_CORRUPT, 0, path, off, __VA_ARGS__)

uint32_t rrti_chunk_raw_len(const rrti_blob_desc *d, uint32_t i)
{
    uint64_t start = (uint64_t)i * d->chunk_size;
    uint64_t left = d->size - start;
    return (uint32_t)(left < d->chunk_size ? left : d->chunk_size);
}

/* A piece descriptor (chunk size field 0, spec 3.2.1): one entry of 24
 * bytes, the blob's bytes at an offset inside a shared chunk. */
static rrt_status decode_piece(const uint8_t *p, size_t len, uint64_t self_off,
                               bool allow, rrti_blob_desc *out,
                               const char *path, rrt_error *err)
{
    uint64_t off = self_off;
    if (!allow)
        return CORRUPT("blob descriptor with chunk size 0 (a piece of a "
                       "shared chunk) but the header does not declare "
                       "shared chunks");
    if (out->size == 0 || out->size > RRTI_MAX_RAW)
        return CORRUPT("piece of a shared chunk holds %llu bytes (1 to %u)",
                       (unsigned long long)out->size, RRTI_MAX_RAW);
    if (out->n_chunks != 1 || len != RRTI_BLOB_PREFIX + RRTI_PIECE_ENTRY)
        return CORRUPT("piece descriptor lists %u chunks in %zu bytes, "
                       "expected 1 in %u",
                       out->n_chunks, len, RRTI_BLOB_PREFIX + RRTI_PIECE_ENTRY);
    const uint8_t *c = p + RRTI_BLOB_PREFIX;
    uint64_t at = rrti_get_u64(c);
    uint64_t piece_off = rrti_get_u64(c + 16);
    if (at < RRTI_HEADER_SIZE || at >= self_off)
        return CORRUPT("blob chunk 0 offset %llu is not before its "
                       "descriptor",
                       (unsigned long long)at);
    if (piece_off >= RRTI_MAX_RAW || out->size > RRTI_MAX_RAW - piece_off)
        return CORRUPT("piece [%llu, +%llu) lies past any chunk's end",
                       (unsigned long long)piece_off,
                       (unsigned long long)out->size);
    out->chunks = malloc(sizeof(*out->chunks));
    if (!out->chunks)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, off,
                         "cannot allocate chunk list");
    out->chunks[0].offset = at;
    out->chunks[0].raw_hash = rrti_get_u64(c + 8);
    out->piece = true;
    out->piece_off = piece_off;
    /* In memory the blob is one chunk of its own size, so chunk
     * arithmetic needs no special case. */
    out->chunk_size = (uint32_t)out->size;
    return RRT_OK;
}

rrt_status rrti_decode_blob(const uint8_t *p, size_t len, uint64_t self_off,
                            bool allow_pieces, rrti_blob_desc *out,
                            const char *path, rrt_error *err)
{
    uint64_t off = self_off;
    memset(out, 0, sizeof(*out));
    if (len < RRTI_BLOB_PREFIX)
        return CORRUPT("blob descriptor too short (%zu bytes)", len);
    memcpy(out->id.bytes, p, 16);
    out->size = rrti_get_u64(p + 16);
    out->chunk_size = rrti_get_u32(p + 24);
    out->n_chunks = rrti_get_u32(p + 28);
    if (out->size > RRTI_MAX_BLOB)
        return rrtx_fail(err, RRT_E_LIMIT, 0, path, off,
                         "blob declares %llu bytes (limit 2^48)",
                         (unsigned long long)out->size);
    if (out->chunk_size == 0)
        return decode_piece(p, len, self_off, allow_pieces, out, path, err);
    if (out->chunk_size < RRTI_MIN_CHUNK || out->chunk_size > RRTI_MAX_RAW)
        return CORRUPT("blob chunk size %u out of range", out->chunk_size);
    uint64_t want = (out->size + out->chunk_size - 1) / out->chunk_size;
    if (want != out->n_chunks)
        return CORRUPT("blob of %llu bytes in %u-byte chunks needs %llu "
                       "chunks, descriptor lists %u",
                       (unsigned long long)out->size, out->chunk_size,
                       (unsigned long long)want, out->n_chunks);
    if ((len - RRTI_BLOB_PREFIX) / 16 != out->n_chunks ||
        (len - RRTI_BLOB_PREFIX) % 16 != 0)
        return CORRUPT("blob descriptor length %zu does not match %u chunks",
                       len, out->n_chunks);
    if (out->n_chunks) {
        out->chunks = malloc(out->n_chunks * sizeof(*out->chunks));
        if (!out->chunks)
            return rrtx_fail(err, RRT_E_NOMEM, 0, path, off,
                             "cannot allocate chunk list");
    }
    for (uint32_t i = 0; i < out->n_chunks; i++) {
        const uint8_t *c = p + RRTI_BLOB_PREFIX + 16 * (size_t)i;
        out->chunks[i].offset = rrti_get_u64(c);
        out->chunks[i].raw_hash = rrti_get_u64(c + 8);
        uint64_t at = out->chunks[i].offset;
        if (at < RRTI_HEADER_SIZE || at >= self_off) {
            free(out->chunks);
            out->chunks = NULL;
            return CORRUPT("blob chunk %u offset %llu is not before its "
                           "descriptor",
                           i, (unsigned long long)at);
        }
    }
    return RRT_OK;
}

rrt_status rrti_decode_chunk_header(const uint8_t *p, size_t len,
                                    rrti_chunk_header *out, const char *path,
                                    uint64_t off, rrt_error *err)
{
    if (len < RRTI_CHUNK_PREFIX)
        return CORRUPT("chunk too short (%zu bytes)", len);
    out->method = p[0];
    if (p[1] || p[2] || p[3])
        return CORRUPT("chunk reserved bytes are not zero");
    out->raw_len = rrti_get_u32(p + 4);
    if (out->raw_len == 0 || out->raw_len > RRTI_MAX_RAW)
        return rrtx_fail(err, RRT_E_LIMIT, 0, path, off,
                         "chunk declares %u raw bytes (limit %u)", out->raw_len,
                         RRTI_MAX_RAW);
    return RRT_OK;
}

void rrti_encode_file(rrt_buf *b, const rrt_file_entry *e)
{
    /* Fields that do not apply are written as zero (spec 3.3), whatever
     * the caller left in them. */
    static const uint8_t zero_id[16] = {0};
    bool external = e->flags & RRT_FILE_EXTERNAL;
    rrt_buf_put_u32(b, e->flags);
    rrt_buf_put_u32(b, e->mode);
    rrt_buf_put_u64(b, e->size);
    rrt_buf_put_u64(b, (uint64_t)e->mtime_ns);
    rrt_buf_put_u64(b, external ? e->dev : 0);
    rrt_buf_put_u64(b, external ? e->ino : 0);
    rrt_buf_put(b, e->flags & RRT_FILE_HAS_BLOB ? e->blob.bytes : zero_id, 16);
    rrt_buf_put_lenbytes(b, e->path, strlen(e->path));
}

rrt_status rrti_decode_file(const uint8_t *p, size_t len, rrt_file_entry *out,
                            const char *path, uint64_t off, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    rrt_cursor c;
    rrt_cursor_init(&c, p, len);
    out->flags = rrt_cursor_u32(&c);
    out->mode = rrt_cursor_u32(&c);
    out->size = rrt_cursor_u64(&c);
    out->mtime_ns = (int64_t)rrt_cursor_u64(&c);
    out->dev = rrt_cursor_u64(&c);
    out->ino = rrt_cursor_u64(&c);
    const uint8_t *id = rrt_cursor_bytes(&c, 16);
    size_t plen = 0;
    const uint8_t *pp = rrt_cursor_lenbytes(&c, &plen);
    if (c.failed || !id || !pp)
        return CORRUPT("file entry truncated");
    if (rrt_cursor_left(&c))
        return CORRUPT("file entry has %zu trailing bytes",
                       rrt_cursor_left(&c));
    if (out->flags & ~(RRT_FILE_HAS_BLOB | RRT_FILE_EXTERNAL))
        return CORRUPT("file entry has unknown flags 0x%x", out->flags);
    if (!(out->flags & (RRT_FILE_HAS_BLOB | RRT_FILE_EXTERNAL)))
        return CORRUPT("file entry is neither embedded nor external");
    static const uint8_t zero_id[16] = {0};
    if ((!(out->flags & RRT_FILE_HAS_BLOB) && memcmp(id, zero_id, 16)) ||
        (!(out->flags & RRT_FILE_EXTERNAL) && (out->dev || out->ino)))
        return CORRUPT("file entry has a blob id or dev/ino it does not "
                       "use (must be zero)");
    if (plen == 0 || plen > RRTI_MAX_PATH || memchr(pp, 0, plen))
        return CORRUPT("file entry path is empty, too long or contains NUL");
    memcpy(out->blob.bytes, id, 16);
    out->path = malloc(plen + 1);
    if (!out->path)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, off, "out of memory");
    memcpy(out->path, pp, plen);
    out->path[plen] = 0;
    return RRT_OK;
}

rrt_status rrti_decode_evts_header(const uint8_t *p, size_t len,
                                   rrti_evts_header *out, const char *path,
                                   uint64_t off, rrt_error *err)
{
    if (len < RRTI_EVTS_PREFIX)
        return CORRUPT("event batch too short (%zu bytes)", len);
    out->first = rrti_get_u64(p);
    out->count = rrti_get_u32(p + 8);
    out->method = p[12];
    if (p[13] || p[14] || p[15])
        return CORRUPT("event batch reserved bytes are not zero");
    out->raw_len = rrti_get_u32(p + 16);
    if (out->count == 0)
        return CORRUPT("event batch holds no events");
    if (out->raw_len == 0 || out->raw_len > RRTI_MAX_RAW)
        return rrtx_fail(err, RRT_E_LIMIT, 0, path, off,
                         "event batch declares %u raw bytes (limit %u)",
                         out->raw_len, RRTI_MAX_RAW);
    /* Each event takes at least two bytes (type and length varints). */
    if (out->count > out->raw_len / 2)
        return CORRUPT("event batch declares %u events in %u bytes", out->count,
                       out->raw_len);
    return RRT_OK;
}

rrt_status rrti_decode_evts(const uint8_t *p, size_t len, uint8_t **raw,
                            rrti_evts_header *hdr, const char *path,
                            uint64_t off, rrt_error *err)
{
    *raw = NULL;
    rrt_status st = rrti_decode_evts_header(p, len, hdr, path, off, err);
    if (st != RRT_OK)
        return st;
    uint8_t *buf = malloc(hdr->raw_len);
    if (!buf)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, off, "out of memory");
    st = rrti_decompress(hdr->method, p + RRTI_EVTS_PREFIX,
                         len - RRTI_EVTS_PREFIX, buf, hdr->raw_len, path, off,
                         err);
    if (st != RRT_OK) {
        free(buf);
        return st;
    }
    rrt_cursor c;
    rrt_cursor_init(&c, buf, hdr->raw_len);
    for (uint32_t i = 0; i < hdr->count; i++) {
        uint64_t type = rrt_cursor_varint(&c);
        size_t n;
        rrt_cursor_lenbytes(&c, &n);
        if (c.failed || type > UINT32_MAX) {
            free(buf);
            return CORRUPT("event %llu of the batch is malformed",
                           (unsigned long long)(hdr->first + i));
        }
    }
    if (rrt_cursor_left(&c)) {
        free(buf);
        return CORRUPT("event batch has %zu bytes after its %u events",
                       rrt_cursor_left(&c), hdr->count);
    }
    *raw = buf;
    return RRT_OK;
}

void rrti_meta_free(rrti_meta *m)
{
    free(m->entries);
    m->entries = NULL;
    m->n = 0;
}

static bool text_ok(const uint8_t *p, size_t n, size_t max)
{
    return n <= max && !memchr(p, 0, n);
}

rrt_status rrti_decode_meta(const uint8_t *p, size_t len, rrti_meta *out,
                            const char *path, uint64_t off, rrt_error *err)
{
    out->entries = NULL;
    out->n = 0;
    rrt_cursor c;
    rrt_cursor_init(&c, p, len);
    uint64_t n = rrt_cursor_varint(&c);
    if (c.failed || n > RRTI_MAX_META_COUNT || n > len / 2)
        return CORRUPT("metadata count is invalid");
    /* One allocation: the entry array, then NUL-terminated copies. */
    size_t bytes = (size_t)n * sizeof(rrt_meta_entry) + len + 2 * (size_t)n;
    rrt_meta_entry *e = malloc(bytes ? bytes : 1);
    if (!e)
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, off, "out of memory");
    char *text = (char *)(e + n);
    const uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (uint64_t i = 0; i < n; i++) {
        size_t kl, vl;
        const uint8_t *k = rrt_cursor_lenbytes(&c, &kl);
        const uint8_t *v = rrt_cursor_lenbytes(&c, &vl);
        if (c.failed || kl == 0 || !text_ok(k, kl, RRTI_MAX_META_KEY) ||
            !text_ok(v, vl, RRTI_MAX_META_VALUE)) {
            free(e);
            return CORRUPT("metadata entry %llu is malformed",
                           (unsigned long long)i);
        }
        if (prev) {
            size_t m = prev_len < kl ? prev_len : kl;
            int cmp = memcmp(prev, k, m);
            if (cmp > 0 || (cmp == 0 && prev_len >= kl)) {
                free(e);
                return CORRUPT("metadata keys are not strictly increasing");
            }
        }
        prev = k;
        prev_len = kl;
        e[i].key = text;
        memcpy(text, k, kl);
        text[kl] = 0;
        text += kl + 1;
        e[i].value = text;
        if (vl)
            memcpy(text, v, vl);
        text[vl] = 0;
        text += vl + 1;
    }
    if (rrt_cursor_left(&c)) {
        free(e);
        return CORRUPT("metadata has %zu trailing bytes", rrt_cursor_left(&c));
    }
    out->entries = e;
    out->n = (size_t)n;
    return RRT_OK;
}

static int cmp_index_blob(const void *a, const void *b)
{
    return rrt_blob_id_cmp(&((const rrti_index_blob *)a)->id,
                           &((const rrti_index_blob *)b)->id);
}

void rrti_encode_index(rrt_buf *b, const rrt_section_info *secs, size_t nsec,
                       rrti_index_blob *blobs, size_t nblob, uint64_t nevents)
{
    if (nblob)
        qsort(blobs, nblob, sizeof(*blobs), cmp_index_blob);
    rrt_buf_put_u64(b, nsec);
    rrt_buf_put_u64(b, nblob);
    rrt_buf_put_u64(b, nevents);
    for (size_t i = 0; i < nsec; i++) {
        rrt_buf_put_u32(b, secs[i].type);
        rrt_buf_put_u32(b, secs[i].flags);
        rrt_buf_put_u64(b, secs[i].offset);
        rrt_buf_put_u64(b, secs[i].length);
        rrt_buf_put_u64(b, secs[i].aux);
    }
    for (size_t i = 0; i < nblob; i++) {
        rrt_buf_put(b, blobs[i].id.bytes, 16);
        rrt_buf_put_u64(b, blobs[i].offset);
        rrt_buf_put_u64(b, blobs[i].size);
    }
}

uint64_t rrti_footer_checksum(const uint8_t header[RRTI_HEADER_SIZE],
                              const uint8_t footer16[16])
{
    uint8_t both[RRTI_HEADER_SIZE + 16];
    memcpy(both, header, RRTI_HEADER_SIZE);
    memcpy(both + RRTI_HEADER_SIZE, footer16, 16);
    return XXH3_64bits(both, sizeof(both));
}

void rrti_encode_footer(uint8_t out[RRTI_FOOTER_SIZE],
                        const uint8_t header[RRTI_HEADER_SIZE],
                        uint64_t index_off, uint64_t index_size)
{
    rrti_put_u64(out, index_off);
    rrti_put_u64(out + 8, index_size);
    rrti_put_u64(out + 16, rrti_footer_checksum(header, out));
    memcpy(out + 24, rrti_end_magic, 8);
}
