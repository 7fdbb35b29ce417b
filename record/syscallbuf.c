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
#include <unistd.h>

#include "recorderi.h"
#include "syscallbuf.h"

static bool read_ctl(rtask *t, struct sb_ctl *c)
{
    /* the header: not the descriptor cache */
    return trace_mem_read(t->base.memfd, SB_CTL, c,
                          offsetof(struct sb_ctl, fd_gen)) &&
           c->magic == SB_MAGIC;
}

bool rec_sb_exec(recorder *r, rtask *t)
{
    t->sb = false;
    if (!r->o->syscall_buffer || t->own_filter)
        return true; /* the program's filter would judge its calls */
    struct sb_ctl c = {.magic = SB_MAGIC,
                       .mode = SB_MODE_RECORD,
                       .mirror = r->sb_mirror,
                       .fd_gen = 1};
    for (int s = 1; s <= 2; s++) {
        c.out_ok[s - 1] = r->out_ok[s];
        c.out_dev[s - 1] = (uint64_t)r->out_st[s].st_dev;
        c.out_ino[s - 1] = (uint64_t)r->out_st[s].st_ino;
    }
    if (!trace_sb_map(t->base.tid, t->base.memfd, trace_sb_image,
                      trace_sb_image_len, &c))
        return true; /* the region is taken: this program runs unbuffered */
    t->sb = true;
    rrt_ev_syscallbuf_init e = {.tid = (uint32_t)t->base.tid,
                                .base = SB_BASE,
                                .image_len = trace_sb_image_len,
                                .image = trace_sb_image};
    for (int i = 0; i < 2; i++) {
        e.out[i].ok = c.out_ok[i] ? 1 : 0;
        e.out[i].dev = c.out_dev[i];
        e.out[i].ino = c.out_ino[i];
    }
    memset(&t->sb_th, 0, sizeof(t->sb_th)); /* as in the new control page */
    t->sb_th_valid = true;
    rrt_buf b;
    rrt_buf_init(&b);
    if (rrt_ev_encode_syscallbuf_init(&b, &e) != RRT_OK) {
        rrt_buf_free(&b);
        return rec_fail(r, "the syscall buffer's library is too large");
    }
    bool ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF_INIT, &b);
    rrt_buf_free(&b);
    /* ld.so's and the program's sites patched in earlier processes */
    return ok && rec_sb_ahead_exec(r, t);
}

bool rec_sb_check_records(const uint8_t *buf, size_t n, uint64_t *count)
{
    uint64_t k = 0;
    for (size_t off = 0; off < n;) {
        struct sb_rec h;
        if (n - off < sizeof(h)) {
            *count = off;
            return false;
        }
        memcpy(&h, buf + off, sizeof(h));
        if (h.size < SB_REC_HDR || h.size % 8 || h.size > n - off ||
            h.len > h.size - SB_REC_HDR) {
            *count = off;
            return false;
        }
        off += h.size;
        k++;
    }
    *count = k;
    return true;
}

const uint8_t *rec_sb_read(recorder *r, rtask *t, uint64_t off, size_t n)
{
    rrt_buf_reset(&r->sb_raw);
    r->sb_raw.failed = false;
    if (!rrt_buf_reserve(&r->sb_raw, n ? n : 1) ||
        (n && !trace_mem_read(t->base.memfd, SB_BUF + off, r->sb_raw.data, n)))
        return NULL;
    return r->sb_raw.data;
}

