/* Payload codecs of the recorder's event types (spec/events.md). The
 * decoders name the event, field and payload byte of whatever is wrong. */
#include <stdlib.h>
#include <string.h>

#include "rrti.h"

/* ------------------------------------------------------------------ */
/* Encoders                                                           */

static rrt_status done(const rrt_buf *b)
{
    return b->failed ? RRT_E_NOMEM : RRT_OK;
}

rrt_status rrt_ev_encode_syscall(rrt_buf *b, const rrt_ev_syscall *e)
{
    if ((e->flags & ~RRT_EV_SC_KNOWN) || (e->n_mem && !e->mem))
        return RRT_E_INVALID;
    if ((e->flags & RRT_EV_SC_STDIO) &&
        ((e->stdio_stream != 1 && e->stdio_stream != 2) ||
         (e->stdio_len && !e->stdio_data)))
        return RRT_E_INVALID;
    for (size_t i = 0; i < e->n_mem; i++)
        if (e->mem[i].len && !e->mem[i].data)
            return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->nr);
    for (int i = 0; i < 6; i++)
        rrt_buf_put_varint(b, e->args[i]);
    rrt_buf_put_svarint(b, e->ret);
    rrt_buf_put_varint(b, e->flags);
    rrt_buf_put_varint(b, e->n_mem);
    for (size_t i = 0; i < e->n_mem; i++) {
        rrt_buf_put_varint(b, e->mem[i].addr);
        rrt_buf_put_lenbytes(b, e->mem[i].data, e->mem[i].len);
    }
    if (e->flags & RRT_EV_SC_FILE)
        rrt_buf_put_varint(b, e->file_index);
    if (e->flags & RRT_EV_SC_STDIO) {
        rrt_buf_put_varint(b, e->stdio_stream);
        rrt_buf_put_lenbytes(b, e->stdio_data, e->stdio_len);
    }
    return done(b);
}

rrt_status rrt_ev_encode_rdtsc(rrt_buf *b, const rrt_ev_rdtsc *e)
{
    if (e->rdtscp > 1)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_u8(b, e->rdtscp);
    rrt_buf_put_u64(b, e->tsc);
    rrt_buf_put_varint(b, e->aux);
    return done(b);
}

rrt_status rrt_ev_encode_cpuid(rrt_buf *b, const rrt_ev_cpuid *e)
{
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->leaf);
    rrt_buf_put_varint(b, e->subleaf);
    for (int i = 0; i < 4; i++)
        rrt_buf_put_u32(b, e->regs[i]);
    return done(b);
}

rrt_status rrt_ev_encode_signal(rrt_buf *b, const rrt_ev_signal *e)
{
    if (e->signo == 0 || e->signo > 64 || e->sync > 1)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->signo);
    rrt_buf_put_u8(b, e->sync);
    rrt_buf_put_lenbytes(b, e->siginfo, sizeof(e->siginfo));
    return done(b);
}

rrt_status rrt_ev_encode_exit(rrt_buf *b, const rrt_ev_exit *e)
{
    if (e->killed > 1)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->killed);
    rrt_buf_put_varint(b, e->code);
    return done(b);
}

rrt_status rrt_ev_encode_clone(rrt_buf *b, const rrt_ev_clone *e)
{
    rrt_buf_put_varint(b, e->parent);
    rrt_buf_put_varint(b, e->child);
    rrt_buf_put_varint(b, e->flags);
    return done(b);
}

rrt_status rrt_ev_encode_exec_script(rrt_buf *b, const rrt_ev_exec_script *e)
{
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->script_file);
    return done(b);
}

rrt_status rrt_ev_encode_signal_frame(rrt_buf *b, const rrt_ev_signal_frame *e)
{
    if (e->frame_len > RRT_EV_FRAME_MAX || (e->frame_len && !e->frame))
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    for (int i = 0; i < RRT_EV_FRAME_NREGS; i++)
        rrt_buf_put_varint(b, e->regs[i]);
    rrt_buf_put_u64(b, e->mask);
    rrt_buf_put_lenbytes(b, e->frame, e->frame_len);
    return done(b);
}

