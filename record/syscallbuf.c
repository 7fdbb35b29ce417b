/* Recording with the syscall buffer (spec/events.md 5): the library is
 * mapped into every process after its execve (SYSCALLBUF_INIT), each
 * `syscall` of a buffered call that reaches the recorder is patched into
 * a jump to the library (SYSCALLBUF_PATCH), and the records the library
 * appended are written as SYSCALLBUF events at the task's next stop, when
 * the buffer is full (the library's SB_NR_FLUSH call), and before the
 * token changes hands. */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "recorderi.h"
#include "syscallbuf.h"

static bool read_ctl(rtask *t, struct sb_ctl *c)
{
    return trace_mem_read(t->base.memfd, SB_CTL, c, sizeof(*c)) &&
           c->magic == SB_MAGIC;
}

bool rec_sb_exec(recorder *r, rtask *t)
{
    t->sb = false;
    if (!r->o->syscall_buffer)
        return true;
    struct sb_ctl c = {.magic = SB_MAGIC, .mode = SB_MODE_RECORD};
    for (int s = 1; s <= 2; s++) {
        c.out_ok[s - 1] = r->out_ok[s];
        c.out_dev[s - 1] = (uint64_t)r->out_st[s].st_dev;
        c.out_ino[s - 1] = (uint64_t)r->out_st[s].st_ino;
    }
    if (!trace_sb_map(t->base.tid, t->base.memfd, trace_sb_image,
                      trace_sb_image_len, &c))
        return true; /* the region is taken: this program runs unbuffered */
    t->sb = true;
    rrt_buf b;
    rrt_buf_init(&b);
    trace_sb_encode_init(&b, (uint32_t)t->base.tid, SB_BASE, trace_sb_image,
                         trace_sb_image_len, &c);
    bool ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF_INIT, &b);
    rrt_buf_free(&b);
    return ok;
}

bool rec_sb_flush(recorder *r, rtask *t, bool safe)
{
    struct sb_ctl c;
    if (!t->sb || r->holder != t)
        return true;
    if (!read_ctl(t, &c)) {
        t->sb = false; /* the program unmapped or overwrote it */
        return true;
    }
    if (c.used > SB_BUF_SIZE || c.flushed > c.used)
        return rec_fail(r,
                        "process %d: the syscall buffer's control page is "
                        "corrupt (used %llu, flushed %llu)",
                        (int)t->base.tid, (unsigned long long)c.used,
                        (unsigned long long)c.flushed);
    if (c.used == c.flushed && (c.used == 0 || (c.busy && !safe)))
        return true;
    size_t n = (size_t)(c.used - c.flushed);
    uint8_t *buf = n ? malloc(n) : NULL;
    if (n && !buf)
        return rec_fail(r, "out of memory");
    if (n && !trace_mem_read(t->base.memfd, SB_BUF + c.flushed, buf, n)) {
        free(buf);
        return rec_fail(r, "process %d: cannot read its syscall buffer",
                        (int)t->base.tid);
    }
    /* count, then encode */
    uint64_t count = 0;
    for (size_t off = 0; off < n;) {
        struct sb_rec h;
        memcpy(&h, buf + off, sizeof(h));
        if (h.size < SB_REC_HDR || h.size % 8 || h.size > n - off ||
            h.len > h.size - SB_REC_HDR) {
            free(buf);
            return rec_fail(r,
                            "process %d: corrupt syscall buffer record at "
                            "offset %llu",
                            (int)t->base.tid,
                            (unsigned long long)(c.flushed + off));
        }
        off += h.size;
        count++;
    }
    bool ok = true;
    if (count) {
        rrt_buf b;
        rrt_buf_init(&b);
        trace_sb_encode_flush_head(&b, (uint32_t)t->base.tid, count);
        for (size_t off = 0; off < n;) {
            struct sb_rec h;
            memcpy(&h, buf + off, sizeof(h));
            trace_sb_rec rec = {h.nr, h.ret, h.addr, buf + off + SB_REC_HDR,
                                (size_t)h.len};
            trace_sb_encode_rec(&b, &rec);
            off += h.size;
        }
        ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF, &b);
        rrt_buf_free(&b);
        r->sb_records += count;
    }
    free(buf);
    /* Inside the library (a signal stopped it in the middle of a call, a
     * handler's call, a traced fallback), a record may be half written
     * and will still be committed at `used`: keep the offsets, skip what
     * is out. Only the library's own flush call is known safe. */
    uint64_t pos[2] = {0, 0};
    if (c.busy && !safe)
        pos[0] = pos[1] = c.used;
    if (!trace_mem_write(t->base.memfd, SB_CTL + offsetof(struct sb_ctl, used),
                         pos, sizeof(pos)))
        return rec_fail(r, "process %d: cannot reset its syscall buffer",
                        (int)t->base.tid);
    return ok;
}

/* The call is skipped (returns 0) when the task resumes; the caller
 * lets the threads waiting for the token run first. */
bool rec_sb_private(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    if (!t->sb || regs->orig_rax != SB_NR_FLUSH ||
        regs->rip != trace_sb_traced_ip)
        return false;
    /* the library's call at a point where no record is half written */
    if (!rec_sb_flush(r, t, true))
        return true;
    regs->orig_rax = (uint64_t)-1;
    regs->rax = 0;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    return true;
}

/* Another task of the address space stands in this call at this site:
 * patching now would return it into the middle of the jump. */
static bool site_busy(recorder *r, rtask *t, uint64_t rip)
{
    for (trace_task *b = r->tasks; b; b = b->next) {
        rtask *u = (rtask *)b;
        if (u != t && u->base.pset == t->base.pset && u->in_syscall &&
            u->sb_rip == rip)
            return true;
    }
    return false;
}

bool rec_sb_after_syscall(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    int64_t ret = (int64_t)regs->rax;
    if (!t->sb || !trace_sb_buffers(t->nr) || regs->rip != t->sb_rip ||
        (ret <= -512 && ret >= -516) || site_busy(r, t, regs->rip))
        return true;
    uint64_t next;
    trace_sb_patch p;
    if (!trace_mem_read(t->base.memfd,
                        SB_CTL + offsetof(struct sb_ctl, stub_next), &next,
                        sizeof(next)) ||
        !trace_sb_plan(t->base.memfd, regs->rip, next, &p))
        return true;
    next += SB_STUB_SIZE;
    if (!trace_mem_write(t->base.memfd, p.stub, p.stub_bytes, p.stub_len) ||
        !trace_mem_write(t->base.memfd, p.site, p.site_bytes, p.site_len) ||
        !trace_mem_write(t->base.memfd,
                         SB_CTL + offsetof(struct sb_ctl, stub_next), &next,
                         sizeof(next)))
        return rec_fail(r, "process %d: cannot patch the system call at 0x%llx",
                        (int)t->base.tid, (unsigned long long)p.site);
    regs->rip = p.cont;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    r->sb_patched++;
    rrt_buf b;
    rrt_buf_init(&b);
    trace_sb_encode_patch(&b, (uint32_t)t->base.tid, &p);
    bool ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF_PATCH, &b);
    rrt_buf_free(&b);
    return ok;
}
