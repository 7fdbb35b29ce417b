/* The trace layer on its own: tracees spawned and driven directly through
 * trace/, without the recorder or the replayer, so that a broken piece of
 * ptrace plumbing fails here by name. Tracees come from tests/tracees/
 * (TRACEE_DIR). */
#include <cpuid.h>
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "trace.h"

#ifndef TRACEE_DIR
#error TRACEE_DIR must name the directory of the built tracees
#endif

static char *const no_env[] = {NULL};

/* Spawns path (stopped at its SIGSTOP) and runs it to the execve event:
 * the new program's first instruction has not run. */
static pid_t start(const char *path, bool wall)
{
    char *argv[] = {(char *)path, NULL};
    trace_spawn_opts o = {.path = path,
                          .argv = argv,
                          .envp = no_env,
                          .cpu = -1,
                          .seccomp_wall = wall};
    pid_t pid = trace_spawn(&o);
    assert_true(pid > 0);
    int st;
    assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(st >> 8, SIGTRAP | (PTRACE_EVENT_EXEC << 8));
    return pid;
}

/* Continues pid without stopping at system calls until it ends or a
 * signal stops it; returns the wait status. */
static int run_to_stop(pid_t pid, int sig)
{
    int st;
    assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    return st;
}

/* As run_to_stop, but RDTSC traps (ld.so times its start-up) are
 * answered with zeros and stepped over. */
static int run_past_rdtsc(pid_t pid)
{
    int memfd = trace_mem_open(pid);
    int st;
    for (;;) {
        st = run_to_stop(pid, 0);
        struct user_regs_struct r;
        if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSEGV ||
            ptrace(PTRACE_GETREGS, pid, NULL, &r) != 0 ||
            trace_trap_insn(memfd, r.rip) != 1)
            break;
        rrt_ev_rdtsc e = {0};
        trace_apply_rdtsc(&r, &e);
        assert_int_equal(ptrace(PTRACE_SETREGS, pid, NULL, &r), 0);
    }
    close(memfd);
    return st;
}

/* From the exec event to the execve's syscall-exit stop, where the
 * engines inject calls. */
static void to_exec_exit(pid_t pid)
{
    int st;
    assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, NULL), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGTRAP | 0x80);
}

static void finish(pid_t pid)
{
    kill(pid, SIGKILL);
    int st;
    while (waitpid(pid, &st, __WALL) == pid && !WIFEXITED(st) &&
           !WIFSIGNALED(st))
        ;
}

static void test_spawn_disables_aslr_and_stops_before_exec(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    char path[64], buf[32] = "";
    snprintf(path, sizeof(path), "/proc/%d/personality", (int)pid);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    assert_non_null(fgets(buf, sizeof(buf), f));
    fclose(f);
    unsigned long pers = strtoul(buf, NULL, 16);
    assert_true(pers & 0x0040000); /* ADDR_NO_RANDOMIZE */
    finish(pid);
}

static void test_spawn_makes_rdtsc_trap(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_rdtsc", false);
    /* Without PR_SET_TSC the program would run to its end. */
    int st = run_to_stop(pid, 0);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGSEGV);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    int memfd = trace_mem_open(pid);
    assert_true(memfd >= 0);
    int insn = trace_trap_insn(memfd, r.rip);
    assert_true(insn == 1 || insn == 2); /* rdtsc or rdtscp */
    close(memfd);
    finish(pid);
}

static void test_seccomp_wall_kills_an_unlisted_call(void **state)
{
    (void)state;
    /* The wall lets execve through, then the dynamic loader's first
     * openat or the program's write is not on the list. */
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", true);
    int st;
    for (;;) {
        st = run_past_rdtsc(pid);
        if (!WIFSTOPPED(st))
            break;
        if (WSTOPSIG(st) != SIGSYS)
            continue;
        siginfo_t si;
        assert_int_equal(ptrace(PTRACE_GETSIGINFO, pid, NULL, &si), 0);
        assert_int_equal(si.si_code, 1); /* SYS_SECCOMP */
    }
    assert_true(WIFSIGNALED(st));
    assert_int_equal(WTERMSIG(st), SIGSYS);
}

static void test_memory_reads_and_writes_the_stack(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    int memfd = trace_mem_open(pid);
    assert_true(memfd >= 0);
    uint64_t argc = 0;
    assert_true(trace_mem_read(memfd, r.rsp, &argc, sizeof(argc)));
    assert_int_equal(argc, 1);
    const char pattern[] = "rrt trace test";
    uint64_t at = r.rsp - 4096;
    char back[sizeof(pattern)] = "";
    assert_true(trace_mem_write(memfd, at, pattern, sizeof(pattern)));
    assert_true(trace_mem_read(memfd, at, back, sizeof(back)));
    assert_memory_equal(back, pattern, sizeof(pattern));
    /* Unmapped memory fails, it does not read zeros. */
    assert_false(trace_mem_read(memfd, 16, back, 8));
    close(memfd);
    finish(pid);
}

static void test_injected_syscall_returns_and_restores_registers(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    to_exec_exit(pid);
    int memfd = trace_mem_open(pid);
    struct user_regs_struct before, after;
    uint8_t code_before[2], code_after[2];
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &before), 0);
    assert_true(trace_mem_read(memfd, before.rip, code_before, 2));
    long ret = 0;
    assert_true(trace_inject_syscall(pid, memfd, SYS_getpid, NULL, 0, &ret));
    assert_int_equal(ret, pid);
    uint64_t args[1] = {(uint64_t)-1};
    assert_true(trace_inject_syscall(pid, memfd, SYS_close, args, 1, &ret));
    assert_int_equal(ret, -EBADF);
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &after), 0);
    assert_true(trace_mem_read(memfd, after.rip, code_after, 2));
    assert_memory_equal(&before, &after, sizeof(before));
    assert_memory_equal(code_before, code_after, 2);
    close(memfd);
    finish(pid);
}