bool rec_sb_emit_records(recorder *r, rtask *t, const uint8_t *buf, size_t n,
                         uint64_t count, uint32_t flags)
{
    if (!count)
        return true;
    rrt_buf *b = &r->sb_enc;
    rrt_buf_reset(b);
    b->failed = false;
    /* a full buffer holds at most RRT_EV_SB_MAX_RECS records (32 bytes
     * each at least), so the head's count is valid */
    rrt_status st =
        rrt_ev_encode_syscallbuf_head(b, (uint32_t)t->base.tid, flags, count);
    for (size_t off = 0; off < n && st == RRT_OK;) {
        struct sb_rec h;
        memcpy(&h, buf + off, sizeof(h));
        rrt_ev_sb_rec rec = {.nr = h.nr,
                             .ret = h.ret,
                             .addr = h.addr,
                             .len = (size_t)h.len,
                             .data = buf + off + SB_REC_HDR};
        st = rrt_ev_encode_sb_rec(b, &rec);
        off += h.size;
    }
    if (st != RRT_OK)
        return rec_fail(r,
                        "process %d: cannot encode its syscall buffer's "
                        "records",
                        (int)t->base.tid);
    bool ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF, b);
    r->sb_records += count;
    return ok;
}

static bool flush(recorder *r, rtask *t, bool safe, uint32_t flags)
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
    if (c.used == c.flushed && (c.used == 0 || (c.th.busy && !safe)))
        return true;
    size_t n = (size_t)(c.used - c.flushed);
    const uint8_t *buf = rec_sb_read(r, t, c.flushed, n);
    if (!buf)
        return r->sb_raw.failed
                   ? rec_fail(r, "out of memory")
                   : rec_fail(r, "process %d: cannot read its syscall buffer",
                              (int)t->base.tid);
    uint64_t count;
    if (!rec_sb_check_records(buf, n, &count)) {
        return rec_fail(r,
                        "process %d: corrupt syscall buffer record at "
                        "offset %llu",
                        (int)t->base.tid,
                        (unsigned long long)(c.flushed + count));
    }
    bool ok =
        rec_sb_emit_records(r, t, buf, n, count, flags) && rec_sb_answered(r);
    /* Inside the library (a signal stopped it in the middle of a call, a
     * handler's call, a traced fallback), a record may be half written
     * and will still be committed at `used`: keep the offsets, skip what
     * is out. Only the library's own flush call is known safe. */
    uint64_t pos[2] = {0, 0};
    if (c.th.busy && !safe)
        pos[0] = pos[1] = c.used;
    if (!trace_mem_write(t->base.memfd, SB_CTL + offsetof(struct sb_ctl, used),
                         pos, sizeof(pos)))
        return rec_fail(r, "process %d: cannot reset its syscall buffer",
                        (int)t->base.tid);
    return ok;
}

/* The token goes to t: its thread state goes into the control page of
 * its address space, the previous owner's (a thread of the same address
 * space) is saved. A fork child keeps what it inherited. */
bool rec_sb_switch(recorder *r, rtask *t)
{
    uint64_t owner;
    int fd = t->base.memfd;
    uint64_t at = SB_CTL + offsetof(struct sb_ctl, owner);
    if (!t->sb || !trace_mem_read(fd, at, &owner, sizeof(owner)) ||
        owner == (uint64_t)t->base.tid)
        return true;
    rtask *o = NULL;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (b->tid == (pid_t)owner && b->pset == t->base.pset)
            o = (rtask *)b;
    uint64_t tid = (uint64_t)t->base.tid;
    uint64_t th_at = SB_CTL + offsetof(struct sb_ctl, th);
    bool ok = true;
    if (o) {
        ok = trace_mem_read(fd, th_at, &o->sb_th, sizeof(o->sb_th));
        o->sb_th_valid = true;
    }
    /* also when the owner is gone (an exited thread): its state is not t's */
    if (o || t->sb_th_valid)
        ok = ok && trace_mem_write(fd, th_at, &t->sb_th, sizeof(t->sb_th));
    t->sb_th_valid = true;
    ok = ok && trace_mem_write(fd, at, &tid, sizeof(tid));
    return ok || rec_fail(r, "process %d: cannot switch its syscall buffer",
                          (int)t->base.tid);
}

static bool in_region(uint64_t rip)
{
    return rip >= SB_BASE && rip < SB_BASE + SB_SIZE;
}

/* Sends the held-back signals again: they are pending when the task
 * resumes, so delivered at this stop, a point replay stops at too. */
