/* The syscall buffer, the parts both engines share: the library's region
 * in a tracee, the patching of libc's syscall sites into jumps to per-site
 * stubs. Its events' codecs are librrt's (rrt/events.h). See
 * spec/events.md 5. */
#include <stddef.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include "syscallbuf.h"
#include "trace.h"

#ifndef MAP_FIXED_NOREPLACE
#define MAP_FIXED_NOREPLACE 0x100000
#endif

bool trace_sb_map(pid_t pid, int memfd, const void *image, size_t image_len,
                  const struct sb_ctl *ctl)
{
    if (image_len > SB_IMAGE_MAX)
        return false;
    uint64_t args[6] = {SB_BASE,
                        SB_SIZE,
                        PROT_READ | PROT_WRITE | PROT_EXEC,
                        MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE,
                        (uint64_t)-1,
                        0};
    long ret;
    if (!trace_inject_syscall(pid, memfd, SYS_mmap, args, 6, &ret) ||
        (uint64_t)ret != SB_BASE)
        return false;
    return trace_mem_write(memfd, SB_BASE + SB_IMAGE_OFF, image, image_len) &&
           trace_mem_write(memfd, SB_CTL, ctl, sizeof(*ctl));
}

void trace_sb_fds_changed(int memfd, long nr)
{
    uint64_t gen, at = SB_CTL + offsetof(struct sb_ctl, fd_gen);
    if (nr != SYS_close && nr != SYS_close_range && nr != SYS_dup2 &&
        nr != SYS_dup3)
        return;
    uint64_t magic;
    if (trace_mem_read(memfd, SB_CTL, &magic, sizeof(magic)) &&
        magic == SB_MAGIC && trace_mem_read(memfd, at, &gen, sizeof(gen))) {
        gen++;
        trace_mem_write(memfd, at, &gen, sizeof(gen));
    }
}

bool trace_sb_buffers(long nr)
{
    switch (nr) {
    case SYS_read:
    case SYS_readv:
    case SYS_write:
    case SYS_writev:
    case SYS_pread64:
    case SYS_pwrite64:
    case SYS_openat:
    case SYS_close:
    case SYS_lseek:
    case SYS_getpid:
    case SYS_gettid:
    case SYS_getppid:
    case SYS_access:
    case SYS_faccessat:
    case SYS_faccessat2:
    case SYS_fcntl:
    case SYS_fadvise64:
    case SYS_fstat:
    case SYS_newfstatat:
    case SYS_statx:
    case SYS_getdents64:
    case SYS_readlink:
    case SYS_readlinkat:
    case SYS_getcwd:
    case SYS_ioctl:
    case SYS_clock_gettime:
    case SYS_gettimeofday:
    case SYS_time:
    case SYS_futex:
    case SYS_poll:
    case SYS_epoll_wait:
    case SYS_sendto:
    case SYS_recvfrom:
    case SYS_sendmsg:
    case SYS_recvmsg:
    case SYS_mmap:
    case SYS_munmap:
    case SYS_rt_sigaction:
    case SYS_brk:
    case SYS_mprotect:
        return true;
    default:
        return false;
    }
}

/* The instructions glibc puts after its wrappers' `syscall` (449 of the
 * 530 sites in Debian 12's libc): compares of the result, which the stub
 * executes after the call, position-independent, straight-line (no jump
 * of libc lands inside them). rel: the taken bytes are one instruction
 * with a %rip-relative disp32 at that offset, which the stub's copy gets
 * adjusted (0: none). */
static const struct {
    uint8_t len;  /* bytes that must match */
    uint8_t take; /* of which the stub runs (the rest stays in place) */
    uint8_t rel;
    uint8_t bytes[9];
} follows[] = {
    {6, 6, 0, {0x48, 0x3d, 0x00, 0xf0, 0xff, 0xff}}, /* cmp $-0x1000,%rax */
    {6, 6, 0, {0x48, 0x3d, 0x01, 0xf0, 0xff, 0xff}}, /* cmp $-0xfff,%rax */
    {5, 5, 0, {0x3d, 0x00, 0xf0, 0xff, 0xff}},       /* cmp $-0x1000,%eax */
    /* ioctl, mq_unlink: mov %eax,%edx; cmp $-0x1000,%eax */
    {7, 7, 0, {0x89, 0xc2, 0x3d, 0x00, 0xf0, 0xff, 0xff}},
    /* posix_fadvise, pthread_sigmask and others that return the error
     * number: mov %eax,%edx; neg %edx (taken); cmp $-0x1000,%eax */
    {9, 4, 0, {0x89, 0xc2, 0xf7, 0xda, 0x3d, 0x00, 0xf0, 0xff, 0xff}},
    /* brk, which stores the new break (sbmore): libc's
     * mov __curbrk@GOTPCREL(%rip),%rdx and ld.so's mov %rax,__curbrk(%rip),
     * the only sites of Debian 12's libc and ld.so followed by either */
    {3, 7, 3, {0x48, 0x8b, 0x15}},
    {3, 7, 3, {0x48, 0x89, 0x05}},
};

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
static const uint8_t lea_rcx[3] = {0x48, 0x8d, 0x0d}; /* lea rel(%rip),%rcx */

/* The stub: [pre] lea -128(%rsp),%rsp (past the red zone); call sb_entry;
 * lea 128(%rsp),%rsp; lea after(%rip),%rcx (as `syscall` leaves it);
 * [displaced]; jmp back. Returns where the displaced part starts. */
