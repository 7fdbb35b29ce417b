/* CPUID manifest: normalization, look-up and the CPID payload codec. */
#include <stdlib.h>
#include <string.h>

#include "rrti.h"

rrt_cpuid_mask *rrti_mask_add(rrt_cpuid_manifest *m, uint32_t leaf,
                              uint32_t sub)
{
    /* The manifest keeps no capacity: the array is exactly n_masks long. */
    size_t cap = m->n_masks;
    rrt_cpuid_mask *grown =
        rrtx_grow(m->masks, &cap, m->n_masks + 1, sizeof(*m->masks));
    if (!grown)
        return NULL;
    m->masks = grown;
    rrt_cpuid_mask *k = &m->masks[m->n_masks++];
    bool indexed = rrt_cpuid_leaf_is_indexed(leaf);
    *k = (rrt_cpuid_mask){.leaf = leaf,
                          .subleaf = sub,
                          .flags = indexed ? RRT_CPUID_SUBLEAF_INDEXED : 0,
                          .eax = UINT32_MAX,
                          .ebx = UINT32_MAX,
                          .ecx = UINT32_MAX,
                          .edx = UINT32_MAX};
    return k;
}

void rrt_cpuid_manifest_clear(rrt_cpuid_manifest *m)
{
    free(m->records);
    free(m->masks);
    free(m->queried);
    memset(m, 0, sizeof(*m));
}

static void *dup_array(const void *src, size_t n, size_t size, bool *ok)
{
    if (!n)
        return NULL;
    void *p = malloc(n * size);
    if (!p)
        *ok = false;
    else
        memcpy(p, src, n * size);
    return p;
}

rrt_status rrt_cpuid_manifest_copy(rrt_cpuid_manifest *dst,
                                   const rrt_cpuid_manifest *src,
                                   rrt_error *err)
{
    bool ok = true;
    *dst = *src;
    dst->records =
        dup_array(src->records, src->n_records, sizeof(*src->records), &ok);
    dst->masks = dup_array(src->masks, src->n_masks, sizeof(*src->masks), &ok);
    dst->queried =
        dup_array(src->queried, src->n_queried, sizeof(*src->queried), &ok);
    if (!ok) {
        rrt_cpuid_manifest_clear(dst);
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory copying a CPUID manifest");
    }
    return RRT_OK;
}

static int cmp_key(uint32_t al, uint32_t as, uint32_t bl, uint32_t bs)
{
    if (al != bl)
        return al < bl ? -1 : 1;
    if (as != bs)
        return as < bs ? -1 : 1;
    return 0;
}

static int cmp_record(const void *a, const void *b)
{
    const rrt_cpuid_record *x = a, *y = b;
    return cmp_key(x->leaf, x->subleaf, y->leaf, y->subleaf);
}

static int cmp_leaf(const void *a, const void *b)
{
    const rrt_cpuid_leaf *x = a, *y = b;
    return cmp_key(x->leaf, x->subleaf, y->leaf, y->subleaf);
}

static bool records_unique(const rrt_cpuid_record *r, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (cmp_record(&r[i - 1], &r[i]) >= 0)
            return false;
    return true;
}

rrt_status rrt_cpuid_manifest_normalize(rrt_cpuid_manifest *m, rrt_error *err)
{
    if (m->n_records)
        qsort(m->records, m->n_records, sizeof(*m->records), cmp_record);
    if (m->n_masks)
        qsort(m->masks, m->n_masks, sizeof(*m->masks), cmp_record);
    if (m->n_queried)
        qsort(m->queried, m->n_queried, sizeof(*m->queried), cmp_leaf);
    if (!records_unique(m->records, m->n_records) ||
        !records_unique(m->masks, m->n_masks))
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "CPUID manifest has duplicate leaves");
    /* Duplicate queried leaves are harmless: fold them. */
    size_t k = 0;
    for (size_t i = 0; i < m->n_queried; i++)
        if (k == 0 || cmp_leaf(&m->queried[k - 1], &m->queried[i]) != 0)
            m->queried[k++] = m->queried[i];
    m->n_queried = k;
    return RRT_OK;
}