/* The mask of pid, a stopped tracee. */
static uint64_t sigmask_of(pid_t pid)
{
    uint64_t mask = 0;
    assert_int_equal(ptrace(PTRACE_GETSIGMASK, pid, (void *)8, &mask), 0);
    return mask;
}

/* Runs pid on and expects the delivery stop of the SIGTERM a test left
 * pending in it. */
static void expect_sigterm(pid_t pid)
{
    int st;
    assert_int_equal(ptrace(PTRACE_CONT, pid, NULL, NULL), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGTERM);
}

/* A signal that comes while a call is injected is neither lost nor a
 * failure: it stays pending, and the program gets it when it runs on.
 * SIGTERM is sent to the stopped tracee before the injection, so it is
 * pending when the injected call starts: a tracer that let it through
 * would meet its delivery stop instead of the call's. */
static void test_injected_syscall_keeps_a_pending_signal(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    to_exec_exit(pid);
    int memfd = trace_mem_open(pid);
    struct user_regs_struct before, after;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &before), 0);
    uint64_t mask = sigmask_of(pid);
    assert_int_equal(kill(pid, SIGTERM), 0);
    long ret = 0;
    assert_true(trace_inject_syscall(pid, memfd, SYS_getpid, NULL, 0, &ret));
    assert_int_equal(ret, pid);
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &after), 0);
    assert_memory_equal(&before, &after, sizeof(before));
    assert_int_equal(sigmask_of(pid), mask);
    expect_sigterm(pid);
    close(memfd);
    finish(pid);
}

/* The same for the copy trace_fork_stopped makes: the original keeps its
 * pending signal and its mask, the copy starts with the same mask. */
static void test_fork_stopped_keeps_a_pending_signal(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    to_exec_exit(pid);
    int memfd = trace_mem_open(pid);
    uint64_t mask = sigmask_of(pid);
    assert_int_equal(kill(pid, SIGTERM), 0);
    pid_t copy = trace_fork_stopped(pid, memfd);
    assert_true(copy > 0);
    assert_int_equal(sigmask_of(pid), mask);
    assert_int_equal(sigmask_of(copy), mask);
    expect_sigterm(pid);
    finish(copy);
    close(memfd);
    finish(pid);
}

/* trace_map_path maps a file over an anonymous mapping of the tracee in
 * one go (openat, mmap, close), leaves registers, code, descriptors and
 * the signal mask as they were, and keeps a pending signal pending. A
 * path that cannot be opened leaves the mapping alone and says why. */
static void test_map_path_maps_a_file_and_restores_the_tracee(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    to_exec_exit(pid);
    int memfd = trace_mem_open(pid);
    char path[] = "/tmp/rrt-test-mappath-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    char data[8192];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (char)('a' + i % 26);
    assert_int_equal(write(fd, data, sizeof(data)), (ssize_t)sizeof(data));
    close(fd);
    long ret = 0;
    uint64_t args[6] = {0,
                        8192,
                        PROT_READ | PROT_WRITE,
                        MAP_PRIVATE | MAP_ANONYMOUS,
                        (uint64_t)-1,
                        0};
    assert_true(trace_inject_syscall(pid, memfd, SYS_mmap, args, 6, &ret));
    uint64_t addr = (uint64_t)ret;
    assert_true(ret > 0);
    struct user_regs_struct before, after;
    uint8_t code_before[256], code_after[256];
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &before), 0);
    uint64_t page = before.rip & ~(uint64_t)4095;
    assert_true(trace_mem_read(memfd, page, code_before, sizeof(code_before)));
    /* the lowest free descriptor, which must be free again after */
    long free_fd = -1;
    assert_true(trace_inject_syscall(pid, memfd, SYS_dup, (uint64_t[]){0}, 1,
                                     &free_fd));
    assert_true(free_fd >= 0);
    assert_true(trace_inject_syscall(pid, memfd, SYS_close,
                                     (uint64_t[]){(uint64_t)free_fd}, 1, &ret));
    assert_int_equal(kill(pid, SIGTERM), 0);
    assert_true(trace_map_path(pid, memfd, path, O_RDONLY, addr, 8192,
                               PROT_READ, MAP_PRIVATE | MAP_FIXED, 4096, &ret));
    assert_true((uint64_t)ret == addr);
    char back[4096];
    assert_true(trace_mem_read(memfd, addr, back, sizeof(back)));
    assert_memory_equal(back, data + 4096, sizeof(back));
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &after), 0);
    assert_memory_equal(&before, &after, sizeof(before));
    assert_true(trace_mem_read(memfd, page, code_after, sizeof(code_after)));
    assert_memory_equal(code_before, code_after, sizeof(code_before));
    /* the file's descriptor was closed */
    assert_true(
        trace_inject_syscall(pid, memfd, SYS_dup, (uint64_t[]){0}, 1, &ret));
    assert_int_equal(ret, free_fd);
    /* a missing file: its error, nothing mapped */
    unlink(path);
    assert_true(trace_map_path(pid, memfd, path, O_RDONLY, addr, 4096,
                               PROT_READ, MAP_PRIVATE | MAP_FIXED, 0, &ret));
    assert_int_equal(ret, -ENOENT);
    assert_true(trace_mem_read(memfd, addr, back, sizeof(back)));
    assert_memory_equal(back, data + 4096, sizeof(back));
    expect_sigterm(pid);
    close(memfd);
    finish(pid);
}

