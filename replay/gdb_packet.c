/* The GDB remote protocol's wire layer (gdb_packet.h): every length and
 * number comes from the peer and is checked before use. */
#include <stdio.h>
#include <string.h>

#include "gdb_packet.h"

enum { ST_IDLE, ST_DATA, ST_CSUM, ST_ERROR };

void gdbp_init(gdbp_parser *p)
{
    memset(p, 0, sizeof(*p));
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static size_t fail(gdbp_parser *p, size_t used, gdbp_kind *kind,
                   const char *why)
{
    p->state = ST_ERROR;
    snprintf(p->error, sizeof(p->error), "%s", why);
    *kind = GDBP_ERROR;
    return used;
}

size_t gdbp_feed(gdbp_parser *p, const uint8_t *data, size_t n, gdbp_kind *kind)
{
    *kind = GDBP_NONE;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = data[i];
        switch (p->state) {
        case ST_ERROR:
            *kind = GDBP_ERROR;
            return i;
        case ST_IDLE:
            if (c == '$') {
                p->state = ST_DATA;
                p->len = 0;
                p->sum = 0;
                p->esc = false;
            } else if (c == 3) {
                *kind = GDBP_INTERRUPT;
                return i + 1;
            } else if (c == '+') {
                *kind = GDBP_ACK;
                return i + 1;
            } else if (c == '-') {
                *kind = GDBP_NACK;
                return i + 1;
            } else if (c != '\r' && c != '\n') {
                return fail(p, i + 1, kind,
                            "a byte outside a packet that is not +, - or "
                            "Ctrl-C");
            }
            break;
        case ST_DATA:
            if (c == '#' && !p->esc) {
                p->state = ST_CSUM;
                p->ncsum = 0;
                p->csum = 0;
                break;
            }
            p->sum = (uint8_t)(p->sum + c);
            if (c == '$' && !p->esc)
                return fail(p, i + 1, kind, "'$' inside a packet");
            if (c == '}' && !p->esc) {
                p->esc = true;
                break;
            }
            if (p->len >= GDBP_MAX_PACKET)
                return fail(p, i + 1, kind,
                            "packet longer than the 16384 bytes announced");
            p->buf[p->len++] = (char)(p->esc ? c ^ 0x20 : c);
            p->esc = false;
            break;
        case ST_CSUM: {
            int v = hexval(c);
            if (v < 0)
                return fail(p, i + 1, kind, "checksum is not two hex digits");
            p->csum = p->csum * 16 + (unsigned)v;
            if (++p->ncsum < 2)
                break;
            p->state = ST_IDLE;
            p->buf[p->len] = 0;
            *kind = p->csum == p->sum ? GDBP_PACKET : GDBP_BADSUM;
            return i + 1;
        }
        }
    }
    if (p->state == ST_ERROR)
        *kind = GDBP_ERROR;
    return n;
}

size_t gdbp_frame(const void *payload, size_t n, char *out, size_t cap)
{
    const uint8_t *s = payload;
    size_t o = 0;
    uint8_t sum = 0;
    if (cap < 4)
        return 0;
    out[o++] = '$';
    for (size_t i = 0; i < n; i++) {
        uint8_t c = s[i];
        bool esc = c == '$' || c == '#' || c == '}' || c == '*';
        if (o + (esc ? 2 : 1) + 3 > cap)
            return 0;
        if (esc) {
            out[o++] = '}';
            sum = (uint8_t)(sum + '}');
            c ^= 0x20;
        }
        out[o++] = (char)c;
        sum = (uint8_t)(sum + c);
    }
    static const char digits[] = "0123456789abcdef";
    out[o++] = '#';
    out[o++] = digits[sum >> 4];
    out[o++] = digits[sum & 15];
    return o;
}

void gdbp_hex_encode(const void *data, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *s = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[s[i] >> 4];
        out[2 * i + 1] = digits[s[i] & 15];
    }
}

bool gdbp_hex_decode(const char *hex, size_t n, void *out)
{
    uint8_t *d = out;
    for (size_t i = 0; i < n; i++) {
        int hi = hexval((unsigned char)hex[2 * i]);
        int lo = hi < 0 ? -1 : hexval((unsigned char)hex[2 * i + 1]);
        if (lo < 0)
            return false;
        d[i] = (uint8_t)(hi * 16 + lo);
    }
    return true;
}

bool gdbp_hex_u64(const char **s, uint64_t *v)
{
    const char *p = *s;
    uint64_t x = 0;
    int n = 0, d;
    while ((d = hexval((unsigned char)*p)) >= 0) {
        if (++n > 16)
            return false;
        x = x * 16 + (uint64_t)d;
        p++;
    }
    if (!n)
        return false;
    *s = p;
    *v = x;
    return true;
}

