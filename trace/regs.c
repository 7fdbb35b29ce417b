/* Registers of a syscall stop, system calls injected into a stopped
 * tracee, and the auxiliary vector rewritten at exec. */
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

/* ------------------------------------------------------------------ */
/* Registers                                                          */

uint64_t trace_sc_arg(const struct user_regs_struct *r, int i)
{
    switch (i) {
    case 0:
        return r->rdi;
    case 1:
        return r->rsi;
    case 2:
        return r->rdx;
    case 3:
        return r->r10;
    case 4:
        return r->r8;
    default:
        return r->r9;
    }
}

void trace_sc_set_arg(struct user_regs_struct *r, int i, uint64_t v)
{
    switch (i) {
    case 0:
        r->rdi = v;
        break;
    case 1:
        r->rsi = v;
        break;
    case 2:
        r->rdx = v;
        break;
    case 3:
        r->r10 = v;
        break;
    case 4:
        r->r8 = v;
        break;
    default:
        r->r9 = v;
        break;
    }
}

static bool wait_syscall_stop(pid_t pid)
{
    int st;
    if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0)
        return false;
    if (waitpid(pid, &st, __WALL) != pid)
        return false;
    /* under the syscall buffer's filter the call stops at its seccomp
     * check too, between entry and exit */
    while (WIFSTOPPED(st) && (st >> 8) == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8))
        if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0 ||
            waitpid(pid, &st, __WALL) != pid)
            return false;
    return WIFSTOPPED(st) && WSTOPSIG(st) == (SIGTRAP | 0x80);
}

/* An injected call runs with every signal blocked: a signal that comes
 * meanwhile (or was pending already) stays pending for the program, where
 * a delivery stop in the middle of the injection would lose it and fail
 * the call. mask_all saves the task's mask in *saved; mask_back puts it
 * back. */
static bool mask_all(pid_t pid, uint64_t *saved)
{
    uint64_t all = ~(uint64_t)0;
    return ptrace(PTRACE_GETSIGMASK, pid, (void *)sizeof(*saved), saved) == 0 &&
           ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(all), &all) == 0;
}

static bool mask_back(pid_t pid, uint64_t saved)
{
    return ptrace(PTRACE_SETSIGMASK, pid, (void *)sizeof(saved), &saved) == 0;
}

bool trace_inject_syscall(pid_t pid, int memfd, long nr, const uint64_t *args,
                          int nargs, long *ret)
{
    struct user_regs_struct saved, r;
    uint8_t code[2];
    static const uint8_t syscall_insn[2] = {0x0f, 0x05};
    uint64_t mask;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0 ||
        !trace_mem_read(memfd, saved.rip, code, 2))
        return false;
    if (!mask_all(pid, &mask))
        return false;
    if (!trace_mem_write(memfd, saved.rip, syscall_insn, 2)) {
        mask_back(pid, mask);
        return false;
    }
    r = saved;
    r.rax = (uint64_t)nr;
    r.orig_rax = (uint64_t)-1;
    for (int i = 0; i < nargs && i < 6; i++)
        trace_sc_set_arg(&r, i, args[i]);
    bool ok = ptrace(PTRACE_SETREGS, pid, NULL, &r) == 0 &&
              wait_syscall_stop(pid) && wait_syscall_stop(pid) &&
              ptrace(PTRACE_GETREGS, pid, NULL, &r) == 0;
    if (ok)
        *ret = (long)r.rax;
    ok = trace_mem_write(memfd, saved.rip, code, 2) && ok;
    ok = ptrace(PTRACE_SETREGS, pid, NULL, &saved) == 0 && ok;
    return mask_back(pid, mask) && ok;
}

/* Code of trace_map_path, written at the start of the page the tracee
 * stopped in (saved and put back): openat, mmap and close with one stop,
 * at the int3 that ends it, where injecting them one by one stops the
 * tracee two or three times each. r12..r14 keep the three results. */
typedef struct blob {
    uint8_t b[256];
    size_t n;
} blob;

static void put(blob *c, const void *p, size_t n)
{
    memcpy(c->b + c->n, p, n);
    c->n += n;
}

static void put_imm64(blob *c, uint8_t rex, uint8_t op, uint64_t v)
{
    uint8_t i[2] = {rex, op};
    put(c, i, 2);
    put(c, &v, 8);
}

static void put_nr(blob *c, uint32_t nr)
{
    uint8_t i = 0xb8; /* mov $nr,%eax */
    put(c, &i, 1);
    put(c, &nr, 4);
}

static const uint8_t op_syscall[2] = {0x0f, 0x05};

