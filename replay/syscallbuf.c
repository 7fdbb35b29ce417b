/* Replaying the syscall buffer (spec/events.md 5): the library is mapped
 * as recorded (SYSCALLBUF_INIT), in replay mode; sites are patched as
 * recorded (SYSCALLBUF_PATCH); and each SYSCALLBUF event fills the buffer
 * at the library's SB_NR_FLUSH call, after which the task consumes the
 * records with no stop per call. */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/user.h>

#include "replayi.h"
#include "syscallbuf.h"

static bool on_init(replayer *r, const rrt_event *ev)
{
    rrt_ev_syscallbuf_init e;
    rrt_error err;
    ptask *t;
    struct sb_ctl c = {.magic = SB_MAGIC, .mode = SB_MODE_REPLAY, .fd_gen = 1};
    if (rrt_ev_decode_syscallbuf_init(ev->data, ev->len, &e, &err) != RRT_OK)
        return rep_fail_at(r, NULL, "event %llu: %s",
                           (unsigned long long)ev->seq, err.message);
    if (e.base != SB_BASE)
        return rep_fail_at(r, NULL,
                           "event %llu: SYSCALLBUF_INIT maps the library at "
                           "0x%llx, not 0x%llx",
                           (unsigned long long)ev->seq,
                           (unsigned long long)e.base,
                           (unsigned long long)SB_BASE);
    for (int i = 0; i < 2; i++) {
        c.out_ok[i] = e.out[i].ok;
        c.out_dev[i] = e.out[i].dev;
        c.out_ino[i] = e.out[i].ino;
    }
    if (!(t = rep_task(r, e.tid)))
        return rep_diverge(r, NULL,
                           "SYSCALLBUF_INIT names task %u, which "
                           "does not exist",
                           e.tid);
    c.mirror = r->sb_mirror;
    memset(&t->sb_th, 0, sizeof(t->sb_th)); /* as in the new control page */
    t->sb_th_valid = true;
    if (!trace_sb_map(t->base.tid, t->base.memfd, e.image, e.image_len, &c))
        return rep_diverge(r, t, "cannot map the syscall buffer at 0x%llx",
                           (unsigned long long)SB_BASE);
    /* the CPUID table, as the recorder wrote it (CPUID_PATCH events use
     * it; a manifest that does not fit has none, and no such events) */
    trace_cpuid_table_fill(t->base.memfd, &r->m, true);
    r->sb_used = true;
    return true;
}

static bool on_patch(replayer *r, const rrt_event *ev)
{
    rrt_ev_syscallbuf_patch p;
    rrt_error err;
    ptask *t;
    struct user_regs_struct g;
    if (rrt_ev_decode_syscallbuf_patch(ev->data, ev->len, &p, &err) != RRT_OK)
        return rep_fail_at(r, NULL, "event %llu: %s",
                           (unsigned long long)ev->seq, err.message);
    if (!(t = rep_task(r, p.tid)))
        return rep_diverge(r, NULL,
                           "SYSCALLBUF_PATCH names task %u, which "
                           "does not exist",
                           p.tid);
    /* patched ahead of its first call in this process (rip 0): no task is
     * at the site; else t stands at the exit (or emulated entry) of the
     * call just replayed, its rip after the site's `syscall` */
    if (!p.rip) {
        if (!trace_mem_write(t->base.memfd, p.stub, p.stub_bytes, p.stub_len) ||
            !trace_mem_write(t->base.memfd, p.site, p.site_bytes, p.site_len))
            return rep_fail_at(r, t, "cannot patch the system call at 0x%llx",
                               (unsigned long long)p.site);
        return true;
    }
    if (ptrace(PTRACE_GETREGS, t->base.tid, NULL, &g) != 0 || g.rip <= p.site ||
        g.rip > p.site + p.site_len)
        return rep_diverge(r, t,
                           "syscall site 0x%llx to patch, the task "
                           "is at 0x%llx",
                           (unsigned long long)p.site,
                           (unsigned long long)g.rip);
    g.rip = p.rip;
    if (!trace_mem_write(t->base.memfd, p.stub, p.stub_bytes, p.stub_len) ||
        !trace_mem_write(t->base.memfd, p.site, p.site_bytes, p.site_len) ||
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &g) != 0)
        return rep_fail_at(r, t, "cannot patch the system call at 0x%llx",
                           (unsigned long long)p.site);
    return true;
}