/* A thread-id field: -1, or hex (0 = any). */
static bool tid_field(const char **s, int64_t *v)
{
    uint64_t x;
    if ((*s)[0] == '-' && (*s)[1] == '1') {
        *s += 2;
        *v = -1;
        return true;
    }
    if (!gdbp_hex_u64(s, &x) || x > INT32_MAX)
        return false;
    *v = (int64_t)x;
    return true;
}

bool gdbp_parse_tid(const char **s, gdbp_tid *t)
{
    const char *p = *s;
    t->pid = 0;
    if (*p == 'p') {
        p++;
        if (!tid_field(&p, &t->pid))
            return false;
        if (*p != '.') {
            t->tid = -1; /* "pPID": all threads of PID */
            *s = p;
            return true;
        }
        p++;
    }
    if (!tid_field(&p, &t->tid))
        return false;
    *s = p;
    return true;
}

/* "ADDR,LEN" followed by `end` (a char, or 0 for the packet's end). */
static bool addr_len(const char **s, gdbp_cmd *c, char end)
{
    const char *p = *s;
    if (!gdbp_hex_u64(&p, &c->addr) || *p++ != ',' ||
        !gdbp_hex_u64(&p, &c->len) || *p != end)
        return false;
    *s = end ? p + 1 : p;
    return true;
}

static bool hex_bytes(const char *hex, const char *end, gdbp_cmd *c)
{
    size_t n = (size_t)(end - hex);
    if (n % 2 || n / 2 > sizeof(c->data))
        return false;
    c->ndata = n / 2;
    return gdbp_hex_decode(hex, n / 2, c->data);
}

static void bad(gdbp_cmd *c)
{
    c->kind = GDBP_C_BAD;
}

static bool parse_action(const char **s, gdbp_action *a)
{
    const char *p = *s;
    uint64_t v;
    memset(a, 0, sizeof(*a));
    a->op = *p++;
    switch (a->op) {
    case 'c':
    case 's':
    case 't':
        break;
    case 'C':
    case 'S':
        if (!gdbp_hex_u64(&p, &v) || v > 255)
            return false;
        a->sig = (int)v;
        break;
    case 'r':
        if (!gdbp_hex_u64(&p, &a->start) || *p++ != ',' ||
            !gdbp_hex_u64(&p, &a->end))
            return false;
        break;
    default:
        return false;
    }
    if (*p == ':') {
        p++;
        if (!gdbp_parse_tid(&p, &a->tid))
            return false;
        a->has_tid = true;
    }
    *s = p;
    return true;
}

static void decode_vcont(const char *p, const char *end, gdbp_cmd *c)
{
    c->kind = GDBP_C_RESUME;
    c->nactions = 0;
    while (p < end) {
        if (*p++ != ';' || c->nactions == GDBP_MAX_ACTIONS ||
            !parse_action(&p, &c->actions[c->nactions])) {
            bad(c);
            return;
        }
        c->nactions++;
    }
    if (!c->nactions)
        bad(c);
}

/* Copies pkt's name (up to a separator in seps) into c->name. */
static const char *take_name(const char *p, const char *end, const char *seps,
                             char *name, size_t cap)
{
    size_t n = 0;
    while (p < end && !strchr(seps, *p) && *p) {
        if (n + 1 < cap)
            name[n++] = *p;
        p++;
    }
    name[n] = 0;
    return p;
}

static void decode_xfer(const char *p, const char *end, gdbp_cmd *c)
{
    /* qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH */
    char op[16];
    p = take_name(p, end, ":", c->object, sizeof(c->object));
    if (p >= end || *p++ != ':') {
        bad(c);
        return;
    }
    p = take_name(p, end, ":", op, sizeof(op));
    if (p >= end || *p++ != ':') {
        bad(c);
        return;
    }
    if (strcmp(op, "read") != 0) {
        c->kind = GDBP_C_UNKNOWN; /* write: not offered */
        return;
    }
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (!colon || (size_t)(colon - p) >= sizeof(c->annex)) {
        bad(c);
        return;
    }
    memcpy(c->annex, p, (size_t)(colon - p));
    c->annex[colon - p] = 0;
    p = colon + 1;
    if (!addr_len(&p, c, 0) || p != end) {
        bad(c);
        return;
    }
    c->kind = GDBP_C_XFER_READ;
}

static void decode_q(const char *p, const char *end, gdbp_cmd *c, bool set)
{
    p = take_name(p, end, ":,;", c->name, sizeof(c->name));
    if (!set && strcmp(c->name, "Xfer") == 0 && p < end && *p == ':') {
        decode_xfer(p + 1, end, c);
        return;
    }
    c->kind = set ? GDBP_C_SET : GDBP_C_QUERY;
    c->args = p < end ? p + 1 : end;
}

