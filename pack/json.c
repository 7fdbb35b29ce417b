/* Just enough JSON for the export format (pack/pack.h): a writer into an
 * rrt_buf and a strict, bounds-checked cursor for reading it back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_int.h"

#define MAX_DEPTH 32

void rrti_json_bytes(rrt_buf *b, const void *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *s = p;
    rrt_buf_put_u8(b, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = s[i];
        if (ch == '"' || ch == '\\') {
            rrt_buf_put_u8(b, '\\');
            rrt_buf_put_u8(b, ch);
        } else if (ch < 0x20 || ch >= 0x7f) {
            char e[7] = {'\\', 'u', '0', '0', hexd[ch >> 4], hexd[ch & 15], 0};
            rrt_buf_put(b, e, 6);
        } else {
            rrt_buf_put_u8(b, ch);
        }
    }
    rrt_buf_put_u8(b, '"');
}

void rrti_json_str(rrt_buf *b, const char *s)
{
    rrti_json_bytes(b, s, strlen(s));
}

void rrti_json_hex(rrt_buf *b, const uint8_t *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    rrt_buf_put_u8(b, '"');
    if (!rrt_buf_reserve(b, 2 * n + 1))
        return;
    for (size_t i = 0; i < n; i++) {
        b->data[b->len++] = (uint8_t)hexd[p[i] >> 4];
        b->data[b->len++] = (uint8_t)hexd[p[i] & 15];
    }
    rrt_buf_put_u8(b, '"');
}

void rrti_json_u64(rrt_buf *b, uint64_t v)
{
    char t[24];
    int k = snprintf(t, sizeof(t), "%llu", (unsigned long long)v);
    rrt_buf_put(b, t, (size_t)k);
}

void rrti_json_i64(rrt_buf *b, int64_t v)
{
    char t[24];
    int k = snprintf(t, sizeof(t), "%lld", (long long)v);
    rrt_buf_put(b, t, (size_t)k);
}

void rrti_json_raw(rrt_buf *b, const char *s)
{
    rrt_buf_put(b, s, strlen(s));
}

/* ------------------------------------------------------------------ */
/* Reading                                                            */

void rrti_jinit(rrti_jcur *c, const char *p, size_t n)
{
    c->p = p;
    c->end = p + n;
    c->failed = false;
    c->depth = 0;
}