static bool build_stub(trace_sb_patch *p, const uint8_t *pre, size_t npre,
                       const uint8_t *disp, size_t ndisp, uint64_t after,
                       uint64_t back_to, uint64_t *cont)
{
    uint8_t *s = p->stub_bytes;
    size_t n = 0;
    int32_t to_entry, rcx, back;
    if (npre)
        memcpy(s + n, pre, npre), n += npre;
    memcpy(s + n, lea_down, 5), n += 5;
    if (!rel32(p->stub + n + 5, trace_sb_entry, &to_entry))
        return false;
    s[n++] = 0xe8;
    memcpy(s + n, &to_entry, 4), n += 4;
    memcpy(s + n, lea_up, 8), n += 8;
    if (!rel32(p->stub + n + 7, after, &rcx))
        return false;
    memcpy(s + n, lea_rcx, 3), n += 3;
    memcpy(s + n, &rcx, 4), n += 4;
    *cont = p->stub + n;
    if (ndisp)
        memcpy(s + n, disp, ndisp), n += ndisp;
    if (!rel32(p->stub + n + 5, back_to, &back))
        return false;
    s[n++] = 0xe9;
    memcpy(s + n, &back, 4), n += 4;
    p->stub_len = n;
    return n <= SB_STUB_SIZE;
}

/* `mov $nr,%eax; syscall; ret` (getpid, gettid and other one-line
 * wrappers): the jump replaces the mov and the syscall, and the stub sets
 * eax itself. A task stopped after the syscall is past the patch. */
static bool plan_mov(int memfd, uint64_t rip, uint64_t stub_off,
                     trace_sb_patch *p)
{
    uint8_t code[8];
    uint64_t site = rip - 7, cont;
    int32_t to_stub;
    if (!trace_mem_read(memfd, site, code, sizeof(code)) || code[0] != 0xb8 ||
        code[5] != 0x0f || code[6] != 0x05 || code[7] != 0xc3)
        return false;
    memset(p, 0, sizeof(*p));
    p->site = site;
    p->stub = SB_BASE + SB_STUBS_OFF + stub_off;
    p->site_len = 7;
    p->cont = rip;
    if (!rel32(site + 5, p->stub, &to_stub) ||
        !build_stub(p, code, 5, NULL, 0, rip, rip, &cont))
        return false;
    p->site_bytes[0] = 0xe9;
    memcpy(p->site_bytes + 1, &to_stub, 4);
    memset(p->site_bytes + 5, 0x90, 2);
    return true;
}

/* The displaced instruction (n bytes, from `from`) now runs at p->cont:
 * its %rip-relative disp32 at offset rel (0: none) must reach the same
 * address from there. */
static bool relocate(trace_sb_patch *p, uint8_t rel, const uint8_t *insn,
                     size_t n, uint64_t from)
{
    int32_t disp, now;
    if (!rel)
        return true;
    memcpy(&disp, insn + rel, 4);
    uint64_t target = from + n + (uint64_t)(int64_t)disp;
    if (!rel32(p->cont + n, target, &now))
        return false;
    memcpy(p->stub_bytes + (p->cont - p->stub) + rel, &now, 4);
    return true;
}

bool trace_sb_plan(int memfd, uint64_t rip, uint64_t stub_off,
                   trace_sb_patch *p)
{
    uint8_t code[11];
    uint64_t site = rip - 2;
    if (stub_off + SB_STUB_SIZE > SB_STUBS_SIZE ||
        (site >= SB_BASE - 8 && site < SB_BASE + SB_SIZE) ||
        !trace_mem_read(memfd, site, code, sizeof(code)) || code[0] != 0x0f ||
        code[1] != 0x05)
        return false;
    size_t k = 0, nf = sizeof(follows) / sizeof(follows[0]);
    while (k < nf && memcmp(code + 2, follows[k].bytes, follows[k].len) != 0)
        k++;
    if (k == nf)
        return plan_mov(memfd, rip, stub_off, p);
    size_t L = follows[k].take;
    int32_t to_stub;
    memset(p, 0, sizeof(*p));
    p->site = site;
    p->stub = SB_BASE + SB_STUBS_OFF + stub_off;
    p->site_len = 2 + L;
    if (!rel32(site + 5, p->stub, &to_stub) ||
        !build_stub(p, NULL, 0, code + 2, L, site + 2, site + 2 + L,
                    &p->cont) ||
        !relocate(p, follows[k].rel, code + 2, L, site + 2))
        return false;
    p->site_bytes[0] = 0xe9;
    memcpy(p->site_bytes + 1, &to_stub, 4);
    memset(p->site_bytes + 5, 0x90, p->site_len - 5);
    return true;
}

void trace_sb_patch_event(const trace_sb_patch *p, uint32_t tid,
                          rrt_ev_syscallbuf_patch *e)
{
    *e = (rrt_ev_syscallbuf_patch){.tid = tid,
                                   .rip = p->cont,
                                   .stub = p->stub,
                                   .stub_len = p->stub_len,
                                   .stub_bytes = p->stub_bytes,
                                   .site = p->site,
                                   .site_len = p->site_len,
                                   .site_bytes = p->site_bytes};
}

/* The events' bounds (rrt/events.h) are the region's. */
_Static_assert(SB_STUB_SIZE == RRT_EV_SB_STUB_MAX, "stub size");
_Static_assert(SB_IMAGE_MAX == RRT_EV_SB_IMAGE_MAX, "image size");
_Static_assert(SB_BUF_SIZE / SB_REC_HDR == RRT_EV_SB_MAX_RECS, "records");