/* A CPUID site the recorder patched where the code was mapped: the task
 * stays where it is. */
static bool on_cpuid_patch(replayer *r, const rrt_event *ev)
{
    rrt_ev_cpuid_patch p;
    rrt_error err;
    ptask *t;
    if (rrt_ev_decode_cpuid_patch(ev->data, ev->len, &p, &err) != RRT_OK)
        return rep_fail_at(r, NULL, "event %llu: %s",
                           (unsigned long long)ev->seq, err.message);
    if (!(t = rep_task(r, p.tid)))
        return rep_diverge(
            r, NULL, "CPUID_PATCH names task %u, which does not exist", p.tid);
    if (p.stub < SB_BASE + SB_STUBS_OFF ||
        p.stub + p.stub_len > SB_BASE + SB_STUBS_OFF + SB_STUBS_SIZE)
        return rep_fail_at(r, t,
                           "event %llu: CPUID_PATCH stub 0x%llx is not in "
                           "the syscall buffer's stubs",
                           (unsigned long long)ev->seq,
                           (unsigned long long)p.stub);
    if (!trace_mem_write(t->base.memfd, p.stub, p.stub_bytes, p.stub_len) ||
        !trace_mem_write(t->base.memfd, p.site, p.site_bytes, p.site_len))
        return rep_fail_at(r, t, "cannot patch CPUID at 0x%llx",
                           (unsigned long long)p.site);
    return true;
}

static bool is_end_stop(const stop *s)
{
    return s->kind == STOP_SYSCALL && s->regs.orig_rax == SB_NR_FLUSH &&
           s->regs.rip == trace_sb_traced_ip && s->regs.rdi == 1;
}

/* The decoded records, laid out as the library reads them; false when
 * they do not fit the buffer (b is then freed). */
static bool layout(const rrt_ev_syscallbuf *e, rrt_buf *b)
{
    static const uint8_t pad[8];
    rrt_buf_init(b);
    for (size_t i = 0; i < e->n_recs && b->len <= SB_BUF_SIZE; i++) {
        const rrt_ev_sb_rec *rec = &e->recs[i];
        struct sb_rec h = {rec->nr, 0, rec->ret, rec->addr, rec->len};
        uint64_t size = SB_REC_HDR + ((rec->len + 7) & ~7ull);
        h.size = size > UINT32_MAX ? 0 : (uint32_t)size;
        rrt_buf_put(b, &h, sizeof(h));
        rrt_buf_put(b, rec->data, rec->len);
        rrt_buf_put(b, pad, size - SB_REC_HDR - rec->len);
    }
    if (b->failed || b->len > SB_BUF_SIZE) {
        rrt_buf_free(b);
        return false;
    }
    return true;
}

/* Whether the library has the replayer run a record's call for real
 * (SB_NR_EXEC; preload/syscallbuf.c decides alike): buffered mmap and
 * munmap that succeeded, brk that moved the break where asked (addr),
 * mprotect that succeeded or failed with ENOMEM (it acted on the mapped
 * part of the range). */
static bool runs_for_real(const rrt_ev_sb_rec *x)
{
    switch (x->nr) {
    case SYS_mmap:
    case SYS_munmap:
        return !(x->ret < 0 && x->ret >= -4095);
    case SYS_brk:
        return x->addr != 0 && (uint64_t)x->ret == x->addr;
    case SYS_mprotect:
        return x->ret == 0 || x->ret == -ENOMEM;
    default:
        return false;
    }
}

static uint32_t count_execs(const rrt_ev_syscallbuf *e)
{
    uint32_t n = 0;
    for (size_t i = 0; i < e->n_recs; i++)
        if (runs_for_real(&e->recs[i]))
            n++;
    return n;
}

/* Puts the records in the buffer: used = their length, flushed and
 * cursor 0; execs: count_execs. Without RRT_EV_SB_STOP the task did not stop
 * where they end, and replay would only skip the library's stop there
 * (no_tail). */