static const rrt_cpuid_record *find_in(const rrt_cpuid_record *r, size_t n,
                                       uint32_t leaf, uint32_t subleaf)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = cmp_key(r[mid].leaf, r[mid].subleaf, leaf, subleaf);
        if (c == 0)
            return &r[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The record for a leaf's subleaf, or the leaf's single record when it is
 * not subleaf-indexed (stored with subleaf 0). */
static const rrt_cpuid_record *lookup(const rrt_cpuid_record *r, size_t n,
                                      uint32_t leaf, uint32_t subleaf)
{
    const rrt_cpuid_record *x = find_in(r, n, leaf, subleaf);
    if (x)
        return x;
    x = find_in(r, n, leaf, 0);
    if (x && !(x->flags & RRT_CPUID_SUBLEAF_INDEXED))
        return x;
    return NULL;
}

const rrt_cpuid_record *rrt_cpuid_manifest_find(const rrt_cpuid_manifest *m,
                                                uint32_t leaf, uint32_t subleaf)
{
    return lookup(m->records, m->n_records, leaf, subleaf);
}

bool rrt_cpuid_manifest_effective(const rrt_cpuid_manifest *m, uint32_t leaf,
                                  uint32_t subleaf, uint32_t out[4])
{
    const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, leaf, subleaf);
    if (!r) {
        /* Leaves above the maximum basic/extended leaf read as zero. */
        uint32_t base = leaf & 0x80000000u;
        const rrt_cpuid_record *max = rrt_cpuid_manifest_find(m, base, 0);
        if (max && leaf > base && leaf > max->eax) {
            memset(out, 0, 4 * sizeof(uint32_t));
            return true;
        }
        return false;
    }
    out[0] = r->eax;
    out[1] = r->ebx;
    out[2] = r->ecx;
    out[3] = r->edx;
    const rrt_cpuid_mask *k = lookup(m->masks, m->n_masks, leaf, subleaf);
    if (k) {
        out[0] &= k->eax;
        out[1] &= k->ebx;
        out[2] &= k->ecx;
        out[3] &= k->edx;
    }
    return true;
}

#define FLAGS_KNOWN                                                            \
    (RRT_CPUID_FAULTING_USED | RRT_CPUID_PATCHING_USED | RRT_CPUID_MASKED |    \
     RRT_CPUID_QUERIED_KNOWN)

/* What get_records below accepts: so the writer never writes a manifest
 * that the reader rejects. */
static bool records_valid(const rrt_cpuid_record *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((r[i].flags & ~RRT_CPUID_SUBLEAF_INDEXED) ||
            (!(r[i].flags & RRT_CPUID_SUBLEAF_INDEXED) && r[i].subleaf))
            return false;
    return records_unique(r, n);
}

static void put_records(rrt_buf *b, const rrt_cpuid_record *r, size_t n)
{
    rrt_buf_put_varint(b, n);
    for (size_t i = 0; i < n; i++) {
        rrt_buf_put_u32(b, r[i].leaf);
        rrt_buf_put_u32(b, r[i].subleaf);
        rrt_buf_put_u32(b, r[i].flags);
        rrt_buf_put_u32(b, r[i].eax);
        rrt_buf_put_u32(b, r[i].ebx);
        rrt_buf_put_u32(b, r[i].ecx);
        rrt_buf_put_u32(b, r[i].edx);
    }
}

rrt_status rrt_cpuid_manifest_encode(const rrt_cpuid_manifest *m, uint8_t **out,
                                     size_t *out_len, rrt_error *err)
{
    size_t name_len = strnlen(m->mask_name, sizeof(m->mask_name));
    if (name_len >= sizeof(m->mask_name) ||
        strnlen(m->vendor, sizeof(m->vendor)) >= sizeof(m->vendor) ||
        m->n_records > RRTI_MAX_CPUID_COUNT ||
        m->n_masks > RRTI_MAX_CPUID_COUNT ||
        m->n_queried > RRTI_MAX_CPUID_COUNT)
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "CPUID manifest exceeds format limits");
    const char *bad = (m->flags & ~FLAGS_KNOWN)                  ? "flags"
                      : !records_valid(m->records, m->n_records) ? "records"
                      : !records_valid(m->masks, m->n_masks)     ? "masks"
                                                                 : NULL;
    for (size_t i = 1; !bad && i < m->n_queried; i++)
        if (cmp_leaf(&m->queried[i - 1], &m->queried[i]) >= 0)
            bad = "queried leaves";
    if (bad)
        return rrtx_fail(err, RRT_E_INVALID, 0, NULL, UINT64_MAX,
                         "CPUID manifest: invalid %s", bad);
    rrt_buf b;
    rrt_buf_init(&b);
    uint8_t vendor[12] = {0};
    memcpy(vendor, m->vendor, strnlen(m->vendor, 12));
    rrt_buf_put(&b, vendor, 12);
    rrt_buf_put_u32(&b, m->flags);
    rrt_buf_put_u64(&b, m->xcr0);
    rrt_buf_put_lenbytes(&b, m->mask_name, name_len);
    put_records(&b, m->records, m->n_records);
    put_records(&b, m->masks, m->n_masks);
    rrt_buf_put_varint(&b, m->n_queried);
    for (size_t i = 0; i < m->n_queried; i++) {
        rrt_buf_put_u32(&b, m->queried[i].leaf);
        rrt_buf_put_u32(&b, m->queried[i].subleaf);
    }
    if (b.failed) {
        rrt_buf_free(&b);
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory encoding a CPUID manifest");
    }
    *out = b.data;
    *out_len = b.len;
    return RRT_OK;
}

