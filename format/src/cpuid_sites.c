/* CSIT payloads (spec/format.md 3.8): the table of CPUID sites by code key,
 * its strict decoder, its encoder, and the writer's set of added entries. */
#include <stdlib.h>
#include <string.h>

#include "rrti.h"

typedef struct site_entry {
    rrt_blob_id key;
    uint64_t code_len;
    size_t first; /* index of its first site in the table's off[] */
    size_t n;
    size_t seq;   /* reader: order of appearance, the later wins */
    bool written; /* writer: already in a queued section */
} site_entry;

struct rrt_cpuid_sites {
    site_entry *e;
    size_t ne, cape;
    uint64_t *off;
    size_t noff, capoff;
};

rrt_cpuid_sites *rrti_cpuid_sites_new(void)
{
    return calloc(1, sizeof(rrt_cpuid_sites));
}

void rrt_cpuid_sites_free(rrt_cpuid_sites *t)
{
    if (!t)
        return;
    free(t->e);
    free(t->off);
    free(t);
}

static bool grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return true;
    size_t c = *cap ? *cap : 16;
    while (c < need) {
        if (c > SIZE_MAX / 2 / size)
            return false;
        c *= 2;
    }
    void *q = realloc(*p, c * size);
    if (!q)
        return false;
    *p = q;
    *cap = c;
    return true;
}

static bool reserve(rrt_cpuid_sites *t, size_t entries, size_t sites)
{
    return entries <= SIZE_MAX - t->ne && sites <= SIZE_MAX - t->noff &&
           grow((void **)&t->e, &t->cape, t->ne + entries, sizeof(*t->e)) &&
           grow((void **)&t->off, &t->capoff, t->noff + sites, sizeof(*t->off));
}

size_t rrt_cpuid_sites_count(const rrt_cpuid_sites *t)
{
    return t ? t->ne : 0;
}

void rrt_cpuid_sites_entry(const rrt_cpuid_sites *t, size_t i, rrt_blob_id *key,
                           uint64_t *code_len, const uint64_t **offsets,
                           size_t *n)
{
    const site_entry *e = &t->e[i];
    if (key)
        *key = e->key;
    if (code_len)
        *code_len = e->code_len;
    if (offsets)
        *offsets = e->n ? t->off + e->first : NULL; /* NULL + 0 is UB */
    if (n)
        *n = e->n;
}