static bool fill(ptask *t, const rrt_buf *b, uint32_t flags, uint32_t execs)
{
    t->sb_execs = execs;
    uint64_t pos[3] = {b->len, 0, 0}; /* used, flushed, cursor */
    uint32_t no_tail = !(flags & RRT_EV_SB_STOP);
    int fd = t->base.memfd;
    return (!b->len || trace_mem_write(fd, SB_BUF, b->data, b->len)) &&
           trace_mem_write(fd, SB_CTL + offsetof(struct sb_ctl, used), pos,
                           sizeof(pos)) &&
           trace_mem_write(fd, SB_CTL + offsetof(struct sb_ctl, no_tail),
                           &no_tail, sizeof(no_tail));
}

static bool on_flush(replayer *r, const rrt_event *ev)
{
    rrt_ev_syscallbuf e;
    rrt_error err;
    ptask *t;
    stop s;
    if (rrt_ev_decode_syscallbuf(ev->data, ev->len, &e, &err) != RRT_OK)
        return rep_fail_at(r, NULL, "event %llu: %s",
                           (unsigned long long)ev->seq, err.message);
    uint32_t flags = e.flags;
    uint64_t n = e.n_recs;
    if (!(t = rep_task(r, e.tid))) {
        rrt_ev_syscallbuf_clear(&e);
        return rep_diverge(r, NULL,
                           "SYSCALLBUF names task %u, which does "
                           "not exist",
                           e.tid);
    }
    bool prefilled = r->sb_prefilled == ev->seq + 1;
    r->sb_prefilled = 0;
    /* Not already in the buffer (rep_sb_after_syscall): the task stops
     * at the library's call for records, which fills it. */
    if (!prefilled) {
        rrt_buf b;
        char buf[128];
        bool laid = layout(&e, &b);
        uint32_t execs = count_execs(&e);
        rrt_ev_syscallbuf_clear(&e);
        if (!laid)
            return rep_fail_at(r, t,
                               "event %llu: SYSCALLBUF: records larger than "
                               "the syscall buffer",
                               (unsigned long long)ev->seq);
        rep_next_stop(r, t, &s);
        if (s.kind != STOP_SYSCALL || !t->in_syscall ||
            s.regs.orig_rax != SB_NR_FLUSH ||
            s.regs.rip != trace_sb_traced_ip) {
            if (s.kind == STOP_SYSCALL && s.regs.orig_rax == SB_NR_DIVERGED)
                snprintf(buf, sizeof(buf),
                         "a record of call %llu where the recording has %llu "
                         "(buffer offset %llu, record %llu of the process)",
                         (unsigned long long)s.regs.rdi,
                         (unsigned long long)s.regs.rsi,
                         (unsigned long long)s.regs.r8,
                         (unsigned long long)s.regs.r9);
            else
                rep_stop_name(&s, buf, sizeof(buf));
            rrt_buf_free(&b);
            return rep_mismatch(r, t, "the syscall buffer's call for records",
                                buf, "stop");
        }
        bool filled = fill(t, &b, flags, execs);
        rrt_buf_free(&b);
        if (!filled)
            return rep_fail_at(r, t, "cannot fill the syscall buffer");
        if (!rep_skip_call(r, t, &s, 0))
            return false;
    } else {
        rrt_ev_syscallbuf_clear(&e);
    }
    r->sb_records += n;
    /* The task consumes them now. With STOP it stays where the records
     * end (the end of the call that takes the last one, where the library
     * stops, or its call for more), as it stopped there at record time
     * (other threads ran, or a signal came: rep_sb_before_signal);
     * otherwise it runs on to its next traced stop. */
    for (;;) {
        rep_next_stop(r, t, &s);
        if ((flags & RRT_EV_SB_STOP) || !is_end_stop(&s) ||
            !rep_skip_call(r, t, &s, 0))
            break;
    }
    t->park = s;
    t->parked = true;
    return true;
}

bool rep_sb_library_stop(const stop *s)
{
    return s->kind == STOP_SYSCALL && s->regs.orig_rax == SB_NR_FLUSH &&
           s->regs.rip == trace_sb_traced_ip;
}