static void ws(rrti_jcur *c)
{
    while (c->p < c->end &&
           (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

bool rrti_jtry(rrti_jcur *c, char ch)
{
    if (c->failed)
        return false;
    ws(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return true;
    }
    return false;
}

bool rrti_jexpect(rrti_jcur *c, char ch)
{
    if (rrti_jtry(c, ch))
        return true;
    c->failed = true;
    return false;
}

bool rrti_jnull(rrti_jcur *c)
{
    ws(c);
    if (!c->failed && c->end - c->p >= 4 && memcmp(c->p, "null", 4) == 0) {
        c->p += 4;
        return true;
    }
    return false;
}

static int hexval(char ch)
{
    if (ch >= '0' && ch <= '9')
        return ch - '0';
    if (ch >= 'a' && ch <= 'f')
        return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F')
        return ch - 'A' + 10;
    return -1;
}

/* Appends code point u as UTF-8 (our writer only makes u < 0x100, taken
 * as a raw byte; others come from hand-edited files). */
static void put_code(rrt_buf *b, unsigned u)
{
    if (u < 0x100) {
        rrt_buf_put_u8(b, (uint8_t)u);
    } else if (u < 0x800) {
        rrt_buf_put_u8(b, (uint8_t)(0xc0 | (u >> 6)));
        rrt_buf_put_u8(b, (uint8_t)(0x80 | (u & 0x3f)));
    } else {
        rrt_buf_put_u8(b, (uint8_t)(0xe0 | (u >> 12)));
        rrt_buf_put_u8(b, (uint8_t)(0x80 | ((u >> 6) & 0x3f)));
        rrt_buf_put_u8(b, (uint8_t)(0x80 | (u & 0x3f)));
    }
}

static bool unescape(rrti_jcur *c, rrt_buf *b)
{
    if (c->p >= c->end)
        return false;
    char e = *c->p++;
    static const char from[] = "\"\\/bfnrt", to[] = "\"\\/\b\f\n\r\t";
    const char *k = strchr(from, e);
    if (e && k) {
        rrt_buf_put_u8(b, (uint8_t)to[k - from]);
        return true;
    }
    if (e != 'u' || c->end - c->p < 4)
        return false;
    unsigned u = 0;
    for (int i = 0; i < 4; i++) {
        int v = hexval(c->p[i]);
        if (v < 0)
            return false;
        u = u << 4 | (unsigned)v;
    }
    c->p += 4;
    put_code(b, u);
    return true;
}

char *rrti_jstring(rrti_jcur *c, size_t *len)
{
    if (!rrti_jexpect(c, '"'))
        return NULL;
    rrt_buf b;
    rrt_buf_init(&b);
    for (;;) {
        if (c->p >= c->end)
            goto bad;
        char ch = *c->p++;
        if (ch == '"')
            break;
        if (ch == '\\') {
            if (!unescape(c, &b))
                goto bad;
        } else if ((unsigned char)ch < 0x20) {
            goto bad;
        } else {
            rrt_buf_put_u8(&b, (uint8_t)ch);
        }
    }
    rrt_buf_put_u8(&b, 0);
    if (b.failed)
        goto bad;
    *len = b.len - 1;
    return (char *)b.data;
bad:
    rrt_buf_free(&b);
    c->failed = true;
    return NULL;
}

uint64_t rrti_ju64(rrti_jcur *c)
{
    if (c->failed)
        return 0;
    ws(c);
    uint64_t v = 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') {
        unsigned d = (unsigned)(*c->p - '0');
        if (v > (UINT64_MAX - d) / 10) {
            c->failed = true;
            return 0;
        }
        v = v * 10 + d;
        c->p++;
    }
    if (c->p == start)
        c->failed = true;
    return v;
}

int64_t rrti_ji64(rrti_jcur *c)
{
    bool neg = rrti_jtry(c, '-');
    uint64_t v = rrti_ju64(c);
    if (v > (uint64_t)INT64_MAX + (neg ? 1u : 0u)) {
        c->failed = true;
        return 0;
    }
    return neg ? (int64_t)(0 - v) : (int64_t)v;
}

bool rrti_jmore(rrti_jcur *c, char close, bool *first)
{
    if (c->failed)
        return false;
    if (rrti_jtry(c, close))
        return false;
    if (!*first && !rrti_jexpect(c, ','))
        return false;
    *first = false;
    return true;
}

void rrti_jskip(rrti_jcur *c)
{
    if (c->failed)
        return;
    ws(c);
    if (c->p >= c->end || ++c->depth > MAX_DEPTH) {
        c->failed = true;
        return;
    }
    char ch = *c->p;
    bool first = true;
    size_t n;
    if (ch == '{' || ch == '[') {
        c->p++;
        char close = ch == '{' ? '}' : ']';
        while (rrti_jmore(c, close, &first)) {
            if (ch == '{') {
                free(rrti_jstring(c, &n));
                rrti_jexpect(c, ':');
            }
            rrti_jskip(c);
        }
    } else if (ch == '"') {
        free(rrti_jstring(c, &n));
    } else if (rrti_jnull(c)) {
    } else if (c->end - c->p >= 4 && !memcmp(c->p, "true", 4)) {
        c->p += 4;
    } else if (c->end - c->p >= 5 && !memcmp(c->p, "false", 5)) {
        c->p += 5;
    } else {
        rrti_ji64(c);
    }
    c->depth--;
}

bool rrti_unhex(const char *s, size_t n, uint8_t **out, size_t *out_len)
{
    if (n % 2)
        return false;
    uint8_t *p = malloc(n / 2 + 1);
    if (!p)
        return false;
    for (size_t i = 0; i < n / 2; i++) {
        int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            free(p);
            return false;
        }
        p[i] = (uint8_t)(hi << 4 | lo);
    }
    *out = p;
    *out_len = n / 2;
    return true;
}
