/* Event payload codecs. All integers are varints unless noted; `bytes`
 * is a varint length followed by the bytes (rrt/codec.h).
 *
 * SYSCALL: tid, nr, 6 args, ret (svarint), flags, n_mem,
 *          n_mem x (addr, bytes), [FILE: file_index], [STDIO: stream, bytes]
 * RDTSC:   tid, u8 rdtscp, u64 tsc, aux
 * CPUID:   tid, leaf, subleaf, u32 eax, ebx, ecx, edx
 * SIGNAL:  tid, signo, u8 sync, bytes siginfo (128)
 * EXIT:    tid, killed, code
 * CLONE:   parent tid, child tid, clone flags
 * EXEC:    tid, exe file index, bytes at_random (16), n, n x (key, value),
 *          interpreter file index + 1 (0: none; absent in older payloads)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

void rrti_producer_init(rrti_producer *p, rrt_writer *w)
{
    p->w = w;
    rrt_buf_init(&p->buf);
}

void rrti_producer_free(rrti_producer *p)
{
    rrt_buf_free(&p->buf);
}

static rrt_status emit(rrti_producer *p, uint32_t type, rrt_error *err)
{
    if (p->buf.failed) {
        if (err) {
            err->status = RRT_E_NOMEM;
            snprintf(err->message, sizeof(err->message),
                     "out of memory encoding an event");
        }
        return RRT_E_NOMEM;
    }
    return rrt_writer_add_event(p->w, type, p->buf.data, p->buf.len, err);
}

rrt_status rrti_emit_syscall(rrti_producer *p, const rrti_ev_syscall *e,
                             rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
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
    if (e->flags & RRTI_SC_FILE)
        rrt_buf_put_varint(b, e->file_index);
    if (e->flags & RRTI_SC_STDIO) {
        rrt_buf_put_varint(b, e->stdio_stream);
        rrt_buf_put_lenbytes(b, e->stdio_data, e->stdio_len);
    }
    return emit(p, RRTI_EV_SYSCALL, err);
}

rrt_status rrti_emit_rdtsc(rrti_producer *p, const rrti_ev_rdtsc *e,
                           rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_u8(b, e->rdtscp);
    rrt_buf_put_u64(b, e->tsc);
    rrt_buf_put_varint(b, e->aux);
    return emit(p, RRTI_EV_RDTSC, err);
}

rrt_status rrti_emit_cpuid(rrti_producer *p, const rrti_ev_cpuid *e,
                           rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->leaf);
    rrt_buf_put_varint(b, e->subleaf);
    for (int i = 0; i < 4; i++)
        rrt_buf_put_u32(b, e->regs[i]);
    return emit(p, RRTI_EV_CPUID, err);
}

rrt_status rrti_emit_signal(rrti_producer *p, const rrti_ev_signal *e,
                            rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->signo);
    rrt_buf_put_u8(b, e->sync);
    rrt_buf_put_lenbytes(b, e->siginfo, sizeof(e->siginfo));
    return emit(p, RRTI_EV_SIGNAL, err);
}

rrt_status rrti_emit_exit(rrti_producer *p, const rrti_ev_exit *e,
                          rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->killed);
    rrt_buf_put_varint(b, e->code);
    return emit(p, RRTI_EV_EXIT, err);
}

rrt_status rrti_emit_clone(rrti_producer *p, const rrti_ev_clone *e,
                           rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->parent);
    rrt_buf_put_varint(b, e->child);
    rrt_buf_put_varint(b, e->flags);
    return emit(p, RRTI_EV_CLONE, err);
}

rrt_status rrti_emit_exec(rrti_producer *p, const rrti_ev_exec *e,
                          rrt_error *err)
{
    rrt_buf *b = &p->buf;
    rrt_buf_reset(b);
    rrt_buf_put_varint(b, e->tid);
    rrt_buf_put_varint(b, e->exe_file);
    rrt_buf_put_lenbytes(b, e->at_random, sizeof(e->at_random));
    rrt_buf_put_varint(b, e->n_auxv);
    for (size_t i = 0; i < e->n_auxv; i++) {
        rrt_buf_put_varint(b, e->auxv[i][0]);
        rrt_buf_put_varint(b, e->auxv[i][1]);
    }
    rrt_buf_put_varint(b, e->has_interp ? e->interp_file + 1 : 0);
    return emit(p, RRTI_EV_EXEC, err);
}

/* ------------------------------------------------------------------ */

static uint32_t cur_u32v(rrt_cursor *c)
{
    uint64_t v = rrt_cursor_varint(c);
    if (v > UINT32_MAX)
        c->failed = true;
    return (uint32_t)v;
}

