/* CPUID trapping: CPUID faulting where the kernel offers it, else CPUID
 * instructions found by disassembly and patched to UD2; XGETBV, which
 * cannot fault, patched the same way in both modes; and the register
 * effects of the trapped instructions (CPUID, XGETBV, RDTSC) both engines
 * emulate. */
#include <capstone/capstone.h>
#include <cpuid.h>
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
    unsigned want = p->want;
    free(p->addr);
    free(p->kind);
    memset(p, 0, sizeof(*p));
    p->want = want;
}

unsigned trace_patch_kinds(trace_cpuid_mode m)
{
    return m == TRACE_CPUID_FAULT ? TRACE_SITE_XGETBV
                                  : TRACE_SITE_CPUID | TRACE_SITE_XGETBV;
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
    if (!c)
        return NULL;
    c->p.want = s->p.want;
    if (!s->p.n)
        return c;
    c->p.addr = malloc(s->p.n * sizeof(*c->p.addr));
    c->p.kind = malloc(s->p.n);
    if (!c->p.addr || !c->p.kind) {
        trace_pset_unref(c);
        return NULL;
    }
    memcpy(c->p.addr, s->p.addr, s->p.n * sizeof(*c->p.addr));
    memcpy(c->p.kind, s->p.kind, s->p.n);
    c->p.n = c->p.cap = s->p.n;
    return c;
}

int trace_patches_kind(const trace_patches *p, uint64_t addr)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->addr[i] == addr)
            return p->kind[i];
    return 0;
}

bool trace_patches_has(const trace_patches *p, uint64_t addr)
{
    return trace_patches_kind(p, addr) != 0;
}

static bool patches_add(trace_patches *p, uint64_t addr, uint8_t kind)
{
    if (trace_patches_has(p, addr))
        return true;
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        uint64_t *a = realloc(p->addr, cap * sizeof(*a));
        if (!a)
            return false;
        p->addr = a;
        uint8_t *k = realloc(p->kind, cap);
        if (!k)
            return false;
        p->kind = k;
        p->cap = cap;
    }
    p->addr[p->n] = addr;
    p->kind[p->n++] = kind;
    return true;
}

/* The kind of a decoded instruction when p wants it patched, else 0. */
static uint8_t wanted_kind(const trace_patches *p, unsigned id)
{
    unsigned want = p->want;
    if (id == X86_INS_CPUID && (want & TRACE_SITE_CPUID))
        return TRACE_SITE_CPUID;
    if (id == X86_INS_XGETBV && (want & TRACE_SITE_XGETBV))
        return TRACE_SITE_XGETBV;
    return 0;
}

/* Whether code may hold an instruction p wants: the (slow) disassembly is
 * skipped for code without the opcode bytes anywhere. Sites are still only
 * ever chosen by decoding. */
static bool may_hold_site(const trace_patches *p, const uint8_t *code,
                          size_t len)
{
    unsigned want = p->want;
    return ((want & TRACE_SITE_CPUID) && memmem(code, len, "\x0f\xa2", 2)) ||
           ((want & TRACE_SITE_XGETBV) &&
            memmem(code, len, "\x0f\x01\xd0", 3));
}

#define PATCH_MAX_REGION (256u << 20)

/* A linear sweep: code and data interleaved in one executable mapping may
 * still fool it, but unlike a byte search it never patches the middle of
 * another instruction it decoded. */
long trace_patch_range(int memfd, uint64_t start, uint64_t len,
                      trace_patches *p)
{
    if (len == 0 || len > PATCH_MAX_REGION || !p->want)
        return 0;
    uint8_t *code = malloc((size_t)len);
    if (!code)
        return -1;
    long n = -1;
    csh h = 0;
    cs_insn *insn = NULL;
    if (!trace_mem_read(memfd, start, code, (size_t)len))
        goto out;
    n = 0;
    if (!may_hold_site(p, code, (size_t)len))
        goto out;
    n = -1;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        goto out;
    insn = cs_malloc(h);
    if (!insn)
        goto out;
    n = 0;
    const uint8_t *c = code;
    size_t left = (size_t)len;
    uint64_t addr = start;
    static const uint8_t ud2[2] = {0x0f, 0x0b};
    while (left > 0) {
        if (!cs_disasm_iter(h, &c, &left, &addr, insn)) {
            c++; /* undecodable byte: resynchronize on the next one */
            left--;
            addr++;
            continue;
        }
        uint8_t kind = wanted_kind(p, insn->id);
        if (kind) {
            if (!trace_mem_write(memfd, insn->address, ud2, 2) ||
                !patches_add(p, insn->address, kind)) {
                n = -1;
                goto out;
            }
            n++;
        }
    }
out:
    if (insn)
        cs_free(insn, 1);
    if (h)
        cs_close(&h);
    free(code);
    return n;
}

long trace_patch_all(pid_t pid, int memfd, trace_patches *p)
{
    char path[64], line[512];
    if (!p->want)
        return 0;
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
        long n = trace_patch_range(memfd, lo, hi - lo, p);
        if (n < 0) {
            total = -1;
            break;
        }
        total += n;
    }
    fclose(f);
    return total;
}

uint64_t trace_xsave_hidden(const rrt_cpuid_manifest *m)
{
    static const struct {
        const char *feature;
        uint64_t components;
    } gates[] = {
        {"avx", 1u << 2},      {"mpx", 3u << 3},        /* BNDREGS, BNDCSR */
        {"avx512f", 7u << 5},  {"pku", 1u << 9},        /* opmask..., PKRU */
        {"amx_tile", 3u << 17}, {"apx_f", 1u << 19},
    };
    uint64_t hidden = 0;
    for (size_t i = 0; i < sizeof(gates) / sizeof(gates[0]); i++) {
        const rrt_cpu_feature *f = rrt_cpu_feature_find(gates[i].feature);
        if (f && !rrt_cpu_feature_present(m, f))
            hidden |= gates[i].components;
    }
    return hidden;
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

void trace_cpuid_xsave_floor(uint32_t leaf, uint32_t subleaf,
                             uint32_t regs[4])
{
    unsigned a, b, c, d;
    if (leaf != 0xd || subleaf != 0 || !__get_cpuid_count(0xd, 0, &a, &b, &c, &d))
        return;
    if (regs[1] < b)
        regs[1] = b;
    if (regs[2] < c)
        regs[2] = c;
}

void trace_apply_xgetbv(struct user_regs_struct *r, uint64_t value)
{
    r->rax = value & 0xffffffffu;
    r->rdx = value >> 32;
    r->rip += 3;
}