rrt_status rrt_ev_encode_xgetbv(rrt_buf *b, const rrt_ev_xgetbv *e)
{
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->xcr);
    rrt_buf_put_u64(b, e->value);
    return done(b);
}

rrt_status rrt_ev_encode_shared_map(rrt_buf *b, const rrt_ev_shared_map *e)
{
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->object);
    return done(b);
}

rrt_status rrt_ev_encode_shared_write(rrt_buf *b, const rrt_ev_shared_write *e)
{
    if (e->len > RRT_EV_SHARED_WRITE_MAX || (e->len && !e->data) ||
        e->offset > UINT64_MAX - e->len)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->object);
    rrt_buf_put_varint(b, e->offset);
    rrt_buf_put_lenbytes(b, e->data, e->len);
    return done(b);
}

rrt_status rrt_ev_encode_preempt(rrt_buf *b, const rrt_ev_preempt *e)
{
    if (e->resume > 1)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_u8(b, e->resume);
    return done(b);
}

rrt_status rrt_ev_encode_detach(rrt_buf *b, const rrt_ev_detach *e)
{
    rrt_buf_put_varint(b, e->tid);
    return done(b);
}

rrt_status rrt_ev_encode_exec(rrt_buf *b, const rrt_ev_exec *e)
{
    if (e->n_auxv > RRT_EV_MAX_AUXV ||
        (e->has_interp && e->interp_file == UINT64_MAX))
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->exe_file);
    rrt_buf_put_lenbytes(b, e->at_random, sizeof(e->at_random));
    rrt_buf_put_varint(b, e->n_auxv);
    for (size_t i = 0; i < e->n_auxv; i++) {
        rrt_buf_put_varint(b, e->auxv[i][0]);
        rrt_buf_put_varint(b, e->auxv[i][1]);
    }
    rrt_buf_put_varint(b, e->has_interp ? e->interp_file + 1 : 0);
    return done(b);
}

/* The syscall buffer's events (spec/events.md 3.11-3.13). */

rrt_status rrt_ev_encode_syscallbuf_head(rrt_buf *b, uint32_t tid,
                                         uint32_t flags, uint64_t n)
{
    if ((flags & ~RRT_EV_SB_KNOWN) || n == 0 || n > RRT_EV_SB_MAX_RECS)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, tid);
    rrt_buf_put_varint(b, flags);
    rrt_buf_put_varint(b, n);
    return done(b);
}

rrt_status rrt_ev_encode_sb_rec(rrt_buf *b, const rrt_ev_sb_rec *r)
{
    if (r->len && !r->data)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, r->nr);
    rrt_buf_put_svarint(b, r->ret);
    rrt_buf_put_varint(b, r->addr);
    rrt_buf_put_lenbytes(b, r->data, r->len);
    return done(b);
}

rrt_status rrt_ev_encode_syscallbuf(rrt_buf *b, const rrt_ev_syscallbuf *e)
{
    if (e->n_recs && !e->recs)
        return RRT_E_INVALID;
    for (size_t i = 0; i < e->n_recs; i++)
        if (e->recs[i].len && !e->recs[i].data)
            return RRT_E_INVALID;
    rrt_status st =
        rrt_ev_encode_syscallbuf_head(b, e->tid, e->flags, e->n_recs);
    for (size_t i = 0; i < e->n_recs && st == RRT_OK; i++)
        st = rrt_ev_encode_sb_rec(b, &e->recs[i]);
    return st;
}

rrt_status rrt_ev_encode_syscallbuf_patch(rrt_buf *b,
                                          const rrt_ev_syscallbuf_patch *e)
{
    if (e->stub_len > RRT_EV_SB_STUB_MAX || (e->stub_len && !e->stub_bytes) ||
        e->site_len < RRT_EV_SB_SITE_MIN || e->site_len > RRT_EV_SB_SITE_MAX ||
        !e->site_bytes)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->rip);
    rrt_buf_put_varint(b, e->stub);
    rrt_buf_put_lenbytes(b, e->stub_bytes, e->stub_len);
    rrt_buf_put_varint(b, e->site);
    rrt_buf_put_lenbytes(b, e->site_bytes, e->site_len);
    return done(b);
}

