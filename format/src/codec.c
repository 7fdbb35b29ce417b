/* Growable output buffer and bounds-checked input cursor (rrt/codec.h). */
#include <stdlib.h>
#include <string.h>

#include "rrti.h"

void rrti_put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

void rrti_put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

void rrti_put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

uint16_t rrti_get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

uint32_t rrti_get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}

uint64_t rrti_get_u64(const uint8_t *p)
{
    return (uint64_t)rrti_get_u32(p) | (uint64_t)rrti_get_u32(p + 4) << 32;
}

void rrt_buf_init(rrt_buf *b)
{
    memset(b, 0, sizeof(*b));
}

void rrt_buf_free(rrt_buf *b)
{
    free(b->data);
    rrt_buf_init(b);
}

void rrt_buf_reset(rrt_buf *b)
{
    b->len = 0;
    b->failed = false;
}

bool rrt_buf_reserve(rrt_buf *b, size_t extra)
{
    if (b->failed)
        return false;
    if (extra <= b->cap - b->len)
        return true;
    uint8_t *p = extra <= SIZE_MAX - b->len
                     ? rrtx_grow(b->data, &b->cap, b->len + extra, 1)
                     : NULL;
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    return true;
}

void rrt_buf_put(rrt_buf *b, const void *p, size_t n)
{
    if (n == 0 || !rrt_buf_reserve(b, n))
        return;
    memcpy(b->data + b->len, p, n);
    b->len += n;
}

void rrt_buf_put_u8(rrt_buf *b, uint8_t v)
{
    rrt_buf_put(b, &v, 1);
}

void rrt_buf_put_u16(rrt_buf *b, uint16_t v)
{
    uint8_t t[2];
    rrti_put_u16(t, v);
    rrt_buf_put(b, t, 2);
}

void rrt_buf_put_u32(rrt_buf *b, uint32_t v)
{
    uint8_t t[4];
    rrti_put_u32(t, v);
    rrt_buf_put(b, t, 4);
}

void rrt_buf_put_u64(rrt_buf *b, uint64_t v)
{
    uint8_t t[8];
    rrti_put_u64(t, v);
    rrt_buf_put(b, t, 8);
}

void rrt_buf_put_varint(rrt_buf *b, uint64_t v)
{
    uint8_t t[10];
    size_t n = 0;
    do {
        uint8_t byte = v & 0x7f;
        v >>= 7;
        t[n++] = (uint8_t)(byte | (v ? 0x80 : 0));
    } while (v);
    rrt_buf_put(b, t, n);
}

void rrt_buf_put_svarint(rrt_buf *b, int64_t v)
{
    rrt_buf_put_varint(b, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

void rrt_buf_put_lenbytes(rrt_buf *b, const void *p, size_t n)
{
    rrt_buf_put_varint(b, n);
    rrt_buf_put(b, p, n);
}

void rrt_cursor_init(rrt_cursor *c, const void *p, size_t n)
{
    c->p = p;
    c->end = c->p + n;
    c->failed = false;
}

size_t rrt_cursor_left(const rrt_cursor *c)
{
    return (size_t)(c->end - c->p);
}

static const uint8_t *take(rrt_cursor *c, size_t n)
{
    if (c->failed || rrt_cursor_left(c) < n) {
        c->failed = true;
        c->p = c->end;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += n;
    return p;
}

uint8_t rrt_cursor_u8(rrt_cursor *c)
{
    const uint8_t *p = take(c, 1);
    return p ? p[0] : 0;
}

uint16_t rrt_cursor_u16(rrt_cursor *c)
{
    const uint8_t *p = take(c, 2);
    return p ? rrti_get_u16(p) : 0;
}

uint32_t rrt_cursor_u32(rrt_cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? rrti_get_u32(p) : 0;
}

uint64_t rrt_cursor_u64(rrt_cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p ? rrti_get_u64(p) : 0;
}

uint64_t rrt_cursor_varint(rrt_cursor *c)
{
    uint64_t v = 0;
    for (unsigned i = 0; i < 10; i++) {
        const uint8_t *p = take(c, 1);
        if (!p)
            return 0;
        uint64_t group = p[0] & 0x7f;
        /* The 10th byte may carry only the top bit of a 64-bit value. */
        if (i == 9 && group > 1)
            break;
        v |= group << (7 * i);
        if (!(p[0] & 0x80)) {
            if (i > 0 && group == 0)
                break; /* overlong: a zero final group */
            return v;
        }
    }
    c->failed = true;
    c->p = c->end;
    return 0;
}

int64_t rrt_cursor_svarint(rrt_cursor *c)
{
    uint64_t u = rrt_cursor_varint(c);
    return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

const uint8_t *rrt_cursor_bytes(rrt_cursor *c, size_t n)
{
    return take(c, n);
}

const uint8_t *rrt_cursor_lenbytes(rrt_cursor *c, size_t *n)
{
    uint64_t len = rrt_cursor_varint(c);
    if (c->failed || len > rrt_cursor_left(c)) {
        c->failed = true;
        c->p = c->end;
        *n = 0;
        return NULL;
    }
    *n = (size_t)len;
    return take(c, (size_t)len);
}