bool trace_map_path(pid_t pid, int memfd, const char *path, int oflags,
                    uint64_t addr, uint64_t len, uint64_t prot, uint64_t flags,
                    uint64_t off, long *ret)
{
    blob c = {.n = 0};
    size_t plen = strlen(path) + 1;
    put_nr(&c, SYS_openat);
    put_imm64(&c, 0x48, 0xbf, TRACE_WALL_MAGIC); /* dirfd: ignored */
    size_t lea_at = c.n;
    put(&c, "\x48\x8d\x35\0\0\0\0", 7); /* lea path(%rip),%rsi */
    put_imm64(&c, 0x48, 0xba, (uint64_t)oflags);
    put(&c, op_syscall, 2);
    put(&c, "\x49\x89\xc4", 3); /* mov %rax,%r12 */
    put(&c, "\x48\x85\xc0", 3); /* test %rax,%rax */
    size_t js_at = c.n;
    put(&c, "\x0f\x88\0\0\0\0", 6); /* js done */
    put_nr(&c, SYS_mmap);
    put_imm64(&c, 0x48, 0xbf, addr);
    put_imm64(&c, 0x48, 0xbe, len);
    put_imm64(&c, 0x48, 0xba, prot);
    put_imm64(&c, 0x49, 0xba, flags);
    put(&c, "\x4d\x89\xe0", 3); /* mov %r12,%r8 */
    put_imm64(&c, 0x49, 0xb9, off);
    put(&c, op_syscall, 2);
    put(&c, "\x49\x89\xc5", 3); /* mov %rax,%r13 */
    put_nr(&c, SYS_close);
    put(&c, "\x4c\x89\xe7", 3);                  /* mov %r12,%rdi */
    put_imm64(&c, 0x48, 0xbe, TRACE_WALL_MAGIC); /* ignored */
    put(&c, op_syscall, 2);
    put(&c, "\x49\x89\xc6", 3); /* mov %rax,%r14 */
    int32_t rel = (int32_t)(c.n - (js_at + 6));
    memcpy(c.b + js_at + 2, &rel, 4);
    put(&c, "\xcc", 1); /* done: int3 */
    rel = (int32_t)(c.n - (lea_at + 7));
    memcpy(c.b + lea_at + 3, &rel, 4);
    if (plen > sizeof(c.b) - c.n)
        return false;
    put(&c, path, plen);

    struct user_regs_struct saved, r;
    uint8_t code[sizeof(c.b)];
    uint64_t mask;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0)
        return false;
    uint64_t at = saved.rip & ~(uint64_t)4095;
    if (!trace_mem_read(memfd, at, code, c.n) || !mask_all(pid, &mask))
        return false;
    bool ok = trace_mem_write(memfd, at, c.b, c.n);
    r = saved;
    r.rip = at;
    r.orig_rax = (uint64_t)-1; /* no restart logic on the way out */
    r.r12 = r.r13 = r.r14 = (uint64_t)-ENOSYS;
    int st = 0;
    ok = ok && ptrace(PTRACE_SETREGS, pid, NULL, &r) == 0;
    /* seccomp stops (a filter that traces these calls): go on */
    while (ok && ptrace(PTRACE_CONT, pid, NULL, NULL) == 0 &&
           waitpid(pid, &st, __WALL) == pid && WIFSTOPPED(st) &&
           (st >> 8) == (SIGTRAP | PTRACE_EVENT_SECCOMP << 8))
        ;
    ok = ok && WIFSTOPPED(st) && WSTOPSIG(st) == SIGTRAP &&
         ptrace(PTRACE_GETREGS, pid, NULL, &r) == 0 && r.rip == at + c.n - plen;
    if (ok)
        *ret = (long)r.r12 < 0    ? (long)r.r12
               : (long)r.r13 < 0  ? (long)r.r13
               : (long)r.r14 != 0 ? (long)r.r14
                                  : (long)r.r13;
    /* a tracee that died meanwhile has nothing left to restore */
    if (WIFEXITED(st) || WIFSIGNALED(st))
        return false;
    ok = trace_mem_write(memfd, at, code, c.n) && ok;
    ok = ptrace(PTRACE_SETREGS, pid, NULL, &saved) == 0 && ok;
    return mask_back(pid, mask) && ok;
}

/* The next stop of pid past its seccomp stops (the syscall buffer's
 * filter): true when it is one of the event `ev` (0: a syscall stop). */
static bool next_stop_is(pid_t pid, int ev, int *st)
{
    for (;;) {
        if (ptrace(PTRACE_SYSCALL, pid, NULL, NULL) != 0 ||
            waitpid(pid, st, __WALL) != pid || !WIFSTOPPED(*st))
            return false;
        if ((*st >> 8) != (SIGTRAP | PTRACE_EVENT_SECCOMP << 8))
            break;
    }
    if (ev)
        return (*st >> 8) == (SIGTRAP | ev << 8);
    return WSTOPSIG(*st) == (SIGTRAP | 0x80);
}