rrt_status rrt_ev_encode_cpuid_patch(rrt_buf *b, const rrt_ev_cpuid_patch *e)
{
    if (e->stub_len < 1 || e->stub_len > RRT_EV_SB_STUB_MAX || !e->stub_bytes ||
        e->site_len < RRT_EV_CPUID_SITE_MIN ||
        e->site_len > RRT_EV_CPUID_SITE_MAX || !e->site_bytes)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->stub);
    rrt_buf_put_lenbytes(b, e->stub_bytes, e->stub_len);
    rrt_buf_put_varint(b, e->site);
    rrt_buf_put_lenbytes(b, e->site_bytes, e->site_len);
    return done(b);
}

rrt_status rrt_ev_encode_syscallbuf_init(rrt_buf *b,
                                         const rrt_ev_syscallbuf_init *e)
{
    if (e->image_len > RRT_EV_SB_IMAGE_MAX || (e->image_len && !e->image) ||
        e->out[0].ok > 1 || e->out[1].ok > 1)
        return RRT_E_INVALID;
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->base);
    rrt_buf_put_lenbytes(b, e->image, e->image_len);
    for (int i = 0; i < 2; i++) {
        rrt_buf_put_u8(b, e->out[i].ok);
        rrt_buf_put_varint(b, e->out[i].dev);
        rrt_buf_put_varint(b, e->out[i].ino);
    }
    return done(b);
}

/* ------------------------------------------------------------------ */
/* Decoders                                                           */

typedef struct dec {
    rrt_cursor c;
    const uint8_t *start;
    const char *ev; /* "SYSCALL" */
    rrt_error *err;
    rrt_status st;
} dec;

static void dec_init(dec *d, const uint8_t *data, size_t len, uint32_t type,
                     rrt_error *err)
{
    rrt_cursor_init(&d->c, data, len);
    d->start = data;
    d->ev = rrt_ev_type_name(type);
    d->err = err;
    d->st = RRT_OK;
}

static size_t dec_pos(const dec *d)
{
    return (size_t)(d->c.p - d->start);
}

/* Records the first failure only; later reads are no-ops anyway. */
static bool dec_fail(dec *d, rrt_status st, size_t pos, const char *field,
                     const char *what)
{
    if (d->st != RRT_OK)
        return false;
    d->st = st;
    d->c.failed = true;
    d->c.p = d->c.end;
    rrtx_fail(d->err, st, 0, NULL, UINT64_MAX,
              "%s event: %s: %s at payload byte %zu", d->ev, field, what, pos);
    return false;
}

static bool dec_ok(const dec *d)
{
    return d->st == RRT_OK;
}

static uint64_t d_varint(dec *d, const char *field)
{
    if (!dec_ok(d))
        return 0;
    size_t pos = dec_pos(d), left = rrt_cursor_left(&d->c);
    const uint8_t *p = d->c.p;
    uint64_t v = rrt_cursor_varint(&d->c);
    if (!d->c.failed)
        return v;
    /* Input that ends inside the varint is truncated; anything else the
     * cursor refuses is an overlong encoding or a value above 2^64-1. */
    size_t n = 0;
    while (n < left && n < 10 && (p[n] & 0x80))
        n++;
    if (n == left && n < 10)
        dec_fail(d, RRT_E_TRUNCATED, pos, field, "truncated varint");
    else
        dec_fail(d, RRT_E_CORRUPT, pos, field, "overlong or oversized varint");
    return 0;
}

static uint32_t d_u32v(dec *d, const char *field)
{
    size_t pos = dec_pos(d);
    uint64_t v = d_varint(d, field);
    if (v > UINT32_MAX) {
        dec_fail(d, RRT_E_CORRUPT, pos, field, "value does not fit 32 bits");
        return 0;
    }
    return (uint32_t)v;
}

