/* Capture of this host's CPUID manifest (the recorder and `rrt cpuid` share
 * it) and the CPUID-faulting probe. */
#include <asm/prctl.h>
#include <cpuid.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "rrt/cpufeat.h"
#include "rrti.h"

/* Real CPUs stop near leaf 0x24 and 0x80000028; the caps keep a broken or
 * hostile hypervisor from making us loop for long. */
#define MAX_BASIC_LEAVES 0x100u
#define MAX_EXT_LEAVES 0x100u
#define MAX_SUBLEAVES 64u
#define MAX_RECORDS 4096u

typedef struct capture {
    rrt_cpuid_record *r;
    size_t n;
} capture;

static void add(capture *c, uint32_t leaf, uint32_t sub, bool indexed)
{
    if (c->n >= MAX_RECORDS)
        return;
    unsigned a, b, cc, d;
    __cpuid_count(leaf, sub, a, b, cc, d);
    rrt_cpuid_record *x = &c->r[c->n++];
    x->leaf = leaf;
    x->subleaf = indexed ? sub : 0;
    x->flags = indexed ? RRT_CPUID_SUBLEAF_INDEXED : 0;
    x->eax = a;
    x->ebx = b;
    x->ecx = cc;
    x->edx = d;
}

static const rrt_cpuid_record *last(const capture *c)
{
    return &c->r[c->n - 1];
}

/* Subleaves 0..N where N is EAX of subleaf 0 (leaves 7, 0x14, 0x17, 0x18,
 * 0x1D, 0x20, 0x24). */
static void add_upto_eax(capture *c, uint32_t leaf)
{
    add(c, leaf, 0, true);
    uint32_t n = last(c)->eax;
    if (n >= MAX_SUBLEAVES)
        n = MAX_SUBLEAVES - 1;
    for (uint32_t s = 1; s <= n; s++)
        add(c, leaf, s, true);
}

/* Subleaves until a field reads 0 (cache type in EAX[4:0] for leaves 4 and
 * 0x8000001D, level type in ECX[15:8] for 0xB, 0x1F, 0x80000026); the
 * terminating subleaf is kept, as `cpuid -r` does. */
static void add_until_zero(capture *c, uint32_t leaf, bool level_type)
{
    for (uint32_t s = 0; s < MAX_SUBLEAVES; s++) {
        add(c, leaf, s, true);
        const rrt_cpuid_record *x = last(c);
        uint32_t field = level_type ? (x->ecx >> 8) & 0xff : x->eax & 0x1f;
        if (!field)
            break;
    }
}

/* Subleaf 0 plus subleaf i for every bit i (1..31) set in `bitmap`. */
static void add_bitmap(capture *c, uint32_t leaf, uint32_t bitmap)
{
    for (uint32_t s = 1; s < 32; s++)
        if (bitmap & (1u << s))
            add(c, leaf, s, true);
}

static uint64_t read_xcr0(void)
{
    unsigned a, b, cc, d;
    __cpuid(1, a, b, cc, d);
    if (!(cc & (1u << 27))) /* OSXSAVE: XGETBV would fault */
        return 0;
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (uint64_t)hi << 32 | lo;
}

/* Leaf 0xD: subleaves 0 and 1, and one per state component that XCR0 or
 * IA32_XSS can enable (supported masks in subleaf 0 EDX:EAX and subleaf 1
 * EDX:ECX), so both user and supervisor layouts are known. */
static void add_xsave(capture *c, uint64_t xcr0)
{
    add(c, 0xd, 0, true);
    uint64_t mask = (uint64_t)last(c)->edx << 32 | last(c)->eax;
    add(c, 0xd, 1, true);
    mask |= (uint64_t)last(c)->edx << 32 | last(c)->ecx;
    mask |= xcr0;
    for (uint32_t i = 2; i < 64; i++)
        if (mask & ((uint64_t)1 << i))
            add(c, 0xd, i, true);
}