static bool requeue(recorder *r, rtask *t)
{
    pid_t tgid = trace_tgid(t->base.tid);
    for (int i = 0; i < t->sb_nstash; i++) {
        siginfo_t *si = &t->sb_stash[i];
        if (syscall(SYS_rt_tgsigqueueinfo, tgid, t->base.tid, si->si_signo,
                    si) != 0 &&
            syscall(SYS_tgkill, tgid, t->base.tid, si->si_signo) != 0)
            return rec_fail(r, "process %d: cannot send signal %d again: %s",
                            (int)t->base.tid, si->si_signo, strerror(errno));
    }
    t->sb_nstash = 0;
    uint32_t zero = 0;
    trace_mem_write(t->base.memfd,
                    SB_CTL + offsetof(struct sb_ctl, th.sig_pending), &zero,
                    sizeof(zero));
    return true;
}

int rec_sb_entry(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    bool own = regs->orig_rax == SB_NR_FLUSH && regs->rip == trace_sb_traced_ip;
    bool tail = own && regs->rdi == 1;
    /* the library's flush call comes where no record is half written */
    if (!flush(r, t, own, own ? RRT_EV_SB_STOP : 0))
        return -1;
    t->sb_requeued = 0;
    t->sb_cont = 0;
    /* held-back signals go at the tail flush, or before a call of the
     * program's (delivered at its exit, where replay delivers them) */
    if (t->sb_nstash && (tail || !own)) {
        int n = t->sb_nstash;
        if (!requeue(r, t))
            return -1;
        if (tail)
            t->sb_requeued = n;
    }
    if (!own) {
        t->sb_rip = regs->rip;
        return 0;
    }
    regs->orig_rax = (uint64_t)-1;
    regs->rax = 0;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    return tail ? SB_RESUME : SB_YIELD;
}

int rec_sb_signal(recorder *r, rtask *t, int sig)
{
    struct user_regs_struct g;
    siginfo_t si;
    bool regs = ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) == 0;
    bool info = ptrace(PTRACE_GETSIGINFO, t->base.tid, NULL, &si) == 0;
    /* an asynchronous signal is delivered where the task stops (replay
     * stops there too); traps and faults recur where they happen */
    bool async = info && t->recording && sig != SIGKILL && sig != SIGSTOP &&
                 (si.si_code <= 0 ||
                  (si.si_code == SI_KERNEL && sig != SIGSEGV && sig != SIGILL));
    /* Inside the library (not at its traced call, where replay stops as
     * well) a handler's frame would hold a point replay never reaches:
     * hold the signal back until the library's tail flush. */
    bool stash = async && regs && in_region(g.rip) && t->sb_nstash < 4;
    /* a signal the call just patched raised (SIGPIPE of a write) comes at
     * its exit, in the stub, where replay stands after the patch too */
    if (regs && g.rip == t->sb_cont)
        stash = false;
    if (stash && g.rip == trace_sb_traced_ip) {
        /* after a traced call the library makes for the program (replay
         * stops there too), and the signals sent again at a tail flush */
        if (g.orig_rax != (uint64_t)-1 && g.orig_rax != SB_NR_FLUSH)
            stash = false;
        else if (t->sb_requeued > 0) {
            t->sb_requeued--;
            stash = false;
        }
    }
    if (!flush(r, t, false, async && !stash ? RRT_EV_SB_STOP : 0))
        return -1;
    if (!stash)
        return 0;
    t->sb_stash[t->sb_nstash++] = si;
    uint32_t one = 1;
    if (!trace_mem_write(t->base.memfd,
                         SB_CTL + offsetof(struct sb_ctl, th.sig_pending), &one,
                         sizeof(one))) {
        rec_fail(r, "process %d: cannot write its syscall buffer",
                 (int)t->base.tid);
        return -1;
    }
    r->sb_stashed++;
    return 1;
}

/* Another task of the address space stands in a call at this site, or
 * at its exit waiting for the token: patching now would return it into
 * the middle of the jump. */
