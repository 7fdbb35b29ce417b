/* The JSON writer behind every --json output and the export format. */
#include <inttypes.h>
#include <string.h>

#include "rrtx.h"

void rrtx_json_init(rrtx_json *j, rrtx_json_put_fn put, void *ctx,
                    unsigned flags)
{
    j->put = put;
    j->ctx = ctx;
    j->flags = flags;
}

static void put_file(void *ctx, const void *p, size_t n)
{
    fwrite(p, 1, n, ctx);
}

void rrtx_json_init_file(rrtx_json *j, FILE *f, unsigned flags)
{
    rrtx_json_init(j, put_file, f, flags);
}

void rrtx_json_raw(rrtx_json *j, const char *s)
{
    j->put(j->ctx, s, strlen(s));
}

/* The short form of c, or NULL for \u00XX. */
static const char *short_escape(const rrtx_json *j, unsigned char c)
{
    if (c == '"')
        return "\\\"";
    if (c == '\\')
        return "\\\\";
    if (!(j->flags & RRTX_JSON_SHORT_ESCAPES))
        return NULL;
    return c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
}

void rrtx_json_bytes(rrtx_json *j, const void *p, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    const unsigned char *s = p;
    j->put(j->ctx, "\"", 1);
    size_t run = 0; /* bytes before s[i] that need no escape */
    for (size_t i = 0; i < n; i++) {
        unsigned char c = s[i];
        bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
        if (plain) {
            run++;
            continue;
        }
        if (run)
            j->put(j->ctx, s + i - run, run);
        run = 0;
        const char *e = short_escape(j, c);
        if (e) {
            j->put(j->ctx, e, 2);
        } else {
            char u[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            j->put(j->ctx, u, sizeof(u));
        }
    }
    if (run)
        j->put(j->ctx, s + n - run, run);
    j->put(j->ctx, "\"", 1);
}

void rrtx_json_str(rrtx_json *j, const char *s)
{
    rrtx_json_bytes(j, s, strlen(s));
}

void rrtx_json_key(rrtx_json *j, const char *sep, const char *key)
{
    rrtx_json_raw(j, sep);
    rrtx_json_str(j, key);
    j->put(j->ctx, ": ", 2);
}

void rrtx_json_hex(rrtx_json *j, const void *p, size_t n)
{
    const uint8_t *s = p;
    char buf[129]; /* 64 bytes at a time */
    j->put(j->ctx, "\"", 1);
    while (n) {
        size_t k = n < 64 ? n : 64;
        rrtx_hex_encode(s, k, buf);
        j->put(j->ctx, buf, 2 * k);
        s += k;
        n -= k;
    }
    j->put(j->ctx, "\"", 1);
}

void rrtx_json_u64(rrtx_json *j, uint64_t v)
{
    char t[24];
    int k = snprintf(t, sizeof(t), "%" PRIu64, v);
    j->put(j->ctx, t, (size_t)k);
}

void rrtx_json_i64(rrtx_json *j, int64_t v)
{
    char t[24];
    int k = snprintf(t, sizeof(t), "%" PRId64, v);
    j->put(j->ctx, t, (size_t)k);
}

void rrtx_json_bool(rrtx_json *j, bool v)
{
    rrtx_json_raw(j, v ? "true" : "false");
}