static void test_exec_fixup_hides_vdso_and_sets_at_random(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    int memfd = trace_mem_open(pid);
    rrt_ev_exec got, set, again;
    memset(&set, 0, sizeof(set));
    for (int i = 0; i < 16; i++)
        set.at_random[i] = (uint8_t)(0xa0 + i);
    assert_true(trace_exec_fixup_auxv(pid, memfd, &got, &set));
    assert_memory_equal(got.at_random, set.at_random, 16);
    bool vdso = false, ignored = false;
    for (size_t i = 0; i < got.n_auxv; i++) {
        vdso |= got.auxv[i][0] == 33; /* AT_SYSINFO_EHDR */
        ignored |= got.auxv[i][0] == 1;
    }
    assert_false(vdso);
    assert_true(ignored);
    /* A second pass reads what the first wrote. */
    assert_true(trace_exec_fixup_auxv(pid, memfd, &again, NULL));
    assert_memory_equal(again.at_random, set.at_random, 16);
    assert_int_equal(again.tid, pid);
    close(memfd);
    finish(pid);
}

static void test_trap_insn_names_each_instruction(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    int memfd = trace_mem_open(pid);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    uint64_t at = r.rsp - 8192;
    static const struct {
        uint8_t code[3];
        int kind;
    } cases[] = {
        {{0x0f, 0x31, 0x90}, 1}, {{0x0f, 0x01, 0xf9}, 2},
        {{0x0f, 0xa2, 0x90}, 3}, {{0x0f, 0x0b, 0x90}, 4},
        {{0x0f, 0x05, 0x90}, 0}, {{0x90, 0x0f, 0xa2}, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_true(trace_mem_write(memfd, at, cases[i].code, 3));
        assert_int_equal(trace_trap_insn(memfd, at), cases[i].kind);
    }
    close(memfd);
    finish(pid);
}

static void test_patch_all_replaces_every_cpuid_with_ud2(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    int memfd = trace_mem_open(pid);
    trace_pset *ps = trace_pset_new();
    assert_non_null(ps);
    assert_int_equal(trace_patch_all(pid, memfd, &ps->p, NULL),
                     0); /* no want */
    ps->p.want = TRACE_SITE_CPUID;
    long n = trace_patch_all(pid, memfd, &ps->p, NULL);
    /* At the exec stop the program and ld.so are mapped: tr_cpuid has
     * three CPUIDs in its loop, ld.so more. */
    assert_true(n >= 3);
    assert_int_equal((size_t)n, ps->p.n);
    for (size_t i = 0; i < ps->p.n; i++) {
        assert_true(trace_patches_has(&ps->p, ps->p.addr[i]));
        assert_int_equal(trace_trap_insn(memfd, ps->p.addr[i]), 4);
    }
    /* Patching again finds nothing new: the sites are UD2 now. */
    assert_int_equal(trace_patch_all(pid, memfd, &ps->p, NULL), 0);
    /* The first CPUID the program runs now traps as SIGILL at a site. */
    int st = run_past_rdtsc(pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGILL);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    assert_true(trace_patches_has(&ps->p, r.rip));
    trace_pset *copy = trace_pset_copy(ps);
    assert_non_null(copy);
    assert_int_equal(copy->p.n, ps->p.n);
    assert_true(trace_patches_has(&copy->p, r.rip));
    trace_pset_unref(copy);
    trace_pset_unref(ps);
    close(memfd);
    finish(pid);
}

static void test_patch_all_finds_xgetbv_by_kind(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_xgetbv", false);
    int memfd = trace_mem_open(pid);
    trace_pset *ps = trace_pset_new();
    assert_non_null(ps);
    ps->p.want = trace_patch_kinds(TRACE_CPUID_FAULT);
    /* tr_xgetbv has one XGETBV (two when -O2 inlines its helper), ld.so
     * at least one; no CPUID is patched when CPUID faults. */
    long n = trace_patch_all(pid, memfd, &ps->p, NULL);
    assert_true(n >= 2);
    for (size_t i = 0; i < ps->p.n; i++) {
        uint8_t b[3];
        assert_int_equal(trace_patches_kind(&ps->p, ps->p.addr[i]),
                         TRACE_SITE_XGETBV);
        assert_true(trace_mem_read(memfd, ps->p.addr[i], b, 3));
        assert_memory_equal(b, "\x0f\x0b\xd0", 3);
    }
    trace_pset *copy = trace_pset_copy(ps);
    assert_non_null(copy);
    assert_int_equal(copy->p.want, ps->p.want);
    assert_int_equal(trace_patches_kind(&copy->p, ps->p.addr[0]),
                     TRACE_SITE_XGETBV);
    trace_pset_unref(copy);
    /* The first XGETBV (ld.so's) now traps as SIGILL at a site, and is
     * emulated past all three bytes. */
    int st = run_past_rdtsc(pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGILL);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    assert_int_equal(trace_patches_kind(&ps->p, r.rip), TRACE_SITE_XGETBV);
    uint64_t rip = r.rip;
    trace_apply_xgetbv(&r, 0x100000007ull);
    assert_int_equal(r.rax, 7);
    assert_int_equal(r.rdx, 1);
    assert_int_equal(r.rip, rip + 3);
    trace_pset_unref(ps);
    close(memfd);
    finish(pid);
}

static void test_cpuid_faulting_traps_cpuid(void **state)
{
    (void)state;
    if (trace_cpuid_mode_resolve(TRACE_CPUID_AUTO) != TRACE_CPUID_FAULT)
        skip(); /* printed by main: no CPUID faulting here */
    pid_t pid = start(TRACEE_DIR "/tr_cpuid", false);
    to_exec_exit(pid);
    int memfd = trace_mem_open(pid);
    assert_true(trace_cpuid_arm_fault(pid, memfd));
    int st = run_past_rdtsc(pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), SIGSEGV);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    assert_int_equal(trace_trap_insn(memfd, r.rip), 3);
    uint32_t regs[4] = {1, 2, 3, 4};
    uint64_t rip = r.rip;
    trace_apply_cpuid(&r, regs);
    assert_int_equal(r.rax, 1);
    assert_int_equal(r.rdx, 4);
    assert_int_equal(r.rip, rip + 2);
    close(memfd);
    finish(pid);
}