static bool site_busy(recorder *r, rtask *t, uint64_t rip)
{
    for (trace_task *b = r->tasks; b; b = b->next) {
        rtask *u = (rtask *)b;
        if (u != t && u->base.pset == t->base.pset && u->sb_rip == rip &&
            (u->in_syscall || u->want_exit_event || u->deferred))
            return true;
    }
    return false;
}

bool rec_sb_patch_site(recorder *r, rtask *t, uint64_t rip, bool ahead,
                       uint64_t *cont)
{
    uint64_t next;
    trace_sb_patch p;
    *cont = 0;
    if ((ahead && site_busy(r, t, rip)) ||
        !trace_mem_read(t->base.memfd,
                        SB_CTL + offsetof(struct sb_ctl, stub_next), &next,
                        sizeof(next)) ||
        !trace_sb_plan(t->base.memfd, rip, next, &p))
        return true;
    next += SB_STUB_SIZE;
    if (!trace_mem_write(t->base.memfd, p.stub, p.stub_bytes, p.stub_len) ||
        !trace_mem_write(t->base.memfd, p.site, p.site_bytes, p.site_len) ||
        !trace_mem_write(t->base.memfd,
                         SB_CTL + offsetof(struct sb_ctl, stub_next), &next,
                         sizeof(next)))
        return rec_fail(r, "process %d: cannot patch the system call at 0x%llx",
                        (int)t->base.tid, (unsigned long long)p.site);
    *cont = p.cont;
    r->sb_patched++;
    rrt_ev_syscallbuf_patch e;
    trace_sb_patch_event(&p, (uint32_t)t->base.tid, &e);
    if (ahead)
        e.rip = 0; /* no task stands at the site */
    rrt_buf b;
    rrt_buf_init(&b);
    if (rrt_ev_encode_syscallbuf_patch(&b, &e) != RRT_OK) {
        rrt_buf_free(&b);
        return rec_fail(r, "cannot encode the patch of 0x%llx",
                        (unsigned long long)p.site);
    }
    bool ok = rec_emit_raw(r, RRT_EV_SYSCALLBUF_PATCH, &b);
    rrt_buf_free(&b);
    return ok;
}

bool rec_sb_after_syscall(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    int64_t ret = (int64_t)regs->rax;
    if (t->sb)
        trace_sb_fds_changed(t->base.memfd, t->nr);
    /* sites already patched in the file a new executable mapping shows */
    if (!rec_sb_ahead_mmap(r, t, ret))
        return false;
    /* (the library's own traced calls, a read that would block, come from
     * its region: no site to patch, and no /proc/PID/maps to read) */
    if (!t->sb || !trace_sb_buffers(t->nr) || regs->rip != t->sb_rip ||
        in_region(regs->rip) || (ret <= -512 && ret >= -516) ||
        site_busy(r, t, regs->rip))
        return true;
    trace_sb_patch p;
    trace_mapping m;
    uint64_t next, cont;
    if (!trace_mem_read(t->base.memfd,
                        SB_CTL + offsetof(struct sb_ctl, stub_next), &next,
                        sizeof(next)) ||
        !trace_sb_plan(t->base.memfd, regs->rip, next, &p))
        return true;
    /* a shared mapping (a program's MAP_SHARED copy of its own code) is
     * the file itself: never patched */
    if (!trace_mapping_at(t->base.tid, regs->rip - 1, &m) || m.perms[3] != 'p')
        return true;
    rec_sb_site_learn(r, t, &m, regs->rip);
    if (!rec_sb_patch_site(r, t, regs->rip, false, &cont))
        return false;
    if (!cont)
        return true;
    regs->rip = cont;
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    t->sb_cont = cont;
    return true;
}

bool rec_sb_mirror(recorder *r)
{
    if (r->sb_mirror)
        return true;
    r->sb_mirror = true;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (((rtask *)b)->sb &&
            !trace_sb_ctl_flag(b->memfd, offsetof(struct sb_ctl, mirror)))
            return rec_fail(r, "process %d: cannot write its syscall buffer",
                            (int)b->tid);
    return true;
}
