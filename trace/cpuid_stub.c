/* CPUID answered in the tracee, the parts both engines share: the table
 * the library answers from (sb_abi.h, SB_CPUID), filled from the
 * recording's manifest, and the per-site stubs a patched CPUID site jumps
 * to (spec/events.md 5, CPUID_PATCH). */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cpuid_find.h"
#include "syscallbuf.h"
#include "trace.h"

/* Whether the value of a non-indexed record depends on the subleaf all
 * the same: a mask of its leaf with another subleaf (the table could not
 * say so; rrt_cpuid_manifest_effective would). */
static bool mask_by_subleaf(const rrt_cpuid_manifest *m, uint32_t leaf)
{
    for (size_t i = 0; i < m->n_masks; i++)
        if (m->masks[i].leaf == leaf && m->masks[i].subleaf != 0)
            return true;
    return false;
}

bool trace_cpuid_table_fill(int memfd, const rrt_cpuid_manifest *m, bool replay)
{
    if (m->n_records > SB_CPUID_MAX)
        return false;
    size_t size = SB_CPUID_HDR + m->n_records * sizeof(struct sb_cpuid_ent);
    struct sb_cpuid *t = calloc(1, size);
    if (!t)
        return false;
    bool ok = true;
    for (size_t i = 0; i < m->n_records && ok; i++) {
        const rrt_cpuid_record *r = &m->records[i];
        struct sb_cpuid_ent *e = &t->ent[i];
        bool indexed = r->flags & RRT_CPUID_SUBLEAF_INDEXED;
        e->leaf = r->leaf;
        e->sub = r->subleaf;
        e->flags = indexed ? SB_CPUID_INDEXED : 0;
        ok = (indexed || !mask_by_subleaf(m, r->leaf)) &&
             rrt_cpuid_manifest_effective(m, r->leaf, r->subleaf, e->regs);
        /* what the trap path answers at replay (replayer.c, on_cpuid) */
        if (replay)
            trace_cpuid_xsave_floor(r->leaf, r->subleaf, e->regs);
    }
    t->n = (uint32_t)m->n_records;
    ok = ok && trace_mem_write(memfd, SB_CPUID, t, size);
    free(t);
    return ok;
}

bool trace_cpuid_table_marks(int memfd, trace_cpuid_mark_fn fn, void *ctx)
{
    struct sb_cpuid h;
    if (!trace_mem_read(memfd, SB_CPUID, &h, sizeof(h)))
        return true; /* the memory is gone: nothing left to tell */
    if (h.n > SB_CPUID_MAX || h.nmiss > SB_CPUID_MISSES)
        return false;
    for (uint32_t i = 0; i < h.nmiss; i++)
        fn(ctx, h.miss[i].leaf, h.miss[i].sub);
    if (!h.n)
        return !h.miss_over;
    size_t size = h.n * sizeof(struct sb_cpuid_ent);
    struct sb_cpuid_ent *e = malloc(size);
    bool ok = e && trace_mem_read(memfd, SB_CPUID + SB_CPUID_HDR, e, size);
    if (!ok && e) {
        free(e);
        return true; /* gone meanwhile */
    }
    for (uint32_t i = 0; ok && i < h.n; i++)
        if (e[i].hit)
            fn(ctx, e[i].leaf, e[i].sub);
    free(e);
    return ok && !h.miss_over;
}

static bool rel32(uint64_t from_next, uint64_t to, int32_t *out)
{
    int64_t d = (int64_t)(to - from_next);
    if (d < INT32_MIN || d > INT32_MAX)
        return false;
    *out = (int32_t)d;
    return true;
}

static const uint8_t lea_down[5] = {0x48, 0x8d, 0x64, 0x24, 0x80};
static const uint8_t lea_up[8] = {0x48, 0x8d, 0xa4, 0x24,
                                  0x80, 0x00, 0x00, 0x00};

/* The stub: lea -128(%rsp),%rsp (below the red zone); call
 * sb_cpuid_entry; lea 128(%rsp),%rsp; the displaced instructions, their
 * rip-relative displacements adjusted; jmp back after the site's span. */
bool trace_cpuid_stub_plan(int memfd, uint64_t site, uint8_t disp,
                           uint64_t stub_off, bool ud2, trace_sb_patch *p)
{
    uint8_t code[TRACE_CPUID_DISP_MAX];
    trace_rip_fix fix[TRACE_CPUID_FIXES];
    size_t nfix = 0;
    if (disp < TRACE_CPUID_DISP_MIN || disp > TRACE_CPUID_DISP_MAX ||
        stub_off + SB_STUB_SIZE > SB_STUBS_SIZE ||
        (site + disp > SB_BASE && site < SB_BASE + SB_SIZE) ||
        !trace_mem_read(memfd, site, code, disp) || code[0] != 0x0f ||
        (code[1] != 0xa2 && !(ud2 && code[1] == 0x0b)) ||
        !trace_cpuid_displaced(code, disp, fix, &nfix))
        return false;
    memset(p, 0, sizeof(*p));
    p->site = site;
    p->stub = SB_BASE + SB_STUBS_OFF + stub_off;
    p->cont = site;
    uint8_t *s = p->stub_bytes;
    size_t n = 0;
    int32_t to_entry, back, to_stub;
    memcpy(s + n, lea_down, 5), n += 5;
    if (!rel32(p->stub + n + 5, trace_sb_cpuid_entry, &to_entry))
        return false;
    s[n++] = 0xe8;
    memcpy(s + n, &to_entry, 4), n += 4;
    memcpy(s + n, lea_up, 8), n += 8;
    uint64_t moved = p->stub + n; /* where code[2] goes */
    memcpy(s + n, code + 2, disp - 2u);
    for (size_t i = 0; i < nfix; i++) {
        int32_t old, now;
        memcpy(&old, code + fix[i].at, 4);
        uint64_t target = site + fix[i].end + (uint64_t)(int64_t)old;
        if (!rel32(moved + fix[i].end - 2, target, &now))
            return false;
        memcpy(s + n + fix[i].at - 2, &now, 4);
    }
    n += disp - 2u;
    if (!rel32(p->stub + n + 5, site + disp, &back))
        return false;
    s[n++] = 0xe9;
    memcpy(s + n, &back, 4), n += 4;
    p->stub_len = n;
    if (n > SB_STUB_SIZE || !rel32(site + 5, p->stub, &to_stub))
        return false;
    p->site_len = disp;
    p->site_bytes[0] = 0xe9;
    memcpy(p->site_bytes + 1, &to_stub, 4);
    memset(p->site_bytes + 5, 0x90, disp - 5u);
    return true;
}