bool rep_sb_before_signal(replayer *r, ptask *t)
{
    if (!t->parked || !is_end_stop(&t->park))
        return true;
    stop s = t->park;
    t->parked = false;
    return rep_skip_call(r, t, &s, 0);
}

bool rep_sb_resume(replayer *r, ptask *t)
{
    return rep_sb_before_signal(r, t);
}

bool rep_sb_skip_end(replayer *r, ptask *t, stop *s)
{
    return is_end_stop(s) && rep_skip_call(r, t, s, 0);
}

/* A traced call of t replayed, and t's records come next: they go into
 * the buffer now, while t stands at the call's exit and has consumed all
 * it had, so that t takes them without stopping at the library's call
 * for records (one stop fewer per SYSCALLBUF event). At record time they
 * were written at t's next stop, with nothing of t's between. */
static void prefill(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    rrt_event ev;
    rrt_ev_syscallbuf sb;
    uint64_t pos[3];
    rrt_buf b;
    if (r->dbg || t->parked || (e->flags & RRT_EV_SC_ENTRY_ONLY) ||
        e->nr == SYS_execve || e->nr == SYS_execveat ||
        !rep_peek_event(r, &ev) || ev.type != RRT_EV_SYSCALLBUF)
        return;
    /* another task of the address space could run ahead of its events
     * (order_tasks) and take them */
    for (trace_task *u = r->tasks; u; u = u->next)
        if (u != &t->base && u->pset == t->base.pset)
            return;
    if (rrt_ev_decode_syscallbuf(ev.data, ev.len, &sb, NULL) != RRT_OK)
        return; /* on_flush says what is wrong */
    bool laid =
        sb.tid == t->base.rec_tid &&
        trace_mem_read(t->base.memfd, SB_CTL + offsetof(struct sb_ctl, used),
                       pos, sizeof(pos)) &&
        pos[2] == pos[0] && layout(&sb, &b);
    uint32_t execs = laid ? count_execs(&sb) : 0;
    uint32_t flags = sb.flags;
    rrt_ev_syscallbuf_clear(&sb);
    if (!laid)
        return; /* on_flush fills it, or says what is wrong */
    if (fill(t, &b, flags, execs))
        r->sb_prefilled = ev.seq + 1;
    rrt_buf_free(&b);
}

bool rep_sb_after_syscall(replayer *r, ptask *t, const rrt_ev_syscall *e)
{
    if (!r->sb_used)
        return true;
    t->sb_execs = 0; /* its records were all taken before this call */
    trace_sb_fds_changed(t->base.memfd, e->nr);
    /* the program's own seccomp filter: the buffer went off here */
    if (trace_sb_seccomp_set(e->nr, e->args, e->ret) &&
        !trace_sb_ctl_flag(t->base.memfd, offsetof(struct sb_ctl, off)))
        return rep_fail_at(r, t, "cannot turn the syscall buffer off");
    prefill(r, t, e);
    return true;
}

void rep_sb_switch(replayer *r, ptask *t)
{
    struct sb_ctl c;
    int fd = t->base.memfd;
    if (!r->sb_used ||
        !trace_mem_read(fd, SB_CTL, &c, offsetof(struct sb_ctl, fd_gen)) ||
        c.magic != SB_MAGIC || c.owner == (uint64_t)t->base.rec_tid)
        return;
    ptask *o = NULL;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (b->rec_tid == (uint32_t)c.owner && b->pset == t->base.pset)
            o = (ptask *)b;
    uint64_t tid = t->base.rec_tid;
    uint64_t th_at = SB_CTL + offsetof(struct sb_ctl, th);
    if (o) {
        o->sb_th = c.th;
        o->sb_th_valid = true;
    }
    if (o || t->sb_th_valid)
        trace_mem_write(fd, th_at, &t->sb_th, sizeof(t->sb_th));
    t->sb_th_valid = true;
    trace_mem_write(fd, SB_CTL + offsetof(struct sb_ctl, owner), &tid,
                    sizeof(tid));
}

bool rep_sb_event(replayer *r, const rrt_event *ev, bool *ok)
{
    switch (ev->type) {
    case RRT_EV_SYSCALLBUF:
        *ok = on_flush(r, ev);
        return true;
    case RRT_EV_SYSCALLBUF_PATCH:
        *ok = on_patch(r, ev);
        return true;
    case RRT_EV_SYSCALLBUF_INIT:
        *ok = on_init(r, ev);
        return true;
    case RRT_EV_CPUID_PATCH:
        *ok = on_cpuid_patch(r, ev);
        return true;
    default:
        return false;
    }
}

