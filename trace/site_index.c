/* The file identity index of the CPUID site cache (site_cache.h, "The file
 * identity index"): one small file per identity, in the cache directory,
 * beside the content entries and under the same size bound.
 *
 * Index entry file, "i<32 hex digits>.<decoder>2" (NAME_FORMAT) where the
 * digits are the XXH3-128 of bytes 16..88 below; all integers little-endian: 0
 * 8   magic "rrtsfid1" 8   2   format version, 2 (1 had no disp bytes) 10  2
 * sweep version (SWEEP_VERSION) 12  1   decoder: 1 zydis, 2 capstone 13  1
 * flags: bit 0, the region holds the bytes 0F A2 (else the key is zero and
 * there are no sites); other bits 0 14  2   reserved, 0 16  72  identity: dev,
 * ino, size, mtime s, mtime ns, ctime s, ctime ns, mapping offset, region
 * length N (u64 each) 88  16  content key (XXH3-128 of the region, rrt_blob_id
 * byte order) 104 16  sample hash (trace_sample_hash) 120 8   site count n <=
 * min(N / 2, TRACE_SITE_INDEX_MAX_SITES), 9n = file size - 136 128 8n  site
 * offsets, u64 each, increasing by 2 or more, each + 2 <= N
 *   ..  n   each site's disp (trace_sites, trace_cpuid_disp_ok): the
 *           sample covers 64 bytes after each site, so the span too
 *   ..  8   XXH3-64 of all the bytes before it */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "site_cache.h"
#include "site_cache_priv.h"

#define MAGIC "rrtsfid1"
#define FORMAT_VERSION 2
#define ID_AT 16u
#define ID_LEN 72u
#define HEADER 128u
#define TRAILER 8u
#define FLAG_PAIRS 1u

#define SAMPLE_EDGE 4096u
#define SAMPLE_STRIDE ((uint64_t)1 << 20)
#define SAMPLE_SMALL 64u

/* ------------------------------------------------------------------ */
/* Samples                                                            */

static bool sample(XXH3_state_t *st, trace_region_reader rd, void *ctx,
                   uint64_t len, uint64_t at, uint64_t n, uint8_t *buf)
{
    if (at >= len)
        return true;
    if (n > len - at)
        n = len - at;
    if (!rd(ctx, at, buf, (size_t)n))
        return false;
    XXH3_128bits_update(st, buf, (size_t)n);
    return true;
}

bool trace_sample_hash(uint64_t len, const uint64_t *off, size_t n,
                       bool check_sites, trace_region_reader rd, void *ctx,
                       uint8_t hash[16])
{
    uint8_t buf[SAMPLE_EDGE];
    XXH3_state_t st;
    XXH3_128bits_reset(&st);
    uint64_t edge = len < SAMPLE_EDGE ? len : SAMPLE_EDGE;
    if (!sample(&st, rd, ctx, len, 0, edge, buf) ||
        !sample(&st, rd, ctx, len, len - edge, edge, buf))
        return false;
    for (uint64_t at = SAMPLE_STRIDE; at < len; at += SAMPLE_STRIDE)
        if (!sample(&st, rd, ctx, len, at, SAMPLE_SMALL, buf))
            return false;
    for (size_t i = 0; i < n; i++) {
        if (off[i] > len - 2)
            return false;
        uint64_t from = off[i] > SAMPLE_SMALL ? off[i] - SAMPLE_SMALL : 0;
        uint64_t k = off[i] + 2 + SAMPLE_SMALL - from;
        if (!sample(&st, rd, ctx, len, from, k, buf))
            return false;
        const uint8_t *site = buf + (off[i] - from);
        if (check_sites && (site[0] != 0x0f || site[1] != 0xa2))
            return false;
    }
    XXH128_canonical_t h;
    XXH128_canonicalFromHash(&h, XXH3_128bits_digest(&st));
    memcpy(hash, h.digest, 16);
    return true;
}

/* ------------------------------------------------------------------ */
/* Entries                                                            */

static void put_id(uint8_t *p, const trace_file_id *id)
{
    const uint64_t v[9] = {id->dev,        id->ino,        id->size,
                           id->mtime_sec,  id->mtime_nsec, id->ctime_sec,
                           id->ctime_nsec, id->offset,     id->len};
    for (int i = 0; i < 9; i++)
        trace_sc_put_u64(p + 8 * i, v[i]);
}

static void index_name(const trace_site_cache *c, const uint8_t id[ID_LEN],
                       char name[64])
{
    XXH128_canonical_t h;
    XXH128_canonicalFromHash(&h, XXH3_128bits(id, ID_LEN));
    char *q = name;
    *q++ = 'i';
    for (int i = 0; i < 16; i++) {
        *q++ = "0123456789abcdef"[h.digest[i] >> 4];
        *q++ = "0123456789abcdef"[h.digest[i] & 15];
    }
    *q++ = '.';
    size_t k = strlen(c->decoder_name);
    memcpy(q, c->decoder_name, k);
    memcpy(q + k, NAME_FORMAT, sizeof(NAME_FORMAT));
}

static bool indexable(const trace_site_cache *c, const trace_file_id *id)
{
    return c && c->dfd >= 0 && id->len >= c->min_len && id->len >= 2;
}

static uint64_t max_sites(uint64_t len)
{
    return len / 2 < TRACE_SITE_INDEX_MAX_SITES ? len / 2
                                                : TRACE_SITE_INDEX_MAX_SITES;
}

typedef struct mem_ctx {
    const uint8_t *code;
} mem_ctx;

