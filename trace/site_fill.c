/* The content key of a code region computed from the bytes as replay
 * writes them into a mapping it made (trace_code_stream, site_cache.h):
 * replay already holds every byte of a file mapping while it fills it, so
 * hashing them there spares reading the region back from the tracee. */
#include <stdlib.h>
#include <string.h>

#include <xxhash.h>

#include "site_cache.h"

bool trace_code_stream_init(trace_code_stream *s)
{
    *s = (trace_code_stream){0};
    s->st = XXH3_createState();
    if (!s->st)
        return false;
    if (XXH3_128bits_reset(s->st) != XXH_OK) {
        XXH3_freeState(s->st);
        s->st = NULL;
        return false;
    }
    s->ok = true;
    return true;
}

void trace_code_stream_feed(trace_code_stream *s, const void *data, size_t n)
{
    const uint8_t *p = data;
    if (!s->ok || n == 0)
        return;
    if (XXH3_128bits_update(s->st, p, n) != XXH_OK) {
        s->ok = false;
        return;
    }
    /* 0F A2 inside this piece, or split between the last one and it */
    if (!s->pairs && ((s->len && s->last == 0x0f && p[0] == 0xa2) ||
                      (n >= 2 && memmem(p, n, "\x0f\xa2", 2))))
        s->pairs = true;
    s->last = p[n - 1];
    s->len += n;
}

void trace_code_stream_zeros(trace_code_stream *s, uint64_t n)
{
    static const uint8_t zeros[4096];
    while (s->ok && n) {
        size_t k = n < sizeof(zeros) ? (size_t)n : sizeof(zeros);
        trace_code_stream_feed(s, zeros, k);
        n -= k;
    }
}

bool trace_code_stream_key(trace_code_stream *s, rrt_blob_id *key)
{
    if (!s->ok)
        return false;
    XXH128_canonical_t c;
    XXH128_canonicalFromHash(&c, XXH3_128bits_digest(s->st));
    memcpy(key->bytes, c.digest, 16);
    return true;
}

void trace_code_stream_free(trace_code_stream *s)
{
    if (s->st)
        XXH3_freeState(s->st);
    s->st = NULL;
    s->ok = false;
}