bool rep_sb_mirror(replayer *r)
{
    if (r->sb_mirror)
        return true;
    r->sb_mirror = true;
    for (trace_task *b = r->tasks; b; b = b->next)
        if (!trace_sb_ctl_flag(b->memfd, offsetof(struct sb_ctl, mirror)))
            return rep_fail_at(r, (ptask *)b,
                               "cannot write the syscall buffer's control "
                               "page");
    return true;
}

bool rep_sb_clone(replayer *r, ptask *t, ptask *c, uint64_t flags)
{
    if (!r->sb_used || trace_sb_clone(t->base.memfd, c->base.memfd, flags))
        return true;
    return rep_fail_at(r, t, "cannot write the syscall buffer's control page");
}

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

/* What a library may ask to run (preload/syscallbuf.c do_mmap, do_munmap,
 * do_brk, do_mprotect): anonymous private memory without execute
 * permission, at an address nothing holds (MAP_FIXED_NOREPLACE); an
 * unmapping not of the library's region; a break; read and write
 * permissions, not on the library's region. */
static bool exec_allowed(uint64_t nr, const uint64_t a[4])
{
    if (nr == SYS_munmap)
        return a[0] + a[1] >= a[0] &&
               (a[0] >= SB_BASE + SB_SIZE || a[0] + a[1] <= SB_BASE);
    if (nr == SYS_brk)
        return true;
    if (nr == SYS_mprotect) {
        uint64_t n = (a[1] + 4095) & ~4095ull;
        return a[1] < (1ull << 56) && a[0] + n >= a[0] &&
               !(a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE)) &&
               (a[0] >= SB_BASE + SB_SIZE || a[0] + n <= SB_BASE);
    }
    uint64_t need = MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE;
    return nr == SYS_mmap && !(a[2] & ~(uint64_t)(PROT_READ | PROT_WRITE)) &&
           (a[3] & need) == need && !(a[3] & (MAP_SHARED | MAP_FIXED));
}

int rep_sb_exec_stop(replayer *r, ptask *t, stop *s)
{
    if (s->kind != STOP_SYSCALL || !t->in_syscall ||
        s->regs.orig_rax != SB_NR_EXEC || s->regs.rip != trace_sb_traced_ip)
        return 0;
    uint64_t nr = s->regs.rdi, want = s->regs.r9;
    uint64_t a[4] = {s->regs.rsi, s->regs.rdx, s->regs.r10, s->regs.r8};
    char nb[32], exp[24], got[24];
    if (!exec_allowed(nr, a)) {
        rep_diverge(r, t,
                    "the syscall buffer asks to run %s(0x%llx, 0x%llx, 0x%llx, "
                    "0x%llx), which it never buffers",
                    trace_syscall_name((long)nr, nb), (unsigned long long)a[0],
                    (unsigned long long)a[1], (unsigned long long)a[2],
                    (unsigned long long)a[3]);
        return -1;
    }
    s->regs.orig_rax = nr;
    s->regs.rdi = a[0];
    s->regs.rsi = a[1];
    s->regs.rdx = a[2];
    s->regs.r10 = a[3];
    s->regs.r8 = (uint64_t)-1;
    s->regs.r9 = 0;
    /* at a real entry stop (a task resumed with PTRACE_SYSCALL) the new
     * number and arguments take effect as they are */
    if (!t->emu_entry &&
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs) != 0) {
        rep_fail_at(r, t, "cannot run the syscall buffer's %s",
                    trace_syscall_name((long)nr, nb));
        return -1;
    }
    if (!rep_reenter(r, t, s))
        return -1;
    if (t->sb_execs)
        t->sb_execs--;
    rep_next_stop(r, t, s);
    if (s->kind != STOP_SYSCALL || t->in_syscall) {
        char buf[128];
        rep_diverge(r, t, "the syscall buffer's %s did not return (%s)",
                    trace_syscall_name((long)nr, nb),
                    rep_stop_name(s, buf, sizeof(buf)));
        return -1;
    }
    if (s->regs.rax != want) {
        snprintf(exp, sizeof(exp), "0x%llx", (unsigned long long)want);
        snprintf(got, sizeof(got), "0x%llx", (unsigned long long)s->regs.rax);
        rep_mismatch(r, t, exp, got, "the syscall buffer's %s result",
                     trace_syscall_name((long)nr, nb));
        return -1;
    }
    return 1;
}