static bool get_records(rrt_cursor *c, rrt_cpuid_record **out, size_t *n_out)
{
    uint64_t n = rrt_cursor_varint(c);
    if (c->failed || n > RRTI_MAX_CPUID_COUNT || n > rrt_cursor_left(c) / 28)
        return false;
    *n_out = (size_t)n;
    if (!n)
        return true;
    rrt_cpuid_record *r = calloc((size_t)n, sizeof(*r));
    if (!r)
        return false;
    *out = r;
    for (size_t i = 0; i < n; i++) {
        r[i].leaf = rrt_cursor_u32(c);
        r[i].subleaf = rrt_cursor_u32(c);
        r[i].flags = rrt_cursor_u32(c);
        r[i].eax = rrt_cursor_u32(c);
        r[i].ebx = rrt_cursor_u32(c);
        r[i].ecx = rrt_cursor_u32(c);
        r[i].edx = rrt_cursor_u32(c);
        if (r[i].flags & ~RRT_CPUID_SUBLEAF_INDEXED)
            return false;
        if (!(r[i].flags & RRT_CPUID_SUBLEAF_INDEXED) && r[i].subleaf)
            return false;
        if (i && cmp_record(&r[i - 1], &r[i]) >= 0)
            return false;
    }
    return !c->failed;
}

rrt_status rrt_cpuid_manifest_decode(const void *data, size_t len,
                                     rrt_cpuid_manifest *out, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    const uint8_t *vendor = rrt_cursor_bytes(&c, 12);
    out->flags = rrt_cursor_u32(&c);
    out->xcr0 = rrt_cursor_u64(&c);
    size_t name_len;
    const uint8_t *name = rrt_cursor_lenbytes(&c, &name_len);
    const char *what = "header";
    if (c.failed || !vendor || !name)
        goto bad;
    what = "flags";
    if (out->flags & ~FLAGS_KNOWN)
        goto bad;
    what = "vendor";
    /* NUL-padded: nothing may follow the first NUL, or the decoded string
     * would not encode back to the same bytes. */
    for (size_t i = strnlen((const char *)vendor, 12); i < 12; i++)
        if (vendor[i])
            goto bad;
    what = "mask name";
    if (name_len >= sizeof(out->mask_name) || memchr(name, 0, name_len))
        goto bad;
    memcpy(out->vendor, vendor, 12);
    out->vendor[12] = 0;
    memcpy(out->mask_name, name, name_len);
    out->mask_name[name_len] = 0;
    what = "records";
    if (!get_records(&c, &out->records, &out->n_records))
        goto bad;
    what = "masks";
    if (!get_records(&c, &out->masks, &out->n_masks))
        goto bad;
    what = "queried leaves";
    uint64_t nq = rrt_cursor_varint(&c);
    if (c.failed || nq > RRTI_MAX_CPUID_COUNT || nq > rrt_cursor_left(&c) / 8)
        goto bad;
    if (nq) {
        out->queried = calloc((size_t)nq, sizeof(*out->queried));
        if (!out->queried)
            goto bad;
        out->n_queried = (size_t)nq;
    }
    for (size_t i = 0; i < nq; i++) {
        out->queried[i].leaf = rrt_cursor_u32(&c);
        out->queried[i].subleaf = rrt_cursor_u32(&c);
        if (i && cmp_leaf(&out->queried[i - 1], &out->queried[i]) >= 0)
            goto bad;
    }
    what = "trailing bytes";
    if (c.failed || rrt_cursor_left(&c))
        goto bad;
    return RRT_OK;
bad:
    rrt_cpuid_manifest_clear(out);
    return rrtx_fail(err, RRT_E_CORRUPT, 0, NULL, UINT64_MAX,
                     "CPUID manifest: bad %s", what);
}