static void add_basic_leaf(capture *c, uint32_t leaf, uint64_t xcr0)
{
    switch (leaf) {
    case 0x4:
        add_until_zero(c, leaf, false);
        break;
    case 0xb:
    case 0x1f:
        add_until_zero(c, leaf, true);
        break;
    case 0xd:
        add_xsave(c, xcr0);
        break;
    case 0xf: /* RDT monitoring: 0 = resources, 1 = L3 */
        add(c, leaf, 0, true);
        add(c, leaf, 1, true);
        break;
    case 0x10: /* RDT allocation: subleaf i for each resource bit in EBX */
    case 0x23: /* perfmon extensions: valid subleaves bitmap in EAX */
        add(c, leaf, 0, true);
        add_bitmap(c, leaf, leaf == 0x10 ? last(c)->ebx : last(c)->eax);
        break;
    case 0x12: /* SGX: 0, 1, then EPC sections until type 0 */
        add(c, leaf, 0, true);
        add(c, leaf, 1, true);
        for (uint32_t s = 2; s < MAX_SUBLEAVES; s++) {
            add(c, leaf, s, true);
            if (!(last(c)->eax & 0xf))
                break;
        }
        break;
    case 0x1e: /* TMUL: subleaf 1 lists AMX extensions on newer CPUs */
        add(c, leaf, 0, true);
        add(c, leaf, 1, true);
        break;
    case 0x7:
    case 0x14:
    case 0x17:
    case 0x18:
    case 0x1d:
    case 0x20:
    case 0x24:
        add_upto_eax(c, leaf);
        break;
    default:
        add(c, leaf, 0, false);
    }
}

static void add_ext_leaf(capture *c, uint32_t leaf)
{
    switch (leaf) {
    case 0x8000001d:
        add_until_zero(c, leaf, false);
        break;
    case 0x80000026:
        add_until_zero(c, leaf, true);
        break;
    case 0x80000020: /* AMD PQoS: valid subleaves bitmap in EBX */
        add(c, leaf, 0, true);
        add_bitmap(c, leaf, last(c)->ebx);
        break;
    default:
        add(c, leaf, 0, false);
    }
}

rrt_status rrt_cpuid_capture_host(rrt_cpuid_manifest *out, rrt_error *err)
{
    memset(out, 0, sizeof(*out));
    capture c = {calloc(MAX_RECORDS, sizeof(rrt_cpuid_record)), 0};
    if (!c.r)
        return rrtx_fail(err, RRT_E_NOMEM, 0, NULL, UINT64_MAX,
                         "out of memory capturing CPUID");
    uint64_t xcr0 = read_xcr0();
    unsigned max_basic, b, cc, d;
    __cpuid(0, max_basic, b, cc, d);
    memcpy(out->vendor, &b, 4);
    memcpy(out->vendor + 4, &d, 4);
    memcpy(out->vendor + 8, &cc, 4);
    out->vendor[12] = 0;
    if (max_basic >= MAX_BASIC_LEAVES)
        max_basic = MAX_BASIC_LEAVES - 1;
    for (uint32_t leaf = 0; leaf <= max_basic; leaf++)
        add_basic_leaf(&c, leaf, xcr0);
    unsigned max_ext, a;
    __cpuid(0x80000000u, max_ext, a, cc, d);
    (void)a;
    if (max_ext >= 0x80000000u) {
        if (max_ext - 0x80000000u >= MAX_EXT_LEAVES)
            max_ext = 0x80000000u + MAX_EXT_LEAVES - 1;
        for (uint32_t leaf = 0x80000000u; leaf <= max_ext; leaf++)
            add_ext_leaf(&c, leaf);
    }
    out->records = c.r;
    out->n_records = c.n;
    out->xcr0 = xcr0;
    rrt_status st = rrt_cpuid_manifest_normalize(out, err);
    if (st != RRT_OK)
        rrt_cpuid_manifest_clear(out);
    return st;
}

bool rrt_cpuid_host_has_faulting(void)
{
    /* ARCH_GET_CPUID alone succeeds on every x86 kernel since 4.12; only
     * ARCH_SET_CPUID(0) proves the CPU can fault. CPUID must not run
     * between the calls, and the thread's previous setting is restored. */
    long prev = syscall(SYS_arch_prctl, ARCH_GET_CPUID, 0);
    if (prev < 0)
        return false;
    if (syscall(SYS_arch_prctl, ARCH_SET_CPUID, 0) != 0)
        return false;
    return syscall(SYS_arch_prctl, ARCH_SET_CPUID, prev ? 1 : 0) == 0;
}