/* Runs pid (answering RDTSC traps) to the delivery stop of sig. */
static void to_signal(pid_t pid, int sig)
{
    int st = run_past_rdtsc(pid);
    assert_true(WIFSTOPPED(st));
    assert_int_equal(WSTOPSIG(st), sig);
}

/* Runs pid with PTRACE_SYSCALL to the entry of system call nr. */
static void to_syscall_entry(pid_t pid, long nr, struct user_regs_struct *r)
{
    bool entry = false;
    for (;;) {
        int st;
        assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, NULL), 0);
        assert_int_equal(waitpid(pid, &st, __WALL), pid);
        assert_true(WIFSTOPPED(st));
        assert_int_equal(WSTOPSIG(st), SIGTRAP | 0x80);
        entry = !entry;
        assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, r), 0);
        if (entry && (long)r->orig_rax == nr)
            return;
    }
}

/* What the kernel knows at a signal-delivery stop, as replay gathers it:
 * the signal is dropped by the calls that read the action. */
typedef struct gathered {
    trace_delivery d;
    uint8_t siginfo[RRT_EV_SIGINFO_SIZE];
    uint8_t *xsave;
    trace_xlayout host;
} gathered;

static void gather(pid_t pid, int memfd, int sig, gathered *g)
{
    memset(g, 0, sizeof(*g));
    trace_delivery *d = &g->d;
    d->sig = sig;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &d->regs), 0);
    assert_int_equal(ptrace(PTRACE_GETSIGINFO, pid, NULL, g->siginfo), 0);
    assert_int_equal(ptrace(PTRACE_GETSIGMASK, pid, (void *)8, &d->blocked), 0);
    d->saved = d->blocked;
    d->siginfo = g->siginfo;
    g->xsave = trace_xstate_get(pid, &d->xsave_len);
    assert_non_null(g->xsave);
    d->xsave = g->xsave;
    assert_true(trace_xlayout_host(&g->host));
    d->xsave_layout = d->layout = &g->host;
    assert_true(trace_sigaction_get(pid, memfd, sig, &d->act));
    assert_true(trace_altstack_get(pid, memfd, &d->alt));
    d->trapno = 13; /* ld.so's RDTSCs trapped last (#GP) */
}

/* The frame trace_frame_build makes from the state at a delivery stop is
 * the kernel's, byte for byte where the kernel writes; and the state
 * trace_sigreturn_read takes from it is what the kernel's rt_sigreturn
 * restores. Checked on whatever host runs the tests. */
/* The tracer's own CPUID faulting (selffault.c), in a child process so
 * that this one keeps its handlers: on after begin; a CPUID of rrt's own
 * then turns it off and runs, with the host's answer, instead of killing
 * rrt; any other SIGSEGV still kills. */
static int self_fault_child(bool crash)
{
    signal(SIGSEGV, SIG_DFL); /* not cmocka's handler */
    volatile int *ro =
        mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (ro == MAP_FAILED || !trace_self_fault_begin() ||
        syscall(SYS_arch_prctl, 0x1011, 0) != 0)
        return 10; /* ARCH_GET_CPUID: 0 = faulting on */
    if (crash)
        *ro = 1; /* not a CPUID: the default action, death */
    unsigned a, b, c, d, a2, b2, c2, d2;
    __cpuid(0, a, b, c, d);
    if (!trace_self_fault_lost() || syscall(SYS_arch_prctl, 0x1011, 0) != 1)
        return 11;
    trace_self_fault_end();
    __cpuid(0, a2, b2, c2, d2);
    return a == a2 && b == b2 && c == c2 && d == d2 ? 0 : 12;
}

static void test_self_fault_survives_its_own_cpuid(void **state)
{
    (void)state;
    if (trace_cpuid_mode_resolve(TRACE_CPUID_AUTO) != TRACE_CPUID_FAULT)
        skip(); /* printed by main: no CPUID faulting here */
    for (int crash = 0; crash < 2; crash++) {
        fflush(NULL);
        pid_t c = fork();
        assert_true(c >= 0);
        if (c == 0)
            _exit(self_fault_child(crash));
        int st;
        assert_int_equal(waitpid(c, &st, 0), c);
        if (crash) {
            assert_true(WIFSIGNALED(st));
            assert_int_equal(WTERMSIG(st), SIGSEGV);
        } else {
            assert_true(WIFEXITED(st));
            assert_int_equal(WEXITSTATUS(st), 0);
        }
    }
}

