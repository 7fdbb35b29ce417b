/* CPUID trapping: CPUID faulting where the kernel offers it, else CPUID
 * instructions found by disassembly and patched to UD2; and the register
 * effects of the trapped instructions (CPUID, RDTSC) both engines emulate. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rrt/cpufeat.h>

#include "rrtx.h"
#include "trace.h"

#ifndef ARCH_SET_CPUID
#define ARCH_SET_CPUID 0x1012
#endif

/* ------------------------------------------------------------------ */
/* CPUID                                                              */

bool trace_cpuid_mode_parse(const char *s, trace_cpuid_mode *m)
{
    if (!strcmp(s, "auto"))
        *m = TRACE_CPUID_AUTO;
    else if (!strcmp(s, "fault"))
        *m = TRACE_CPUID_FAULT;
    else if (!strcmp(s, "patch"))
        *m = TRACE_CPUID_PATCH;
    else
        return false;
    return true;
}

trace_cpuid_mode trace_cpuid_mode_resolve(trace_cpuid_mode m)
{
    if (m != TRACE_CPUID_AUTO)
        return m;
    return rrt_cpuid_host_has_faulting() ? TRACE_CPUID_FAULT
                                         : TRACE_CPUID_PATCH;
}

bool trace_cpuid_arm_fault(pid_t pid, int memfd)
{
    uint64_t args[2] = {ARCH_SET_CPUID, 0};
    long ret;
    return trace_inject_syscall(pid, memfd, SYS_arch_prctl, args, 2, &ret) &&
           ret == 0;
}

void trace_patches_clear(trace_patches *p)
{
    free(p->addr);
    memset(p, 0, sizeof(*p));
}

trace_pset *trace_pset_new(void)
{
    trace_pset *s = calloc(1, sizeof(*s));
    if (s)
        s->refs = 1;
    return s;
}

trace_pset *trace_pset_ref(trace_pset *s)
{
    s->refs++;
    return s;
}

void trace_pset_unref(trace_pset *s)
{
    if (s && --s->refs == 0) {
        trace_patches_clear(&s->p);
        free(s);
    }
}

trace_pset *trace_pset_copy(const trace_pset *s)
{
    trace_pset *c = trace_pset_new();
    if (!c || !s->p.n)
        return c;
    c->p.addr = malloc(s->p.n * sizeof(*c->p.addr));
    if (!c->p.addr) {
        free(c);
        return NULL;
    }
    memcpy(c->p.addr, s->p.addr, s->p.n * sizeof(*c->p.addr));
    c->p.n = c->p.cap = s->p.n;
    return c;
}

bool trace_patches_has(const trace_patches *p, uint64_t addr)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->addr[i] == addr)
            return true;
    return false;
}

static bool patches_add(trace_patches *p, uint64_t addr)
{
    if (trace_patches_has(p, addr))
        return true;
    uint64_t *a = rrtx_grow(p->addr, &p->cap, p->n + 1, sizeof(*a));
    if (!a)
        return false;
    p->addr = a;
    p->addr[p->n++] = addr;
    return true;
}

#define PATCH_MAX_REGION (256u << 20)

/* The sites come from trace_sites_for: the archive's table, the per-user
 * cache, or a linear sweep by disassembly (cpuid_find.c), never a byte
 * search. Code and data interleaved in one mapping may still fool the
 * sweep, but it never patches the middle of another instruction it
 * decoded; and all three sources give what the sweep gives for these
 * bytes (site_cache.h says why a cache or table entry can be trusted). */
long trace_patch_range(int memfd, uint64_t start, uint64_t len,
                       trace_patches *p, trace_site_source *src)
{
    if (len == 0 || len > PATCH_MAX_REGION)
        return 0;
    uint8_t *code = malloc((size_t)len);
    if (!code)
        return -1;
    long n = -1;
    trace_sites s;
    trace_sites_init(&s);
    rrt_blob_id key;
    if (!trace_mem_read(memfd, start, code, (size_t)len))
        goto out;
    trace_sites_how how = trace_sites_for(src ? src->table : NULL,
                                          src ? src->cache : NULL, code,
                                          (size_t)len, &key, &s);
    if (how == TRACE_SITES_FAILED)
        goto out;
    if (src && how != TRACE_SITES_NONE) {
        src->regions[how]++;
        if (src->found && !src->found(src->ctx, &key, len, &s))
            goto out;
    }
    static const uint8_t ud2[2] = {0x0f, 0x0b};
    for (size_t i = 0; i < s.n; i++) {
        uint64_t at = start + s.off[i];
        if (!trace_mem_write(memfd, at, ud2, 2) || !patches_add(p, at))
            goto out;
    }
    n = (long)s.n;
out:
    trace_sites_free(&s);
    free(code);
    return n;
}

long trace_patch_all(pid_t pid, int memfd, trace_patches *p,
                     trace_site_source *src)
{
    char path[64], line[512];
    snprintf(path, sizeof(path), "/proc/%d/maps", (int)pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return -1;
    long total = 0;
    while (fgets(line, sizeof(line), f)) {
        unsigned long long lo, hi;
        char perms[8] = "";
        if (sscanf(line, "%llx-%llx %7s", &lo, &hi, perms) != 3 ||
            perms[2] != 'x' || strstr(line, "[v"))
            continue;
        long n = trace_patch_range(memfd, lo, hi - lo, p, src);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    fclose(f);
    return total;
}

int trace_trap_insn(int memfd, uint64_t rip)
{
    uint8_t b[3] = {0};
    if (!trace_mem_read(memfd, rip, b, 2))
        return 0;
    if (b[0] != 0x0f)
        return 0;
    if (b[1] == 0x31)
        return 1;
    if (b[1] == 0xa2)
        return 3;
    if (b[1] == 0x0b)
        return 4;
    if (b[1] == 0x01 && trace_mem_read(memfd, rip + 2, &b[2], 1) &&
        b[2] == 0xf9)
        return 2;
    return 0;
}

void trace_apply_rdtsc(struct user_regs_struct *r, const rrt_ev_rdtsc *e)
{
    r->rax = e->tsc & 0xffffffffu;
    r->rdx = e->tsc >> 32;
    if (e->rdtscp) {
        r->rcx = e->aux;
        r->rip += 3;
    } else {
        r->rip += 2;
    }
}

void trace_apply_cpuid(struct user_regs_struct *r, const uint32_t regs[4])
{
    r->rax = regs[0];
    r->rbx = regs[1];
    r->rcx = regs[2];
    r->rdx = regs[3];
    r->rip += 2;
}
