/* CPUID answered in the program (spec/events.md 5, "CPUID answered in the
 * program"): the sites the site finder reports (trace_site_source.got)
 * wait here until the code's event is written, then become jumps to
 * per-site stubs in the library's region (CPUID_PATCH); the table the
 * library answers from is written when the library is mapped; the leaves
 * it answered are read back into the manifest's queried list. */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>

#include "recorderi.h"
#include "rrtx.h"
#include "syscallbuf.h"

/* Where CPUID faults, the regions the recorder reads and decodes to find
 * their sites when the site cache does not know them: ld.so (the CPUIDs
 * of every exec) and small libraries, never big programs' code. */
#define FAULT_SCAN_MAX ((uint64_t)1 << 20)

static bool got(void *ctx, uint64_t start, const trace_sites *s)
{
    recorder *r = ctx;
    for (size_t i = 0; i < s->n; i++) {
        if (!s->disp[i])
            continue;
        size_t cap = r->cs_cap, dcap = r->cs_cap;
        uint64_t *a = rrtx_grow(r->cs_site, &cap, r->cs_n + 1, sizeof(*a));
        if (!a)
            return rec_fail(r, "out of memory");
        r->cs_site = a;
        uint8_t *d = rrtx_grow(r->cs_disp, &dcap, r->cs_n + 1, 1);
        if (!d)
            return rec_fail(r, "out of memory");
        r->cs_disp = d;
        r->cs_cap = cap < dcap ? cap : dcap;
        r->cs_site[r->cs_n] = start + s->off[i];
        r->cs_disp[r->cs_n++] = s->disp[i];
    }
    return true;
}

void rec_cpustub_setup(recorder *r)
{
    const char *env = getenv("RRT_CPUID_STUBS");
    if (!r->o->syscall_buffer || (env && strcmp(env, "0") == 0))
        return;
    if (!r->sites.cache)
        r->sites.cache = trace_site_cache_open(NULL);
    r->sites.got = got;
    r->sites.got_ctx = r;
    r->cs_on = true;
}

/* Whether a task of t's address space other than t stands inside the span
 * [site, site + len) (it would resume in the middle of the jump). */
static bool span_busy(recorder *r, rtask *t, uint64_t site, uint64_t len)
{
    for (trace_task *b = r->tasks; b; b = b->next) {
        struct user_regs_struct g;
        if (b == &t->base || b->pset != t->base.pset)
            continue;
        if (ptrace(PTRACE_GETREGS, b->tid, NULL, &g) != 0 ||
            (g.rip > site && g.rip < site + len))
            return true;
    }
    return false;
}

static bool emit_patch(recorder *r, rtask *t, const trace_sb_patch *p)
{
    rrt_ev_cpuid_patch e = {.tid = (uint32_t)t->base.tid,
                            .stub = p->stub,
                            .stub_len = p->stub_len,
                            .stub_bytes = p->stub_bytes,
                            .site = p->site,
                            .site_len = p->site_len,
                            .site_bytes = p->site_bytes};
    rrt_buf b;
    rrt_buf_init(&b);
    if (rrt_ev_encode_cpuid_patch(&b, &e) != RRT_OK) {
        rrt_buf_free(&b);
        return rec_fail(r, "cannot encode the CPUID patch of 0x%llx",
                        (unsigned long long)p->site);
    }
    bool ok = rec_emit_raw(r, RRT_EV_CPUID_PATCH, &b);
    rrt_buf_free(&b);
    return ok;
}

/* Patches the sites waiting, in t's address space. */
static bool apply(recorder *r, rtask *t)
{
    size_t n = r->cs_n;
    r->cs_n = 0;
    if (!n || !t->sb || t->own_filter || !r->cs_table)
        return true;
    int fd = t->base.memfd;
    uint64_t next, at = SB_CTL + offsetof(struct sb_ctl, stub_next);
    if (!trace_mem_read(fd, at, &next, sizeof(next)))
        return true;
    bool ok = true;
    for (size_t i = 0; i < n && ok; i++) {
        uint64_t site = r->cs_site[i];
        trace_sb_patch p;
        bool ud2 =
            trace_patches_kind(&t->base.pset->p, site) == TRACE_SITE_CPUID;
        if (span_busy(r, t, site, r->cs_disp[i]) ||
            !trace_cpuid_stub_plan(fd, site, r->cs_disp[i], next, ud2, &p))
            continue;
        if (!trace_mem_write(fd, p.stub, p.stub_bytes, p.stub_len) ||
            !trace_mem_write(fd, p.site, p.site_bytes, p.site_len))
            return rec_fail(r, "process %d: cannot patch CPUID at 0x%llx",
                            (int)t->base.tid, (unsigned long long)site);
        next += SB_STUB_SIZE;
        r->cs_patched++;
        ok = emit_patch(r, t, &p);
    }
    if (!trace_mem_write(fd, at, &next, sizeof(next)))
        return rec_fail(r, "process %d: cannot write its syscall buffer",
                        (int)t->base.tid);
    return ok;
}

bool rec_cpustub_exec(recorder *r, rtask *t)
{
    if (!r->cs_on) {
        r->cs_n = 0;
        return true;
    }
    if (t->sb) {
        /* the same manifest every time: the same answer */
        r->cs_table = trace_cpuid_table_fill(t->base.memfd, &r->m, false);
        /* where CPUID faults nothing was patched, so nothing reported */
        if (r->mode == TRACE_CPUID_FAULT && r->cs_table &&
            trace_find_all(t->base.tid, t->base.memfd, &r->sites,
                           FAULT_SCAN_MAX) < 0)
            r->cs_n = 0; /* out of memory or no decoder: they trap */
    }
    return !r->failed && apply(r, t);
}

bool rec_cpustub_after_event(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    if (!r->cs_on)
        return true;
    if (r->mode == TRACE_CPUID_FAULT && e->nr == SYS_mmap && t->sb &&
        r->cs_table && !rec_is_err(e->ret) && (e->args[2] & PROT_EXEC) &&
        !(e->args[3] & MAP_ANONYMOUS) &&
        trace_find_mapped(t->base.tid, t->base.memfd, (uint64_t)e->ret,
                          e->args[1], &r->sites, FAULT_SCAN_MAX) < 0)
        r->cs_n = 0;
    return !r->failed && apply(r, t);
}

static void mark(void *ctx, uint32_t leaf, uint32_t sub)
{
    rec_note_queried(ctx, leaf, sub);
}

void rec_cpustub_marks(recorder *r, rtask *t)
{
    if (r->cs_on && t->sb && r->cs_table &&
        !trace_cpuid_table_marks(t->base.memfd, mark, r))
        r->cs_lost = true;
}

void rec_cpustub_marks_all(recorder *r)
{
    for (trace_task *b = r->tasks; b; b = b->next)
        rec_cpustub_marks(r, (rtask *)b);
}