static void test_frame_build_and_sigreturn_match_the_kernel(void **state)
{
    (void)state;
    pid_t pid = start(TRACEE_DIR "/tr_sigframe", false);
    int memfd = trace_mem_open(pid);
    to_signal(pid, SIGUSR1);
    gathered g;
    gather(pid, memfd, SIGUSR1, &g);
    /* the same delivery again, by the kernel this time (its siginfo names
     * this process as the sender) */
    assert_int_equal(syscall(SYS_tkill, pid, SIGUSR1), 0);
    int st = run_to_stop(pid, 0);
    assert_int_equal(WSTOPSIG(st), SIGUSR1);
    struct user_regs_struct r;
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    assert_int_equal(r.rsp, g.d.regs.rsp);
    assert_int_equal(ptrace(PTRACE_GETSIGINFO, pid, NULL, g.siginfo), 0);
    trace_frame f;
    assert_true(trace_frame_build(memfd, &g.d, &f));
    assert_int_equal(ptrace(PTRACE_SINGLESTEP, pid, NULL, (void *)SIGUSR1), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_int_equal(WSTOPSIG(st), SIGTRAP);
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    uint64_t mask;
    assert_int_equal(ptrace(PTRACE_GETSIGMASK, pid, (void *)8, &mask), 0);
    assert_int_equal(r.rsp, f.sp);
    assert_int_equal(r.rip, f.regs.rip);
    assert_int_equal(r.rdi, f.regs.rdi);
    assert_int_equal(r.rsi, f.regs.rsi);
    assert_int_equal(r.rdx, f.regs.rdx);
    assert_int_equal(r.eflags, f.regs.eflags);
    assert_int_equal(mask, f.mask);
    size_t len;
    assert_true(trace_frame_extent(memfd, r.rsp, &len));
    assert_int_equal(len, f.len);
    uint8_t *kern = malloc(len);
    assert_non_null(kern);
    assert_true(trace_mem_read(memfd, r.rsp, kern, len));
    size_t defined = 0;
    for (size_t i = 0; i < len; i++)
        defined += f.defined[i];
    assert_true(defined > 440 + 512); /* the rt_sigframe and legacy area */
    long at = trace_frame_compare(&f, kern, len);
    if (at >= 0)
        fail_msg("frame differs at offset %ld (of %zu): built 0x%02x, kernel "
                 "0x%02x",
                 at, len, f.bytes[at], kern[at]);
    /* rt_sigreturn: ours from the frame, then the kernel's */
    to_syscall_entry(pid, SYS_rt_sigreturn, &r);
    size_t xlen;
    uint8_t *ours = trace_xstate_get(pid, &xlen);
    assert_non_null(ours);
    trace_sigreturn sr;
    assert_true(
        trace_sigreturn_read(memfd, &r, &g.host, ours, xlen, &g.host, &sr));
    assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, NULL), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_int_equal(ptrace(PTRACE_GETREGS, pid, NULL, &r), 0);
    assert_int_equal(ptrace(PTRACE_GETSIGMASK, pid, (void *)8, &mask), 0);
    size_t klen;
    uint8_t *theirs = trace_xstate_get(pid, &klen);
    assert_non_null(theirs);
    assert_int_equal(klen, xlen);
    assert_int_equal(sr.regs.rip, r.rip);
    assert_int_equal(sr.regs.rsp, r.rsp);
    assert_int_equal(sr.regs.rax, r.rax);
    assert_int_equal(sr.regs.rcx, r.rcx);
    assert_int_equal(sr.regs.r11, r.r11);
    assert_int_equal(sr.regs.eflags, r.eflags);
    assert_int_equal(sr.mask, mask);
    assert_memory_equal(ours, theirs, 416);
    assert_int_equal(trace_xstate_bv(ours), trace_xstate_bv(theirs));
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++)
        if ((trace_xstate_bv(theirs) >> i) & 1)
            assert_memory_equal(ours + g.host.off[i], theirs + g.host.off[i],
                                g.host.len[i]);
    free(ours);
    free(theirs);
    free(kern);
    free(g.xsave);
    trace_frame_free(&f);
    close(memfd);
    finish(pid);
}

/* A frame in a layout larger than this host's (every component 1 KiB
 * further up, as on no real CPU) works as well: the handler runs on it and
 * rt_sigreturn, emulated from it, brings back the vector registers the
 * program held across the signal. */
static void test_frame_in_a_larger_layout_restores_vector_state(void **state)
{
    (void)state;
    int out[2];
    assert_int_equal(pipe(out), 0);
    int saved_stdout = dup(1);
    assert_true(saved_stdout >= 0);
    assert_int_equal(dup2(out[1], 1), 1);
    pid_t pid = start(TRACEE_DIR "/tr_sigframe", false);
    assert_int_equal(dup2(saved_stdout, 1), 1);
    close(saved_stdout);
    close(out[1]);
    int memfd = trace_mem_open(pid);
    to_signal(pid, SIGUSR1);
    gathered g;
    gather(pid, memfd, SIGUSR1, &g);
    trace_xlayout big = g.host;
    for (unsigned i = 2; i < TRACE_XSTATE_COMPONENTS; i++)
        if ((big.xfeatures >> i) & 1)
            big.off[i] += 1024;
    big.size += 1024;
    g.d.layout = &big;
    trace_frame f;
    assert_true(trace_frame_build(memfd, &g.d, &f));
    assert_true(f.len > g.host.size + 1024);
    assert_true(trace_mem_write(memfd, f.sp, f.bytes, f.len));
    f.regs.orig_rax = (uint64_t)-1;
    assert_int_equal(ptrace(PTRACE_SETREGS, pid, NULL, &f.regs), 0);
    assert_int_equal(ptrace(PTRACE_SETSIGMASK, pid, (void *)8, &f.mask), 0);
    trace_xstate_init(g.xsave, g.d.xsave_len);
    assert_true(trace_xstate_set(pid, g.xsave, g.d.xsave_len));
    struct user_regs_struct r;
    to_syscall_entry(pid, SYS_rt_sigreturn, &r);
    size_t xlen;
    uint8_t *x = trace_xstate_get(pid, &xlen);
    assert_non_null(x);
    trace_sigreturn sr;
    assert_true(trace_sigreturn_read(memfd, &r, &big, x, xlen, &g.host, &sr));
    r.orig_rax = (uint64_t)-1; /* skip the call, then set its outcome */
    assert_int_equal(ptrace(PTRACE_SETREGS, pid, NULL, &r), 0);
    int st;
    assert_int_equal(ptrace(PTRACE_SYSCALL, pid, NULL, NULL), 0);
    assert_int_equal(waitpid(pid, &st, __WALL), pid);
    assert_int_equal(ptrace(PTRACE_SETREGS, pid, NULL, &sr.regs), 0);
    assert_true(trace_xstate_set(pid, x, xlen));
    assert_int_equal(ptrace(PTRACE_SETSIGMASK, pid, (void *)8, &sr.mask), 0);
    to_syscall_entry(pid, SYS_alarm, &r);
    finish(pid);
    char text[512] = "";
    ssize_t n = read(out[0], text, sizeof(text) - 1);
    close(out[0]);
    assert_true(n > 0);
    text[n] = 0;
    if (!strstr(text, "usr1: signal 10 handled 1") ||
        !strstr(text, "kill: vector registers kept 1"))
        fail_msg("tracee printed: %s", text);
    free(x);
    free(g.xsave);
    trace_frame_free(&f);
    close(memfd);
}