/* Calls that change mappings or what they are (VMA flags), which the
 * library's table of its mappings cannot follow. */
static bool changes_maps(uint32_t nr)
{
    switch (nr) {
    case SYS_mmap:
    case SYS_munmap:
    case SYS_mremap:
    case SYS_mprotect:
    case SYS_brk:
    case SYS_madvise:
    case SYS_mlock:
    case SYS_mlock2:
    case SYS_munlock:
    case SYS_mlockall:
    case SYS_munlockall:
    case SYS_mbind:
    case SYS_shmat:
    case SYS_shmdt:
    case SYS_remap_file_pages:
    case SYS_pkey_mprotect:
    case SYS_process_madvise:
    case SYS_prctl:
    case SYS_userfaultfd:
        return true;
    default:
        return false;
    }
}

bool rep_sb_before_real(replayer *r, ptask *t, uint32_t nr, stop *s)
{
    struct {
        uint32_t nmaps, pend;
    } st;
    struct sb_map m;
    size_t at = offsetof(struct sb_ctl, nmaps);
    int fd = t->base.memfd;
    uint64_t magic;
    char nb[32], buf[128];
    if (!r->sb_used || !changes_maps(nr) ||
        !trace_mem_read(fd, SB_CTL, &magic, sizeof(magic)) ||
        magic != SB_MAGIC || !trace_mem_read(fd, SB_CTL + at, &st, sizeof(st)))
        return true;
    if (!st.nmaps && !st.pend)
        return true;
    bool pend = st.pend != 0;
    st.nmaps = st.pend = 0;
    if (!trace_mem_write(fd, SB_CTL + at, &st, sizeof(st)))
        return rep_fail_at(r, t,
                           "cannot write the syscall buffer's control "
                           "page");
    if (!pend)
        return true;
    if (!trace_mem_read(fd, SB_CTL + offsetof(struct sb_ctl, pend_map), &m,
                        sizeof(m)))
        return rep_fail_at(r, t,
                           "cannot read the syscall buffer's control "
                           "page");
    /* t stands at the real entry of the call: it runs the munmap the
     * recording made before instead, then the call again */
    struct user_regs_struct saved = s->regs;
    s->regs.orig_rax = SYS_munmap;
    s->regs.rdi = m.addr;
    s->regs.rsi = m.len;
    if (ptrace(PTRACE_SETREGS, t->base.tid, NULL, &s->regs) != 0)
        return rep_fail_at(r, t, "cannot run the syscall buffer's munmap");
    rep_next_stop(r, t, s);
    if (s->kind != STOP_SYSCALL || t->in_syscall || s->regs.rax != 0)
        return rep_diverge(r, t,
                           "the syscall buffer's munmap(0x%llx, 0x%llx) "
                           "before %s failed (%s)",
                           (unsigned long long)m.addr,
                           (unsigned long long)m.len,
                           trace_syscall_name((long)nr, nb),
                           rep_stop_name(s, buf, sizeof(buf)));
    saved.rip -= 2;
    saved.rax = saved.orig_rax;
    saved.orig_rax = (uint64_t)-1;
    if (ptrace(PTRACE_SETREGS, t->base.tid, NULL, &saved) != 0)
        return rep_fail_at(r, t, "cannot run %s again",
                           trace_syscall_name((long)nr, nb));
    t->want_real = true;
    rep_next_stop(r, t, s);
    t->want_real = false;
    if (s->kind != STOP_SYSCALL || !t->in_syscall || s->regs.orig_rax != nr)
        return rep_diverge(r, t, "cannot enter %s again, got %s",
                           trace_syscall_name((long)nr, nb),
                           rep_stop_name(s, buf, sizeof(buf)));
    return true;
}