pid_t trace_fork_stopped(pid_t pid, int memfd)
{
    struct user_regs_struct saved, r;
    uint8_t code[2];
    static const uint8_t syscall_insn[2] = {0x0f, 0x05};
    unsigned long msg = 0;
    int st;
    pid_t child = -1;
    uint64_t mask;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &saved) != 0 ||
        !trace_mem_read(memfd, saved.rip, code, 2) || !mask_all(pid, &mask))
        return -1;
    if (!trace_mem_write(memfd, saved.rip, syscall_insn, 2)) {
        mask_back(pid, mask);
        return -1;
    }
    r = saved;
    r.rax = SYS_clone;
    r.orig_rax = (uint64_t)-1;
    r.rdi = CLONE_PARENT | SIGCHLD;
    r.rsi = r.rdx = r.r10 = r.r8 = 0;
    bool ok = ptrace(PTRACE_SETREGS, pid, NULL, &r) == 0 &&
              next_stop_is(pid, 0, &st) &&
              next_stop_is(pid, PTRACE_EVENT_FORK, &st) &&
              ptrace(PTRACE_GETEVENTMSG, pid, NULL, &msg) == 0 && msg > 0;
    if (ok)
        child = (pid_t)msg;
    ok = ok && next_stop_is(pid, 0, &st);
    if (child > 0 && waitpid(child, &st, __WALL) != child)
        child = -1;
    bool back = trace_mem_write(memfd, saved.rip, code, 2) &&
                ptrace(PTRACE_SETREGS, pid, NULL, &saved) == 0;
    back = mask_back(pid, mask) && back;
    if (child < 0)
        return -1;
    int cfd = trace_mem_open(child);
    r = saved;
    r.orig_rax = (uint64_t)-1; /* no restart logic at its first resume */
    bool cok = cfd >= 0 && trace_mem_write(cfd, saved.rip, code, 2) &&
               ptrace(PTRACE_SETREGS, child, NULL, &r) == 0 &&
               mask_back(child, mask);
    if (cfd >= 0)
        close(cfd);
    if (!ok || !back || !cok) {
        kill(child, SIGKILL);
        waitpid(child, &st, __WALL);
        return -1;
    }
    return child;
}

/* ------------------------------------------------------------------ */
/* auxv                                                               */

#define AT_NULL_ 0
#define AT_IGNORE_ 1
#define AT_SYSINFO_EHDR_ 33
#define AT_RANDOM_ 25

/* auxv words describing the machine; replay restores the recorded ones so
 * that the program's view matches even on another host. */
static bool auxv_restored(uint64_t key)
{
    switch (key) {
    case 11:
    case 12:
    case 13:
    case 14: /* AT_UID .. AT_EGID */
    case 16:
    case 17:
    case 23:
    case 26: /* HWCAP, CLKTCK, SECURE, HWCAP2 */
    case 51: /* AT_MINSIGSTKSZ */
        return true;
    default:
        return false;
    }
}

static bool read_word(int memfd, uint64_t addr, uint64_t *v)
{
    return trace_mem_read(memfd, addr, v, sizeof(*v));
}

/* Whether the vDSO at base stays visible: at record when its functions
 * could be patched into system calls (else it is hidden, as recordings
 * made before did); at replay when the recording kept it (then it is
 * patched the same way). */
static bool keep_vdso(int memfd, uint64_t base, const rrt_ev_exec *set)
{
    bool recorded = !set;
    for (size_t i = 0; set && i < set->n_auxv; i++)
        if (set->auxv[i][0] == AT_SYSINFO_EHDR_)
            recorded = true;
    return recorded && trace_vdso_patch(memfd, base);
}

bool trace_exec_fixup_auxv(pid_t pid, int memfd, rrt_ev_exec *ex,
                           const rrt_ev_exec *set)
{
    struct user_regs_struct r;
    uint64_t argc, v;
    if (ptrace(PTRACE_GETREGS, pid, NULL, &r) != 0 ||
        !read_word(memfd, r.rsp, &argc) || argc > (1u << 20))
        return false;
    uint64_t p = r.rsp + 8 * (argc + 2); /* argc, argv[], NULL */
    for (;;) {                           /* envp[], NULL */
        if (!read_word(memfd, p, &v))
            return false;
        p += 8;
        if (!v)
            break;
    }
    ex->tid = (uint32_t)pid;
    ex->n_auxv = 0;
    for (;; p += 16) {
        uint64_t kv[2];
        if (!trace_mem_read(memfd, p, kv, sizeof(kv)))
            return false;
        if (kv[0] == AT_NULL_)
            break;
        if (kv[0] == AT_SYSINFO_EHDR_ && !keep_vdso(memfd, kv[1], set)) {
            kv[0] = AT_IGNORE_;
            if (!trace_mem_write(memfd, p, &kv[0], 8))
                return false;
        }
        if (kv[0] == AT_RANDOM_) {
            if (set && !trace_mem_write(memfd, kv[1], set->at_random, 16))
                return false;
            if (!trace_mem_read(memfd, kv[1], ex->at_random, 16))
                return false;
        }
        for (size_t i = 0; set && auxv_restored(kv[0]) && i < set->n_auxv;
             i++) {
            if (set->auxv[i][0] == kv[0] && set->auxv[i][1] != kv[1]) {
                kv[1] = set->auxv[i][1];
                if (!trace_mem_write(memfd, p + 8, &kv[1], 8))
                    return false;
            }
        }
        if (ex->n_auxv < RRT_EV_MAX_AUXV) {
            ex->auxv[ex->n_auxv][0] = kv[0];
            ex->auxv[ex->n_auxv][1] = kv[1];
            ex->n_auxv++;
        }
    }
    return true;
}