static void test_task_list_adds_finds_and_removes(void **state)
{
    (void)state;
    typedef struct {
        trace_task base;
        int engine_field;
    } etask;
    trace_task *list = NULL;
    etask *a = trace_task_add(&list, sizeof(etask), 100, getpid());
    etask *b = trace_task_add(&list, sizeof(etask), 200, getpid());
    assert_non_null(a);
    assert_non_null(b);
    assert_true(a->base.memfd >= 0);
    assert_ptr_equal(trace_task_find(list, 100), a);
    assert_ptr_equal(trace_task_find(list, 200), b);
    assert_null(trace_task_find(list, 300));
    assert_null(trace_task_add(&list, sizeof(trace_task) - 1, 1, 1));
    a->base.pset = trace_pset_new();
    b->base.pset = trace_pset_ref(a->base.pset);
    assert_int_equal(a->base.pset->refs, 2);
    trace_task_remove(&list, &a->base);
    assert_null(trace_task_find(list, 100));
    assert_int_equal(b->base.pset->refs, 1);
    trace_task_remove(&list, &b->base);
    assert_null(list);
    assert_int_equal(trace_tgid(getpid()), getpid());
    assert_int_equal(trace_tgid((pid_t)0x7ffffff0), -1);
}

static void test_syscall_table_names_modes_and_outputs(void **state)
{
    (void)state;
    char buf[32];
    size_t rows = 0;
    for (long nr = 0; nr < 512; nr++) {
        const trace_sc_desc *d = trace_syscall_desc(nr);
        assert_non_null(d);
        if (!trace_syscall_known(nr)) {
            assert_int_equal(d->mode, TRACE_SC_ENOSYS);
            continue;
        }
        rows++;
        assert_non_null(d->name);
        assert_string_equal(d->name, trace_syscall_name(nr, buf));
        assert_true(d->nargs <= 6);
        assert_true(d->mode <= TRACE_SC_REFUSE);
        /* a refusal says why, and only a refusal */
        assert_true((d->mode == TRACE_SC_REFUSE) == (d->why != NULL));
    }
    assert_true(rows >= 380);
    assert_string_equal(trace_syscall_name(SYS_read, buf), "read");
    assert_string_equal(trace_syscall_name(100000, buf), "syscall_100000");
    assert_string_equal(trace_syscall_name(452, buf), "fchmodat2");
    assert_int_equal(trace_syscall_desc(SYS_mmap)->mode, TRACE_SC_EXECUTE);
    assert_int_equal(trace_syscall_desc(SYS_read)->mode, TRACE_SC_EMULATE);
    assert_int_equal(trace_syscall_desc(SYS_read)->out0.kind, TRACE_OUT_RET);
    assert_int_equal(trace_syscall_desc(SYS_clone3)->mode, TRACE_SC_ENOSYS);
    /* numbers the kernel does not know: its ENOSYS, recorded */
    assert_false(trace_syscall_known(-1));
    assert_int_equal(trace_syscall_desc(-1)->mode, TRACE_SC_ENOSYS);
    assert_int_equal(trace_syscall_desc(100000)->mode, TRACE_SC_ENOSYS);
    assert_int_equal(trace_syscall_desc(LONG_MAX)->mode, TRACE_SC_ENOSYS);
    /* once refused by name, now recorded as results */
    static const long now_recorded[] = {SYS_unshare,
                                        SYS_setns,
                                        SYS_seccomp,
                                        SYS_shmget,
                                        SYS_semget,
                                        SYS_msgget,
                                        SYS_mq_open,
                                        SYS_eventfd,
                                        SYS_inotify_init,
                                        SYS_bpf,
                                        SYS_mknodat,
                                        SYS_rt_tgsigqueueinfo,
                                        SYS_clock_settime,
                                        SYS_clock_adjtime,
                                        SYS_sched_getattr,
                                        SYS_ioprio_get,
                                        SYS_kcmp,
                                        SYS_pidfd_getfd,
                                        SYS_process_vm_readv,
                                        SYS_get_robust_list,
                                        SYS_msync,
                                        SYS_mincore,
                                        SYS_mlockall,
                                        SYS_modify_ldt,
                                        SYS_iopl,
                                        SYS_ioperm,
                                        SYS_quotactl,
                                        SYS_syslog,
                                        SYS_sysfs,
                                        SYS_setxattr,
                                        SYS_sync_file_range,
                                        SYS_openat2,
                                        SYS_open_tree,
                                        SYS_landlock_create_ruleset,
                                        SYS_add_key,
                                        SYS_acct,
                                        452 /* fchmodat2 */};
    for (size_t i = 0; i < sizeof(now_recorded) / sizeof(now_recorded[0]); i++)
        assert_int_equal(trace_syscall_desc(now_recorded[i])->mode,
                         TRACE_SC_EMULATE);
    assert_int_equal(trace_syscall_desc(SYS__sysctl)->mode, TRACE_SC_ENOSYS);
    assert_int_equal(trace_syscall_desc(SYS_execveat)->mode, TRACE_SC_EXECUTE);
    assert_int_equal(trace_syscall_desc(SYS_remap_file_pages)->mode,
                     TRACE_SC_REFUSE);
}