static bool read_code(void *ctx, uint64_t off, void *buf, size_t n)
{
    memcpy(buf, ((mem_ctx *)ctx)->code + off, n);
    return true;
}

bool trace_site_index_store(trace_site_cache *c, const trace_file_id *id,
                            const uint8_t *code, bool pairs,
                            const rrt_blob_id *key, const trace_sites *s)
{
    size_t n = pairs ? s->n : 0;
    if (!indexable(c, id) || n > max_sites(id->len))
        return false;
    size_t size = HEADER + 9 * n + TRAILER;
    uint8_t *p = calloc(1, size);
    if (!p)
        return false;
    memcpy(p, MAGIC, 8);
    trace_sc_put_u16(p + 8, FORMAT_VERSION);
    trace_sc_put_u16(p + 10, SWEEP_VERSION);
    p[12] = c->decoder;
    p[13] = pairs ? FLAG_PAIRS : 0;
    put_id(p + ID_AT, id);
    if (pairs)
        memcpy(p + 88, key->bytes, 16);
    mem_ctx m = {code};
    bool ok = trace_sample_hash(id->len, pairs ? s->off : NULL, n, true,
                                read_code, &m, p + 104);
    trace_sc_put_u64(p + 120, n);
    for (size_t i = 0; i < n; i++) {
        trace_sc_put_u64(p + HEADER + 8 * i, s->off[i]);
        p[HEADER + 8 * n + i] = s->disp[i];
    }
    trace_sc_put_u64(p + size - TRAILER, XXH3_64bits(p, size - TRAILER));
    char name[64];
    index_name(c, p + ID_AT, name);
    if (ok)
        ok = trace_sc_publish(c, name, p, size);
    if (ok)
        c->stats.id_stores++;
    free(p);
    return ok;
}

/* Decodes an index entry as hostile input and checks it against the
 * identity and the bytes in memory. */
static bool decode(const trace_site_cache *c, const uint8_t *p, size_t size,
                   const uint8_t id[ID_LEN], uint64_t len,
                   trace_region_reader rd, void *ctx, bool *pairs,
                   rrt_blob_id *key, trace_sites *out)
{
    static const uint8_t zero[16] = {0};
    if (size < HEADER + TRAILER || (size - HEADER - TRAILER) % 9 != 0)
        return false;
    uint64_t n = (size - HEADER - TRAILER) / 9;
    if (memcmp(p, MAGIC, 8) != 0 || trace_sc_get_u16(p + 8) != FORMAT_VERSION ||
        trace_sc_get_u16(p + 10) != SWEEP_VERSION || p[12] != c->decoder ||
        (p[13] & ~FLAG_PAIRS) != 0 || memcmp(p + 14, zero, 2) != 0 ||
        memcmp(p + ID_AT, id, ID_LEN) != 0 || trace_sc_get_u64(p + 120) != n ||
        n > max_sites(len))
        return false;
    bool has = p[13] & FLAG_PAIRS;
    if (!has && (n != 0 || memcmp(p + 88, zero, 16) != 0))
        return false;
    if (trace_sc_get_u64(p + size - TRAILER) != XXH3_64bits(p, size - TRAILER))
        return false;
    uint64_t *off = malloc(n ? (size_t)n * sizeof(*off) : 1);
    if (!off)
        return false;
    bool ok = true;
    const uint8_t *disp = p + HEADER + 8 * n;
    for (uint64_t i = 0; i < n && ok; i++) {
        off[i] = trace_sc_get_u64(p + HEADER + 8 * i);
        ok = off[i] <= len - 2 && (i == 0 || off[i] >= off[i - 1] + 2) &&
             trace_cpuid_disp_ok(off[i], disp[i], len);
    }
    uint8_t h[16];
    ok = ok && trace_sample_hash(len, off, (size_t)n, true, rd, ctx, h) &&
         memcmp(h, p + 104, 16) == 0 &&
         trace_sites_set(out, off, disp, (size_t)n);
    free(off);
    if (ok) {
        *pairs = has;
        memcpy(key->bytes, p + 88, 16);
    }
    return ok;
}

bool trace_site_index_lookup(trace_site_cache *c, const trace_file_id *id,
                             trace_region_reader rd, void *ctx, bool *pairs,
                             rrt_blob_id *key, trace_sites *out)
{
    out->n = 0;
    if (!indexable(c, id))
        return false;
    uint8_t idb[ID_LEN];
    put_id(idb, id);
    char name[64];
    index_name(c, idb, name);
    int fd =
        openat(c->dfd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
    if (fd < 0) {
        c->stats.id_misses++;
        if (errno != ENOENT) {
            c->stats.id_rejected++;
            unlinkat(c->dfd, name, 0);
        }
        return false;
    }
    struct stat sb;
    bool got = false;
    uint8_t *p = NULL;
    uint64_t most = HEADER + 9 * max_sites(id->len) + TRAILER;
    if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_uid == geteuid() &&
        !(sb.st_mode & 022) && (uint64_t)sb.st_size <= most &&
        (uint64_t)sb.st_size >= HEADER + TRAILER) {
        size_t size = (size_t)sb.st_size;
        p = malloc(size);
        got = p && trace_sc_read_all(fd, p, size) &&
              decode(c, p, size, idb, id->len, rd, ctx, pairs, key, out);
    }
    if (got)
        trace_sc_touch(fd, &sb);
    free(p);
    close(fd);
    if (got) {
        c->stats.id_hits++;
        return true;
    }
    out->n = 0;
    c->stats.id_misses++;
    c->stats.id_rejected++;
    unlinkat(c->dfd, name, 0);
    return false;
}