void gdbp_decode(const char *pkt, size_t n, gdbp_cmd *c)
{
    const char *end = pkt + n, *p = pkt + 1;
    uint64_t v = 0; /* a failed parse leaves it unset: bad() then */
    c->kind = GDBP_C_UNKNOWN;
    c->name[0] = c->object[0] = c->annex[0] = 0;
    c->args = end;
    c->ndata = 0;
    c->nactions = 0;
    if (!n)
        return;
    switch (pkt[0]) {
    case '?':
        c->kind = GDBP_C_STOP_REASON;
        break;
    case '!':
        c->kind = GDBP_C_EXTENDED;
        break;
    case 'g':
        c->kind = n == 1 ? GDBP_C_READ_REGS : GDBP_C_BAD;
        break;
    case 'G':
        c->kind = GDBP_C_WRITE_REGS;
        if (!hex_bytes(p, end, c))
            bad(c);
        break;
    case 'p':
        c->kind = GDBP_C_READ_REG;
        if (!gdbp_hex_u64(&p, &v) || p != end || v > 4096)
            bad(c);
        c->reg = (unsigned)v;
        break;
    case 'P': {
        c->kind = GDBP_C_WRITE_REG;
        if (!gdbp_hex_u64(&p, &v) || v > 4096 || *p++ != '=' ||
            !hex_bytes(p, end, c))
            bad(c);
        c->reg = (unsigned)v;
        break;
    }
    case 'm':
        c->kind = GDBP_C_READ_MEM;
        if (!addr_len(&p, c, 0) || p != end)
            bad(c);
        break;
    case 'M':
        c->kind = GDBP_C_WRITE_MEM;
        if (!addr_len(&p, c, ':') || !hex_bytes(p, end, c) ||
            c->ndata != c->len)
            bad(c);
        break;
    case 'X':
        c->kind = GDBP_C_WRITE_MEM;
        if (!addr_len(&p, c, ':') || (size_t)(end - p) != c->len ||
            c->len > sizeof(c->data)) {
            bad(c);
            break;
        }
        memcpy(c->data, p, (size_t)c->len);
        c->ndata = (size_t)c->len;
        break;
    case 'Z':
    case 'z':
        c->kind = pkt[0] == 'Z' ? GDBP_C_INSERT_BP : GDBP_C_REMOVE_BP;
        if (!gdbp_hex_u64(&p, &v) || v > 4 || *p++ != ',' ||
            !gdbp_hex_u64(&p, &c->addr) || *p++ != ',' ||
            !gdbp_hex_u64(&p, &c->len) || (p != end && *p != ';'))
            bad(c);
        c->bp_type = (int)v;
        break;
    case 'H':
        c->kind = GDBP_C_SET_THREAD;
        c->op = n > 1 ? pkt[1] : 0;
        p = pkt + 2;
        if ((c->op != 'g' && c->op != 'c') || p > end ||
            !gdbp_parse_tid(&p, &c->tid) || p != end)
            bad(c);
        break;
    case 'T':
        c->kind = GDBP_C_THREAD_ALIVE;
        if (!gdbp_parse_tid(&p, &c->tid) || p != end)
            bad(c);
        break;
    case 'c':
    case 's':
        /* "c [ADDR]": resuming at another address is not offered */
        c->kind = n == 1 ? GDBP_C_RESUME : GDBP_C_BAD;
        c->actions[0] = (gdbp_action){.op = pkt[0]};
        c->nactions = 1;
        break;
    case 'C':
    case 'S':
        c->kind = GDBP_C_RESUME;
        if (!gdbp_hex_u64(&p, &v) || v > 255 || (p != end && *p != ';')) {
            bad(c);
            break;
        }
        c->actions[0] = (gdbp_action){.op = pkt[0], .sig = (int)v};
        c->nactions = 1;
        break;
    case 'D':
        c->kind = GDBP_C_DETACH;
        break;
    case 'k':
        c->kind = GDBP_C_KILL;
        break;
    case 'q':
        decode_q(p, end, c, false);
        break;
    case 'Q':
        decode_q(p, end, c, true);
        break;
    case 'v':
        if (n == 6 && memcmp(pkt, "vCont?", 6) == 0)
            c->kind = GDBP_C_VCONT_QUERY;
        else if (n >= 5 && memcmp(pkt, "vCont", 5) == 0)
            decode_vcont(pkt + 5, end, c);
        else if (n >= 6 && memcmp(pkt, "vKill;", 6) == 0)
            c->kind = GDBP_C_KILL;
        else if (n >= 6 && memcmp(pkt, "vFile:", 6) == 0) {
            p = take_name(pkt + 6, end, ":", c->name, sizeof(c->name));
            c->kind = GDBP_C_VFILE;
            c->args = p < end ? p + 1 : end;
        }
        break;
    default:
        break;
    }
}