static const uint8_t *d_bytes(dec *d, const char *field, size_t n)
{
    if (!dec_ok(d))
        return NULL;
    if (rrt_cursor_left(&d->c) < n) {
        dec_fail(d, RRT_E_TRUNCATED, dec_pos(d), field, "truncated");
        return NULL;
    }
    return rrt_cursor_bytes(&d->c, n);
}

static uint8_t d_bool8(dec *d, const char *field)
{
    size_t pos = dec_pos(d);
    const uint8_t *p = d_bytes(d, field, 1);
    if (p && *p > 1) {
        dec_fail(d, RRT_E_CORRUPT, pos, field, "not 0 or 1");
        return 0;
    }
    return p ? *p : 0;
}

static const uint8_t *d_lenbytes(dec *d, const char *field, size_t *n)
{
    *n = 0;
    size_t pos = dec_pos(d);
    uint64_t len = d_varint(d, field);
    if (!dec_ok(d))
        return NULL;
    if (len > rrt_cursor_left(&d->c)) {
        dec_fail(d, RRT_E_TRUNCATED, pos, field,
                 "length runs past the end of the payload");
        return NULL;
    }
    *n = (size_t)len;
    return rrt_cursor_bytes(&d->c, (size_t)len);
}

/* A fixed-size byte string stored as `bytes`. */
static void d_fixed(dec *d, const char *field, uint8_t *out, size_t size)
{
    size_t pos = dec_pos(d), n;
    const uint8_t *p = d_lenbytes(d, field, &n);
    if (!dec_ok(d))
        return;
    if (n != size) {
        dec_fail(d, RRT_E_CORRUPT, pos, field, "wrong length");
        return;
    }
    memcpy(out, p, size);
}

/* Rejects trailing bytes; a failed decoder leaves its result cleared. */
static rrt_status dec_end(dec *d, void *e, size_t size)
{
    if (dec_ok(d) && rrt_cursor_left(&d->c))
        dec_fail(d, RRT_E_CORRUPT, dec_pos(d), "end",
                 "bytes after the last field");
    if (d->st != RRT_OK)
        memset(e, 0, size);
    return d->st;
}

void rrt_ev_syscall_clear(rrt_ev_syscall *e)
{
    free((void *)e->mem);
    memset(e, 0, sizeof(*e));
}

rrt_status rrt_ev_decode_syscall(const uint8_t *data, size_t len,
                                 rrt_ev_syscall *e, rrt_error *err)
{
    static const char *const argname[6] = {"args[0]", "args[1]", "args[2]",
                                           "args[3]", "args[4]", "args[5]"};
    dec d;
    dec_init(&d, data, len, RRT_EV_SYSCALL, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->nr = d_u32v(&d, "nr");
    for (int i = 0; i < 6; i++)
        e->args[i] = d_varint(&d, argname[i]);
    uint64_t zz = d_varint(&d, "ret");
    e->ret = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
    size_t pos = dec_pos(&d);
    e->flags = d_u32v(&d, "flags");
    if (dec_ok(&d) && (e->flags & ~RRT_EV_SC_KNOWN))
        dec_fail(&d, RRT_E_CORRUPT, pos, "flags", "undefined flag bits set");
    pos = dec_pos(&d);
    uint64_t n = d_varint(&d, "n_mem");
    /* Each range takes at least two bytes: bound n by what is left before
     * allocating anything. */
    if (dec_ok(&d) && n > rrt_cursor_left(&d.c) / 2)
        dec_fail(&d, RRT_E_CORRUPT, pos, "n_mem",
                 "more memory ranges than the payload can hold");
    rrt_ev_mem *mem = NULL;
    if (dec_ok(&d) && n) {
        mem = calloc((size_t)n, sizeof(*mem));
        if (!mem) {
            rrt_ev_syscall_clear(e);
            return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                             "SYSCALL event: out of memory");
        }
        for (size_t i = 0; i < n && dec_ok(&d); i++) {
            mem[i].addr = d_varint(&d, "mem.addr");
            mem[i].data = d_lenbytes(&d, "mem.data", &mem[i].len);
        }
        e->mem = mem;
        e->n_mem = (size_t)n;
    }
    if (e->flags & RRT_EV_SC_FILE)
        e->file_index = d_varint(&d, "file_index");
    if (e->flags & RRT_EV_SC_STDIO) {
        pos = dec_pos(&d);
        e->stdio_stream = d_u32v(&d, "stdio_stream");
        if (dec_ok(&d) && e->stdio_stream != 1 && e->stdio_stream != 2)
            dec_fail(&d, RRT_E_CORRUPT, pos, "stdio_stream", "not 1 or 2");
        e->stdio_data = d_lenbytes(&d, "stdio_data", &e->stdio_len);
    }
    if (dec_ok(&d) && rrt_cursor_left(&d.c))
        dec_fail(&d, RRT_E_CORRUPT, dec_pos(&d), "end",
                 "bytes after the last field");
    if (!dec_ok(&d))
        rrt_ev_syscall_clear(e);
    return d.st;
}