bool rrti_decode_syscall(const uint8_t *data, size_t len, rrti_ev_syscall *e,
                         rrti_mem **mem)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    memset(e, 0, sizeof(*e));
    *mem = NULL;
    e->tid = cur_u32v(&c);
    e->nr = cur_u32v(&c);
    for (int i = 0; i < 6; i++)
        e->args[i] = rrt_cursor_varint(&c);
    e->ret = rrt_cursor_svarint(&c);
    e->flags = cur_u32v(&c);
    uint64_t n = rrt_cursor_varint(&c);
    /* Each entry takes at least two bytes: bound n by what is left. */
    if (c.failed || n > rrt_cursor_left(&c) / 2)
        return false;
    if (n) {
        *mem = calloc((size_t)n, sizeof(**mem));
        if (!*mem)
            return false;
    }
    for (size_t i = 0; i < n; i++) {
        (*mem)[i].addr = rrt_cursor_varint(&c);
        (*mem)[i].data = rrt_cursor_lenbytes(&c, &(*mem)[i].len);
    }
    e->n_mem = (size_t)n;
    e->mem = *mem;
    if (e->flags & RRTI_SC_FILE)
        e->file_index = rrt_cursor_varint(&c);
    if (e->flags & RRTI_SC_STDIO) {
        e->stdio_stream = cur_u32v(&c);
        e->stdio_data = rrt_cursor_lenbytes(&c, &e->stdio_len);
    }
    if (c.failed) {
        free(*mem);
        *mem = NULL;
        return false;
    }
    return true;
}

bool rrti_decode_rdtsc(const uint8_t *data, size_t len, rrti_ev_rdtsc *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->tid = cur_u32v(&c);
    e->rdtscp = rrt_cursor_u8(&c);
    e->tsc = rrt_cursor_u64(&c);
    e->aux = cur_u32v(&c);
    return !c.failed;
}

bool rrti_decode_cpuid(const uint8_t *data, size_t len, rrti_ev_cpuid *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->tid = cur_u32v(&c);
    e->leaf = cur_u32v(&c);
    e->subleaf = cur_u32v(&c);
    for (int i = 0; i < 4; i++)
        e->regs[i] = rrt_cursor_u32(&c);
    return !c.failed;
}

bool rrti_decode_signal(const uint8_t *data, size_t len, rrti_ev_signal *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->tid = cur_u32v(&c);
    e->signo = cur_u32v(&c);
    e->sync = rrt_cursor_u8(&c);
    size_t n;
    const uint8_t *si = rrt_cursor_lenbytes(&c, &n);
    if (c.failed || n != sizeof(e->siginfo) || e->signo == 0 || e->signo > 64)
        return false;
    memcpy(e->siginfo, si, n);
    return true;
}

bool rrti_decode_exit(const uint8_t *data, size_t len, rrti_ev_exit *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->tid = cur_u32v(&c);
    e->killed = cur_u32v(&c);
    e->code = cur_u32v(&c);
    return !c.failed;
}

bool rrti_decode_clone(const uint8_t *data, size_t len, rrti_ev_clone *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->parent = cur_u32v(&c);
    e->child = cur_u32v(&c);
    e->flags = rrt_cursor_varint(&c);
    return !c.failed;
}

bool rrti_decode_exec(const uint8_t *data, size_t len, rrti_ev_exec *e)
{
    rrt_cursor c;
    rrt_cursor_init(&c, data, len);
    e->tid = cur_u32v(&c);
    e->exe_file = rrt_cursor_varint(&c);
    size_t n;
    const uint8_t *r = rrt_cursor_lenbytes(&c, &n);
    if (c.failed || n != sizeof(e->at_random))
        return false;
    memcpy(e->at_random, r, n);
    uint64_t na = rrt_cursor_varint(&c);
    if (c.failed || na > RRTI_MAX_AUXV)
        return false;
    e->n_auxv = (size_t)na;
    for (size_t i = 0; i < e->n_auxv; i++) {
        e->auxv[i][0] = rrt_cursor_varint(&c);
        e->auxv[i][1] = rrt_cursor_varint(&c);
    }
    uint64_t interp = rrt_cursor_left(&c) ? rrt_cursor_varint(&c) : 0;
    e->has_interp = interp != 0;
    e->interp_file = interp ? interp - 1 : 0;
    return !c.failed;
}

const char *rrti_event_name(uint32_t type)
{
    static const char *const names[] = {
        [RRTI_EV_SYSCALL] = "syscall", [RRTI_EV_RDTSC] = "rdtsc",
        [RRTI_EV_CPUID] = "cpuid",     [RRTI_EV_SIGNAL] = "signal",
        [RRTI_EV_EXIT] = "exit",       [RRTI_EV_CLONE] = "clone",
        [RRTI_EV_EXEC] = "exec",
    };
    if (type < sizeof(names) / sizeof(names[0]) && names[type])
        return names[type];
    return "unknown";
}