/* The whole x86-64 table of Linux 6.x has rows: 0..334 and 424..469. */
static void test_syscall_table_covers_linux_6(void **state)
{
    (void)state;
    for (long nr = 0; nr <= 469; nr++)
        if (nr <= 334 || nr >= 424)
            assert_true(trace_syscall_known(nr));
    for (long nr = 335; nr < 424; nr++)
        assert_false(trace_syscall_known(nr));
}

static void test_execveat_path_is_the_kernels(void **state)
{
    (void)state;
    char p[64];
    assert_true(trace_execveat_path(7, 3, "/bin/x", 0, p, sizeof(p)));
    assert_string_equal(p, "/bin/x");
    assert_true(trace_execveat_path(7, AT_FDCWD, "x", 0, p, sizeof(p)));
    assert_string_equal(p, "x");
    assert_true(trace_execveat_path(7, 3, "", AT_EMPTY_PATH, p, sizeof(p)));
    assert_string_equal(p, "/proc/7/fd/3");
    assert_true(trace_execveat_path(7, 3, "x", 0, p, sizeof(p)));
    assert_string_equal(p, "/proc/7/fd/3/x");
    assert_false(trace_execveat_path(7, 3, "", 0, p, sizeof(p)));
    assert_false(
        trace_execveat_path(7, 3, "a-name-longer-than-sixteen", 0, p, 16));
    assert_int_equal(trace_execveat_scratch(0x7fff1000, 10) % 16, 0);
    assert_true(trace_execveat_scratch(0x7fff1000, 10) + 10 <=
                0x7fff1000 - 128);
}

static void test_syscall_number_is_the_low_32_bits(void **state)
{
    (void)state;
    assert_int_equal(trace_syscall_nr(39), 39);
    assert_int_equal(trace_syscall_nr(UINT64_MAX), -1);
    assert_int_equal(trace_syscall_nr(0xffffffffu), -1);
    assert_int_equal(trace_syscall_nr((1ull << 32) | 39), 39);
    assert_int_equal(trace_syscall_nr(0x7fffffff), 0x7fffffff);
}