/* Index of the entry with this key, or of where it would go. */
static size_t search(const rrt_cpuid_sites *t, const rrt_blob_id *key,
                     bool *found)
{
    size_t lo = 0, hi = t->ne;
    *found = false;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = rrt_blob_id_cmp(&t->e[mid].key, key);
        if (c == 0) {
            *found = true;
            return mid;
        }
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

bool rrt_cpuid_sites_find(const rrt_cpuid_sites *t, const rrt_blob_id *key,
                          uint64_t *code_len, const uint64_t **offsets,
                          size_t *n)
{
    bool found = false;
    size_t i = t ? search(t, key, &found) : 0;
    if (found)
        rrt_cpuid_sites_entry(t, i, NULL, code_len, offsets, n);
    return found;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                           */

#define CORRUPT(...)                                                           \
    rrtx_fail(err, RRT_E_CORRUPT, 0, path, off, "CPUID sites: " __VA_ARGS__)

/* Smallest encoded entry: key, a length and a count of one byte each. */
#define MIN_ENTRY 18u

static rrt_status decode_entry(rrt_cpuid_sites *t, rrt_cursor *c, size_t i,
                               const rrt_blob_id *prev, const char *path,
                               uint64_t off, rrt_error *err)
{
    const uint8_t *k = rrt_cursor_bytes(c, 16);
    uint64_t len = rrt_cursor_varint(c);
    uint64_t n = rrt_cursor_varint(c);
    if (c->failed)
        return CORRUPT("entry %zu is cut short", i);
    site_entry e = {.code_len = len, .first = t->noff};
    memcpy(e.key.bytes, k, 16);
    if (prev && rrt_blob_id_cmp(prev, &e.key) >= 0)
        return CORRUPT("entry %zu: keys are not strictly increasing", i);
    if (len < 2 || len > RRT_CPUID_SITES_MAX_CODE)
        return CORRUPT("entry %zu: code length %llu is out of range", i,
                       (unsigned long long)len);
    /* Every site takes at least one byte here, and two bytes of code. */
    if (n > RRT_CPUID_SITES_MAX_PER_REGION || n > len / 2 ||
        n > rrt_cursor_left(c))
        return CORRUPT("entry %zu: %llu sites cannot fit %llu bytes of code "
                       "or the payload",
                       i, (unsigned long long)n, (unsigned long long)len);
    if (!reserve(t, 1, (size_t)n))
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, off, "out of memory");
    uint64_t site = 0;
    for (uint64_t j = 0; j < n; j++) {
        uint64_t d = rrt_cursor_varint(c);
        if (c->failed)
            return CORRUPT("entry %zu: site %llu is cut short", i,
                           (unsigned long long)j);
        /* d <= len keeps site + d far from overflowing (len <= 2^48). */
        if ((j > 0 && d < 2) || d > len || site + d > len - 2)
            return CORRUPT("entry %zu: site %llu (delta %llu) overlaps the "
                           "previous one or lies past the code's %llu bytes",
                           i, (unsigned long long)j, (unsigned long long)d,
                           (unsigned long long)len);
        site += d;
        t->off[t->noff++] = site;
    }
    e.n = (size_t)n;
    e.seq = t->ne;
    t->e[t->ne++] = e;
    return RRT_OK;
}

rrt_status rrti_cpuid_sites_decode_into(rrt_cpuid_sites *t, const uint8_t *p,
                                        size_t len, const char *path,
                                        uint64_t off, rrt_error *err)
{
    size_t ne = t->ne, noff = t->noff;
    rrt_cursor c;
    rrt_cursor_init(&c, p, len);
    uint64_t count = rrt_cursor_varint(&c);
    rrt_status st = RRT_OK;
    if (c.failed || count == 0 || count > RRTI_MAX_CSIT_COUNT ||
        count > rrt_cursor_left(&c) / MIN_ENTRY)
        st = CORRUPT("bad entry count %llu for %zu bytes",
                     (unsigned long long)count, len);
    else if (!reserve(t, (size_t)count, 0))
        st = rrtx_fail(err, RRT_E_NOMEM, 0, path, off, "out of memory");
    for (size_t i = 0; st == RRT_OK && i < count; i++) {
        rrt_blob_id prev;
        if (i > 0)
            prev = t->e[t->ne - 1].key;
        st = decode_entry(t, &c, i, i > 0 ? &prev : NULL, path, off, err);
    }
    if (st == RRT_OK && rrt_cursor_left(&c) != 0)
        st = CORRUPT("%zu bytes after the last entry", rrt_cursor_left(&c));
    if (st != RRT_OK) {
        t->ne = ne;
        t->noff = noff;
    }
    return st;
}

static int cmp_key_seq(const void *a, const void *b)
{
    const site_entry *x = a, *y = b;
    int c = rrt_blob_id_cmp(&x->key, &y->key);
    if (c)
        return c;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void rrti_cpuid_sites_merge(rrt_cpuid_sites *t)
{
    if (t->ne < 2)
        return;
    qsort(t->e, t->ne, sizeof(*t->e), cmp_key_seq);
    size_t m = 0;
    for (size_t i = 0; i < t->ne; i++) {
        if (m && rrt_blob_id_cmp(&t->e[m - 1].key, &t->e[i].key) == 0)
            t->e[m - 1] = t->e[i]; /* a later section replaces it */
        else
            t->e[m++] = t->e[i];
    }
    t->ne = m;
}

rrt_status rrt_cpuid_sites_decode(const void *data, size_t len,
                                  rrt_cpuid_sites **out, rrt_error *err)
{
    *out = NULL;
    rrt_cpuid_sites *t = rrti_cpuid_sites_new();
    if (!t)
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory");
    rrt_status st =
        rrti_cpuid_sites_decode_into(t, data, len, NULL, UINT64_MAX, err);
    if (st != RRT_OK) {
        rrt_cpuid_sites_free(t);
        return st;
    }
    *out = t;
    return RRT_OK;
}

/* ------------------------------------------------------------------ */
/* Encoding and the writer's entries                                  */

static void put_entry(rrt_buf *b, const rrt_cpuid_sites *t, const site_entry *e)
{
    rrt_buf_put(b, e->key.bytes, 16);
    rrt_buf_put_varint(b, e->code_len);
    rrt_buf_put_varint(b, e->n);
    uint64_t prev = 0;
    for (size_t j = 0; j < e->n; j++) {
        uint64_t s = t->off[e->first + j];
        rrt_buf_put_varint(b, s - prev);
        prev = s;
    }
}

void rrti_cpuid_sites_encode(rrt_buf *b, const rrt_cpuid_sites *t)
{
    rrt_buf_put_varint(b, t->ne);
    for (size_t i = 0; i < t->ne; i++)
        put_entry(b, t, &t->e[i]);
}

/* Checks a site list against the rules of spec 3.8. */
static bool sites_valid(uint64_t len, const uint64_t *off, size_t n)
{
    uint64_t next = 0;
    for (size_t j = 0; j < n; j++) {
        if (off[j] < next || off[j] > len - 2)
            return false;
        next = off[j] + 2;
    }
    return true;
}

rrt_status rrti_cpuid_sites_add(rrt_cpuid_sites *t, const rrt_blob_id *key,
                                uint64_t len, const uint64_t *off, size_t n,
                                const char *path, rrt_error *err)
{
    if (n > RRT_CPUID_SITES_MAX_PER_REGION || len > RRT_CPUID_SITES_MAX_CODE)
        return rrtx_fail(err, RRT_E_LIMIT, 0, path, UINT64_MAX,
                         "CPUID sites: %zu sites in %llu bytes of code "
                         "exceed the limits",
                         n, (unsigned long long)len);
    if (len < 2 || (n && !off) || !sites_valid(len, off, n))
        return rrtx_fail(err, RRT_E_INVALID, 0, path, UINT64_MAX,
                         "CPUID sites: sites out of order, overlapping or "
                         "outside the %llu bytes of code",
                         (unsigned long long)len);
    bool found;
    size_t at = search(t, key, &found);
    if (found) {
        const site_entry *e = &t->e[at];
        if (e->code_len == len && e->n == n &&
            (n == 0 || memcmp(t->off + e->first, off, n * sizeof(*off)) == 0))
            return RRT_OK;
        char hex[33];
        rrt_blob_id_to_hex(key, hex);
        return rrtx_fail(err, RRT_E_INVALID, 0, path, UINT64_MAX,
                         "CPUID sites: code %s added twice with different "
                         "sites",
                         hex);
    }
    if (!reserve(t, 1, n))
        return rrtx_fail(err, RRT_E_NOMEM, 0, path, UINT64_MAX,
                         "out of memory");
    memmove(t->e + at + 1, t->e + at, (t->ne - at) * sizeof(*t->e));
    t->e[at] =
        (site_entry){.key = *key, .code_len = len, .first = t->noff, .n = n};
    t->ne++;
    if (n)
        memcpy(t->off + t->noff, off, n * sizeof(*off));
    t->noff += n;
    return RRT_OK;
}

/* Bytes an entry may take at most: key, two varints, a varint per site. */
static uint64_t entry_bound(const site_entry *e)
{
    return 16 + 10 + 10 + 10 * (uint64_t)e->n;
}

size_t rrti_cpuid_sites_take(rrt_cpuid_sites *t, rrt_buf *b)
{
    /* The entries not written yet, in key order, as many as one section
     * holds (one always fits: the per-region limit keeps it far below). */
    size_t count = 0, last = 0;
    uint64_t bytes = 10;
    for (size_t i = 0; i < t->ne && count < RRTI_MAX_CSIT_COUNT; i++) {
        if (t->e[i].written)
            continue;
        if (bytes + entry_bound(&t->e[i]) > RRTI_MAX_PAYLOAD)
            break;
        bytes += entry_bound(&t->e[i]);
        count++;
        last = i;
    }
    if (count == 0)
        return 0;
    rrt_buf_put_varint(b, count);
    for (size_t i = 0; i <= last; i++) {
        if (t->e[i].written)
            continue;
        put_entry(b, t, &t->e[i]);
        t->e[i].written = true;
    }
    return count;
}