rrt_status rrt_ev_decode_rdtsc(const uint8_t *data, size_t len, rrt_ev_rdtsc *e,
                               rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_RDTSC, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->rdtscp = d_bool8(&d, "rdtscp");
    const uint8_t *p = d_bytes(&d, "tsc", 8);
    e->tsc = p ? rrti_get_u64(p) : 0;
    e->aux = d_u32v(&d, "aux");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_cpuid(const uint8_t *data, size_t len, rrt_ev_cpuid *e,
                               rrt_error *err)
{
    static const char *const regname[4] = {"eax", "ebx", "ecx", "edx"};
    dec d;
    dec_init(&d, data, len, RRT_EV_CPUID, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->leaf = d_u32v(&d, "leaf");
    e->subleaf = d_u32v(&d, "subleaf");
    for (int i = 0; i < 4; i++) {
        const uint8_t *p = d_bytes(&d, regname[i], 4);
        e->regs[i] = p ? rrti_get_u32(p) : 0;
    }
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_signal(const uint8_t *data, size_t len,
                                rrt_ev_signal *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_SIGNAL, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    size_t pos = dec_pos(&d);
    e->signo = d_u32v(&d, "signo");
    if (dec_ok(&d) && (e->signo == 0 || e->signo > 64))
        dec_fail(&d, RRT_E_CORRUPT, pos, "signo", "not a signal (1..64)");
    e->sync = d_bool8(&d, "sync");
    d_fixed(&d, "siginfo", e->siginfo, sizeof(e->siginfo));
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_exit(const uint8_t *data, size_t len, rrt_ev_exit *e,
                              rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_EXIT, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    size_t pos = dec_pos(&d);
    e->killed = d_u32v(&d, "killed");
    if (dec_ok(&d) && e->killed > 1)
        dec_fail(&d, RRT_E_CORRUPT, pos, "killed", "not 0 or 1");
    e->code = d_u32v(&d, "code");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_clone(const uint8_t *data, size_t len, rrt_ev_clone *e,
                               rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_CLONE, err);
    memset(e, 0, sizeof(*e));
    e->parent = d_u32v(&d, "parent");
    e->child = d_u32v(&d, "child");
    e->flags = d_varint(&d, "flags");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_exec_script(const uint8_t *data, size_t len,
                                     rrt_ev_exec_script *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_EXEC_SCRIPT, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->script_file = d_varint(&d, "script_file");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_signal_frame(const uint8_t *data, size_t len,
                                      rrt_ev_signal_frame *e, rrt_error *err)
{
    static const char *const regname[RRT_EV_FRAME_NREGS] = {
        "r15",     "r14",      "r13", "r12", "rbp",    "rbx", "r11",
        "r10",     "r9",       "r8",  "rax", "rcx",    "rdx", "rsi",
        "rdi",     "orig_rax", "rip", "cs",  "eflags", "rsp", "ss",
        "fs_base", "gs_base",  "ds",  "es",  "fs",     "gs"};
    dec d;
    dec_init(&d, data, len, RRT_EV_SIGNAL_FRAME, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    for (int i = 0; i < RRT_EV_FRAME_NREGS; i++)
        e->regs[i] = d_varint(&d, regname[i]);
    const uint8_t *p = d_bytes(&d, "mask", 8);
    e->mask = p ? rrti_get_u64(p) : 0;
    size_t pos = dec_pos(&d);
    e->frame = d_lenbytes(&d, "frame", &e->frame_len);
    if (dec_ok(&d) && e->frame_len > RRT_EV_FRAME_MAX)
        dec_fail(&d, RRT_E_LIMIT, pos, "frame", "larger than 1 MiB");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_xgetbv(const uint8_t *data, size_t len,
                                rrt_ev_xgetbv *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_XGETBV, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->xcr = d_u32v(&d, "xcr");
    const uint8_t *p = d_bytes(&d, "value", 8);
    e->value = p ? rrti_get_u64(p) : 0;
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_shared_map(const uint8_t *data, size_t len,
                                    rrt_ev_shared_map *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_SHARED_MAP, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->object = d_u32v(&d, "object");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_shared_write(const uint8_t *data, size_t len,
                                      rrt_ev_shared_write *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_SHARED_WRITE, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->object = d_u32v(&d, "object");
    e->offset = d_varint(&d, "offset");
    size_t pos = dec_pos(&d);
    e->data = d_lenbytes(&d, "data", &e->len);
    if (dec_ok(&d) && e->len > RRT_EV_SHARED_WRITE_MAX)
        dec_fail(&d, RRT_E_LIMIT, pos, "data", "larger than 64 MiB");
    else if (dec_ok(&d) && e->offset > UINT64_MAX - e->len)
        dec_fail(&d, RRT_E_CORRUPT, pos, "data",
                 "ends beyond the largest file offset");
    return dec_end(&d, e, sizeof(*e));
}

void rrt_ev_syscallbuf_clear(rrt_ev_syscallbuf *e)
{
    free((void *)e->recs);
    memset(e, 0, sizeof(*e));
}

rrt_status rrt_ev_decode_syscallbuf(const uint8_t *data, size_t len,
                                    rrt_ev_syscallbuf *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_SYSCALLBUF, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    size_t pos = dec_pos(&d);
    e->flags = d_u32v(&d, "flags");
    if (dec_ok(&d) && (e->flags & ~RRT_EV_SB_KNOWN))
        dec_fail(&d, RRT_E_CORRUPT, pos, "flags", "undefined flag bits set");
    pos = dec_pos(&d);
    uint64_t n = d_varint(&d, "n");
    /* Each record takes at least four bytes: bound n by what is left, and
     * by what one buffer can hold, before allocating anything. */
    if (dec_ok(&d) && n == 0)
        dec_fail(&d, RRT_E_CORRUPT, pos, "n", "no records");
    else if (dec_ok(&d) && n > RRT_EV_SB_MAX_RECS)
        dec_fail(&d, RRT_E_LIMIT, pos, "n", "more than 32768 records");
    else if (dec_ok(&d) && n > rrt_cursor_left(&d.c) / 4)
        dec_fail(&d, RRT_E_CORRUPT, pos, "n",
                 "more records than the payload can hold");
    if (dec_ok(&d)) {
        rrt_ev_sb_rec *recs = calloc((size_t)n, sizeof(*recs));
        if (!recs) {
            memset(e, 0, sizeof(*e));
            return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                             "SYSCALLBUF event: out of memory");
        }
        for (size_t i = 0; i < n && dec_ok(&d); i++) {
            recs[i].nr = d_u32v(&d, "records.nr");
            uint64_t zz = d_varint(&d, "records.ret");
            recs[i].ret = (int64_t)(zz >> 1) ^ -(int64_t)(zz & 1);
            recs[i].addr = d_varint(&d, "records.addr");
            recs[i].data = d_lenbytes(&d, "records.data", &recs[i].len);
        }
        e->recs = recs;
        e->n_recs = (size_t)n;
    }
    if (dec_ok(&d) && rrt_cursor_left(&d.c))
        dec_fail(&d, RRT_E_CORRUPT, dec_pos(&d), "end",
                 "bytes after the last field");
    if (!dec_ok(&d))
        rrt_ev_syscallbuf_clear(e);
    return d.st;
}

rrt_status rrt_ev_decode_syscallbuf_patch(const uint8_t *data, size_t len,
                                          rrt_ev_syscallbuf_patch *e,
                                          rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_SYSCALLBUF_PATCH, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->rip = d_varint(&d, "rip");
    e->stub = d_varint(&d, "stub");
    size_t pos = dec_pos(&d);
    e->stub_bytes = d_lenbytes(&d, "stub_bytes", &e->stub_len);
    if (dec_ok(&d) && e->stub_len > RRT_EV_SB_STUB_MAX)
        dec_fail(&d, RRT_E_CORRUPT, pos, "stub_bytes", "longer than 48 bytes");
    e->site = d_varint(&d, "site");
    pos = dec_pos(&d);
    e->site_bytes = d_lenbytes(&d, "site_bytes", &e->site_len);
    if (dec_ok(&d) &&
        (e->site_len < RRT_EV_SB_SITE_MIN || e->site_len > RRT_EV_SB_SITE_MAX))
        dec_fail(&d, RRT_E_CORRUPT, pos, "site_bytes", "not 5 to 11 bytes");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_cpuid_patch(const uint8_t *data, size_t len,
                                     rrt_ev_cpuid_patch *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_CPUID_PATCH, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->stub = d_varint(&d, "stub");
    size_t pos = dec_pos(&d);
    e->stub_bytes = d_lenbytes(&d, "stub_bytes", &e->stub_len);
    if (dec_ok(&d) && (e->stub_len < 1 || e->stub_len > RRT_EV_SB_STUB_MAX))
        dec_fail(&d, RRT_E_CORRUPT, pos, "stub_bytes", "not 1 to 48 bytes");
    e->site = d_varint(&d, "site");
    pos = dec_pos(&d);
    e->site_bytes = d_lenbytes(&d, "site_bytes", &e->site_len);
    if (dec_ok(&d) && (e->site_len < RRT_EV_CPUID_SITE_MIN ||
                       e->site_len > RRT_EV_CPUID_SITE_MAX))
        dec_fail(&d, RRT_E_CORRUPT, pos, "site_bytes", "not 5 to 16 bytes");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_syscallbuf_init(const uint8_t *data, size_t len,
                                         rrt_ev_syscallbuf_init *e,
                                         rrt_error *err)
{
    static const char *const okname[2] = {"out[0].ok", "out[1].ok"};
    static const char *const devname[2] = {"out[0].dev", "out[1].dev"};
    static const char *const inoname[2] = {"out[0].ino", "out[1].ino"};
    dec d;
    dec_init(&d, data, len, RRT_EV_SYSCALLBUF_INIT, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->base = d_varint(&d, "base");
    size_t pos = dec_pos(&d);
    e->image = d_lenbytes(&d, "image", &e->image_len);
    if (dec_ok(&d) && e->image_len > RRT_EV_SB_IMAGE_MAX)
        dec_fail(&d, RRT_E_LIMIT, pos, "image", "larger than 64 KiB");
    for (int i = 0; i < 2; i++) {
        e->out[i].ok = d_bool8(&d, okname[i]);
        e->out[i].dev = d_varint(&d, devname[i]);
        e->out[i].ino = d_varint(&d, inoname[i]);
    }
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_preempt(const uint8_t *data, size_t len,
                                 rrt_ev_preempt *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_PREEMPT, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->resume = d_bool8(&d, "resume");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_detach(const uint8_t *data, size_t len,
                                rrt_ev_detach *e, rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_DETACH, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    return dec_end(&d, e, sizeof(*e));
}

rrt_status rrt_ev_decode_exec(const uint8_t *data, size_t len, rrt_ev_exec *e,
                              rrt_error *err)
{
    dec d;
    dec_init(&d, data, len, RRT_EV_EXEC, err);
    memset(e, 0, sizeof(*e));
    e->tid = d_u32v(&d, "tid");
    e->exe_file = d_varint(&d, "exe_file");
    d_fixed(&d, "at_random", e->at_random, sizeof(e->at_random));
    size_t pos = dec_pos(&d);
    uint64_t n = d_varint(&d, "n_auxv");
    if (dec_ok(&d) && n > RRT_EV_MAX_AUXV) {
        dec_fail(&d, RRT_E_LIMIT, pos, "n_auxv",
                 "more than 64 auxiliary vector entries");
        n = 0;
    }
    e->n_auxv = dec_ok(&d) ? (size_t)n : 0;
    for (size_t i = 0; i < e->n_auxv; i++) {
        e->auxv[i][0] = d_varint(&d, "auxv.key");
        e->auxv[i][1] = d_varint(&d, "auxv.value");
    }
    /* Absent in payloads written before interpreters were recorded. */
    if (dec_ok(&d) && rrt_cursor_left(&d.c)) {
        uint64_t interp = d_varint(&d, "interp_file");
        e->has_interp = interp != 0;
        e->interp_file = interp ? interp - 1 : 0;
    }
    return dec_end(&d, e, sizeof(*e));
}

/* ------------------------------------------------------------------ */
/* Names                                                              */

#define RRT_EV_CHECK_NUMBER(NAME, name, num)                                   \
    _Static_assert(RRT_EV_##NAME == num,                                       \
                   "RRT_EV_" #NAME " disagrees with RRT_EVENT_LIST");
RRT_EVENT_LIST(RRT_EV_CHECK_NUMBER)
#undef RRT_EV_CHECK_NUMBER

const char *rrt_ev_type_name(uint32_t type)
{
    static const char *const names[] = {
#define RRT_EV_NAME(NAME, name, num) [num] = #NAME,
        RRT_EVENT_LIST(RRT_EV_NAME)
#undef RRT_EV_NAME
    };
    if (type < sizeof(names) / sizeof(names[0]))
        return names[type];
    return NULL;
}

/* ------------------------------------------------------------------ */
/* Any type                                                           */

rrt_status rrt_ev_decode_any(uint32_t type, const uint8_t *data, size_t len,
                             rrt_ev_any *out, rrt_error *err)
{
    rrt_status st;
    memset(out, 0, sizeof(*out));
    switch (type) {
#define RRT_EV_DECODE(NAME, name, num)                                         \
    case num:                                                                  \
        st = rrt_ev_decode_##name(data, len, &out->u.name, err);               \
        break;
        RRT_EVENT_LIST(RRT_EV_DECODE)
#undef RRT_EV_DECODE
    default:
        return rrtx_fail(err, RRT_E_UNSUPPORTED, 0, NULL, UINT64_MAX,
                         "event type %u: not known to this version of librrt",
                         type);
    }
    if (st == RRT_OK)
        out->type = type;
    return st;
}

void rrt_ev_any_clear(rrt_ev_any *e)
{
    if (e->type == RRT_EV_SYSCALL)
        rrt_ev_syscall_clear(&e->u.syscall);
    else if (e->type == RRT_EV_SYSCALLBUF)
        rrt_ev_syscallbuf_clear(&e->u.syscallbuf);
    memset(e, 0, sizeof(*e));
}

/* ------------------------------------------------------------------ */
/* System call names                                                  */

static const char *const syscall_names[] = {
#include "syscall_names.inc"
};

const char *rrt_syscall_name(uint32_t nr)
{
    if (nr < sizeof(syscall_names) / sizeof(syscall_names[0]))
        return syscall_names[nr];
    return NULL;
}