static void test_ioctl_outputs_follow_the_encoding(void **state)
{
    (void)state;
    uint32_t size;
    /* the requests the held-out corpus saw refused */
    assert_int_equal(trace_ioctl_out(0x5452, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 0); /* FIOASYNC reads an int */
    assert_int_equal(trace_ioctl_out(0x5415, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 4); /* TIOCMGET */
    assert_int_equal(trace_ioctl_out(0x5600, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 4); /* VT_OPENQRY */
    assert_int_equal(trace_ioctl_out(0x2400, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 0); /* _IO('$', 0): PERF_EVENT_IOC_ENABLE */
    assert_int_equal(trace_ioctl_out(0x80087601, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 8); /* _IOR('v', 1, long): FS_IOC_GETFLAGS */
    assert_int_equal(trace_ioctl_out(0x80045438, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 4);
    assert_int_equal(trace_ioctl_out(0x80045200, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 4);
    assert_int_equal(trace_ioctl_out(0x80306d02, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 48);
    /* _IOW writes nothing; _IOWR its size; the kernel's cmd is 32 bits */
    assert_int_equal(trace_ioctl_out(0x40086602, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 0);
    assert_int_equal(trace_ioctl_out(0xc0105800 | (0x10u << 16), &size),
                     TRACE_IOCTL_FIXED);
    assert_int_equal(trace_ioctl_out(0xffffffff00005401ull, &size),
                     TRACE_IOCTL_FIXED);
    assert_int_equal(size, 36); /* TCGETS */
    /* more than the size says, or variable */
    assert_int_equal(trace_ioctl_out(0x400454CA, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 40); /* TUNSETIFF */
    assert_int_equal(trace_ioctl_out(0x8912, &size), TRACE_IOCTL_IFCONF);
    assert_int_equal(trace_ioctl_out(0xC020660B, &size), TRACE_IOCTL_FIEMAP);
    assert_int_equal(trace_ioctl_out(0x8913, &size), TRACE_IOCTL_FIXED);
    assert_int_equal(size, 40); /* SIOCGIFFLAGS: struct ifreq */
    /* an old request of a family that writes, unknown: not guessed */
    assert_int_equal(trace_ioctl_out(0x54FF, &size), TRACE_IOCTL_REFUSE);
    assert_int_equal(trace_ioctl_out(0x8946, &size), TRACE_IOCTL_REFUSE);
    assert_int_equal(trace_ioctl_out(0x5370, &size), TRACE_IOCTL_REFUSE);
}

static void test_syscall_args_follow_the_abi(void **state)
{
    (void)state;
    struct user_regs_struct r;
    memset(&r, 0, sizeof(r));
    for (int i = 0; i < 6; i++)
        trace_sc_set_arg(&r, i, (uint64_t)(i + 1) * 0x1111);
    assert_int_equal(r.rdi, 0x1111);
    assert_int_equal(r.rsi, 0x2222);
    assert_int_equal(r.rdx, 0x3333);
    assert_int_equal(r.r10, 0x4444); /* not rcx: syscall clobbers it */
    assert_int_equal(r.r8, 0x5555);
    assert_int_equal(r.r9, 0x6666);
    for (int i = 0; i < 6; i++)
        assert_int_equal(trace_sc_arg(&r, i), (uint64_t)(i + 1) * 0x1111);
}

/* trace_mapping_at on this process: an anonymous mapping (no name, its
 * protection), a file mapping (its path), and an address in neither. */
static void test_mapping_at_reads_proc_maps(void **state)
{
    (void)state;
    trace_mapping m;
    char *a = mmap(NULL, 3 * 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(a != MAP_FAILED);
    /* the middle page on its own: a mapping of one page */
    assert_int_equal(mprotect(a + 4096, 4096, PROT_READ), 0);
    assert_true(trace_mapping_at(getpid(), (uint64_t)(uintptr_t)a + 5000, &m));
    assert_true(m.lo == (uint64_t)(uintptr_t)a + 4096);
    assert_true(m.hi == m.lo + 4096);
    assert_string_equal(m.perms, "r--p");
    assert_string_equal(m.path, "");
    int fd = open("/etc/passwd", O_RDONLY);
    assert_true(fd >= 0);
    void *f = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, fd, 0);
    assert_true(f != MAP_FAILED);
    assert_true(trace_mapping_at(getpid(), (uint64_t)(uintptr_t)f, &m));
    assert_string_equal(m.path, "/etc/passwd");
    munmap(f, 4096);
    close(fd);
    munmap(a, 3 * 4096);
    assert_false(trace_mapping_at(getpid(), (uint64_t)(uintptr_t)a, &m));
    assert_false(trace_mapping_at(getpid(), 0, &m));
}

/* The kernel's answer (PROCMAP_QUERY, where it has it) and the text of
 * /proc/PID/maps agree: bounds, protection and name of an anonymous
 * mapping, a file, a deleted file, the heap, the stack, the vDSO, this
 * code, and an address nothing maps. */
static void test_mapping_at_agrees_with_the_text(void **state)
{
    (void)state;
    char path[] = "/tmp/rrt-test-mapq-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, 8192), 0);
    void *del = mmap(NULL, 8192, PROT_READ, MAP_SHARED, fd, 0);
    assert_true(del != MAP_FAILED);
    unlink(path);
    close(fd);
    char *a = mmap(NULL, 4096, PROT_READ | PROT_EXEC,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(a != MAP_FAILED);
    char *heap = malloc(64);
    int on_stack = 0;
    uint64_t vdso = 0;
    FILE *maps = fopen("/proc/self/maps", "re");
    char line[512];
    while (maps && fgets(line, sizeof(line), maps))
        if (strstr(line, "[vdso]"))
            vdso = strtoull(line, NULL, 16);
    if (maps)
        fclose(maps);
    const uint64_t addrs[] = {
        (uint64_t)(uintptr_t)del,
        (uint64_t)(uintptr_t)a + 100,
        (uint64_t)(uintptr_t)heap,
        (uint64_t)(uintptr_t)&on_stack,
        vdso,
        (uint64_t)(uintptr_t)&test_mapping_at_agrees_with_the_text,
        (uint64_t)(uintptr_t)a + 4096 * 1000000ull,
        8};
    for (size_t i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
        trace_mapping q, t;
        memset(&q, 0x55, sizeof(q));
        memset(&t, 0x55, sizeof(t));
        bool fq = trace_mapping_at(getpid(), addrs[i], &q);
        bool ft = trace_mapping_at_text(getpid(), addrs[i], &t);
        assert_int_equal(fq, ft);
        if (!fq)
            continue;
        assert_true(q.lo == t.lo && q.hi == t.hi);
        assert_string_equal(q.perms, t.perms);
        assert_string_equal(q.path, t.path);
    }
    free(heap);
    munmap(a, 4096);
    munmap(del, 8192);
}

int main(void)
{
    if (trace_cpuid_mode_resolve(TRACE_CPUID_AUTO) != TRACE_CPUID_FAULT)
        printf("note: this host has no CPUID faulting (arch_prctl "
               "ARCH_SET_CPUID); its test is skipped\n");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spawn_disables_aslr_and_stops_before_exec),
        cmocka_unit_test(test_spawn_makes_rdtsc_trap),
        cmocka_unit_test(test_seccomp_wall_kills_an_unlisted_call),
        cmocka_unit_test(test_memory_reads_and_writes_the_stack),
        cmocka_unit_test(test_injected_syscall_returns_and_restores_registers),
        cmocka_unit_test(test_injected_syscall_keeps_a_pending_signal),
        cmocka_unit_test(test_fork_stopped_keeps_a_pending_signal),
        cmocka_unit_test(test_map_path_maps_a_file_and_restores_the_tracee),
        cmocka_unit_test(test_exec_fixup_hides_vdso_and_sets_at_random),
        cmocka_unit_test(test_trap_insn_names_each_instruction),
        cmocka_unit_test(test_patch_all_replaces_every_cpuid_with_ud2),
        cmocka_unit_test(test_patch_all_finds_xgetbv_by_kind),
        cmocka_unit_test(test_cpuid_faulting_traps_cpuid),
        cmocka_unit_test(test_self_fault_survives_its_own_cpuid),
        cmocka_unit_test(test_frame_build_and_sigreturn_match_the_kernel),
        cmocka_unit_test(test_frame_in_a_larger_layout_restores_vector_state),
        cmocka_unit_test(test_task_list_adds_finds_and_removes),
        cmocka_unit_test(test_syscall_table_names_modes_and_outputs),
        cmocka_unit_test(test_syscall_table_covers_linux_6),
        cmocka_unit_test(test_syscall_number_is_the_low_32_bits),
        cmocka_unit_test(test_execveat_path_is_the_kernels),
        cmocka_unit_test(test_ioctl_outputs_follow_the_encoding),
        cmocka_unit_test(test_syscall_args_follow_the_abi),
        cmocka_unit_test(test_mapping_at_reads_proc_maps),
        cmocka_unit_test(test_mapping_at_agrees_with_the_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
