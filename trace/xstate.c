/* XSAVE state in the standard (non-compacted) format, which is what the
 * kernel puts in signal frames and what PTRACE_GETREGSET NT_X86_XSTATE
 * gives: the layout of a recording host (from its CPUID manifest) or of
 * this host, and the copy of state components from one layout to another.
 * Offsets of components differ between vendors (AVX-512's opmask is at 832
 * on AMD, 1088 on Intel), so a frame is only meaningful with its layout. */
#include <cpuid.h>
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "trace.h"

#ifndef NT_X86_XSTATE
#define NT_X86_XSTATE 0x202
#endif

/* AMX tile data: enabled in XCR0, but a task's signal frames and ptrace
 * view hold it only once the task asked for it (arch_prctl), so it is
 * not part of the default user state the kernel sizes frames for. */
#define XFEATURE_MASK_DYNAMIC (1ull << 18)

static uint32_t standard_size(const trace_xlayout *l)
{
    uint32_t size = TRACE_XSAVE_HDR_END;
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++)
        if ((l->xfeatures >> i) & 1)
            size = l->off[i] + l->len[i]; /* the kernel sizes by the top one */
    return size;
}

static bool layout_done(trace_xlayout *l)
{
    if ((l->xfeatures & 3) != 3)
        return false; /* no XSAVE-managed x87/SSE: not a layout we know */
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++)
        if (((l->xfeatures >> i) & 1) &&
            (!l->len[i] || l->off[i] < TRACE_XSAVE_HDR_END ||
             l->off[i] + l->len[i] > TRACE_XSAVE_MAX))
            return false;
    l->size = standard_size(l);
    return true;
}

bool trace_xlayout_from_manifest(const rrt_cpuid_manifest *m, trace_xlayout *l)
{
    memset(l, 0, sizeof(*l));
    l->xfeatures = m->xcr0 & ~XFEATURE_MASK_DYNAMIC &
                   ((1ull << TRACE_XSTATE_COMPONENTS) - 1);
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++) {
        if (!((l->xfeatures >> i) & 1))
            continue;
        const rrt_cpuid_record *r = rrt_cpuid_manifest_find(m, 0xd, i);
        if (!r)
            return false;
        l->len[i] = r->eax;
        l->off[i] = r->ebx;
    }
    return layout_done(l);
}

/* The host's values are read once: the tracer's thread may run with
 * CPUID faulting later (selffault.c). */
uint64_t trace_host_xcr0(void)
{
    static uint64_t xcr0;
    static bool known;
    unsigned a, b, c, d, lo, hi;
    if (known)
        return xcr0;
    if (__get_cpuid(1, &a, &b, &c, &d) && (c & bit_OSXSAVE)) {
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (uint64_t)hi << 32 | lo;
    }
    known = true;
    return xcr0;
}

bool trace_xlayout_host(trace_xlayout *l)
{
    static trace_xlayout host;
    static int known; /* 1 read and whole, 2 read and not */
    if (known) {
        *l = host;
        return known == 1;
    }
    unsigned a, b, c, d;
    memset(l, 0, sizeof(*l));
    l->xfeatures = trace_host_xcr0() & ~XFEATURE_MASK_DYNAMIC &
                   ((1ull << TRACE_XSTATE_COMPONENTS) - 1);
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++) {
        if (!((l->xfeatures >> i) & 1))
            continue;
        __cpuid_count(0xd, i, a, b, c, d);
        l->len[i] = a;
        l->off[i] = b;
    }
    bool ok = layout_done(l);
    host = *l;
    known = ok ? 1 : 2;
    return ok;
}

uint8_t *trace_xstate_get(pid_t pid, size_t *len)
{
    uint8_t *buf = calloc(1, TRACE_XSAVE_MAX);
    struct iovec iov = {buf, TRACE_XSAVE_MAX};
    if (!buf ||
        ptrace(PTRACE_GETREGSET, pid, (void *)NT_X86_XSTATE, &iov) != 0 ||
        iov.iov_len < TRACE_XSAVE_HDR_END) {
        free(buf);
        return NULL;
    }
    *len = iov.iov_len;
    return buf;
}

bool trace_xstate_set(pid_t pid, const uint8_t *buf, size_t len)
{
    struct iovec iov = {(void *)buf, len};
    return ptrace(PTRACE_SETREGSET, pid, (void *)NT_X86_XSTATE, &iov) == 0;
}

uint64_t trace_xstate_bv(const uint8_t *buf)
{
    uint64_t bv;
    memcpy(&bv, buf + TRACE_XSAVE_LEGACY, 8);
    return bv;
}

void trace_xstate_init(uint8_t *buf, size_t len)
{
    static const uint16_t fcw = 0x37f;
    static const uint32_t mxcsr = 0x1f80;
    uint32_t mxcsr_mask;
    memcpy(&mxcsr_mask, buf + 28, 4);
    /* keep what the kernel says about itself (software-reserved bytes) */
    uint8_t sw[TRACE_XSAVE_LEGACY - TRACE_FXSAVE_SW];
    memcpy(sw, buf + TRACE_FXSAVE_SW, sizeof(sw));
    memset(buf, 0, len);
    memcpy(buf, &fcw, 2);
    memcpy(buf + 24, &mxcsr, 4);
    memcpy(buf + 28, &mxcsr_mask, 4);
    memcpy(buf + TRACE_FXSAVE_SW, sw, sizeof(sw));
    /* x87 and SSE "in use", as rr does: the kernel's own reset leaves
     * XINUSE to the CPU, which may track it differently from run to run */
    uint64_t bv = 3;
    memcpy(buf + TRACE_XSAVE_LEGACY, &bv, 8);
}

uint64_t trace_xstate_translate(const uint8_t *src, size_t src_len,
                                const trace_xlayout *from, uint8_t *dst,
                                size_t dst_len, const trace_xlayout *to,
                                uint64_t bv)
{
    uint64_t out = bv & 3;
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++) {
        if (!((to->xfeatures >> i) & 1) || to->off[i] + to->len[i] > dst_len)
            continue;
        uint8_t *d = dst + to->off[i];
        memset(d, 0, to->len[i]); /* init value of every component we know */
        if (!((bv >> i) & 1) || !((from->xfeatures >> i) & 1) ||
            from->off[i] + from->len[i] > src_len)
            continue;
        uint32_t n = from->len[i] < to->len[i] ? from->len[i] : to->len[i];
        memcpy(d, src + from->off[i], n);
        out |= 1ull << i;
    }
    return out;
}
