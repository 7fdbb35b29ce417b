/* Starting a tracee in the deterministic set-up both engines need: no
 * ASLR, pinned, RDTSC trapping, optionally replay's seccomp wall. */
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
/* Starting a tracee                                                  */

/* Replay's second wall: besides the calls replay executes for real, only
 * syscall number -1 (what replay turns emulated calls into) may run. */
static const int wall_allowed[] = {
    SYS_execve,
    SYS_mmap,
    SYS_munmap,
    SYS_mprotect,
    SYS_brk,
    SYS_mremap,
    SYS_madvise,
    SYS_arch_prctl,
    SYS_rt_sigaction,
    SYS_rt_sigprocmask,
    SYS_rt_sigreturn,
    SYS_sigaltstack,
    SYS_set_tid_address,
    SYS_set_robust_list,
    SYS_exit,
    SYS_exit_group,
    SYS_clone,
    SYS_fork,
    SYS_vfork,
    SYS_rt_sigsuspend,
};
#define N_WALL (sizeof(wall_allowed) / sizeof(wall_allowed[0]))

/* Lets call nr through when the low word of its argument arg is
 * TRACE_WALL_MAGIC (replay's own calls, injected), kills otherwise; other
 * calls go on to the next check with nr loaded. */
static size_t wall_magic(struct sock_filter *f, int nr, int arg)
{
    size_t n = 0;
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          (uint32_t)nr, 0, 4);
    f[n++] = (struct sock_filter)BPF_STMT(
        BPF_LD | BPF_W | BPF_ABS,
        (uint32_t)(offsetof(struct seccomp_data, args) + 8 * (size_t)arg));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          TRACE_WALL_MAGIC, 0, 1);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    f[n++] =
        (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    return n;
}

static int install_wall(void)
{
    struct sock_filter f[4 + 10 + N_WALL + 3];
    size_t n = 0;
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, arch));
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          AUDIT_ARCH_X86_64, 1, 0);
    f[n++] =
        (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                                          offsetof(struct seccomp_data, nr));
    /* replay opens its copies of shared files in the tracee: openat with
     * the magic as dirfd (ignored for an absolute path), close with it as
     * an (ignored) second argument */
    n += wall_magic(f + n, SYS_openat, 0);
    n += wall_magic(f + n, SYS_close, 1);
    /* Jump offsets count from the next instruction to the ALLOW at the
     * end: the remaining compares, then the KILL. */
    uint8_t left = (uint8_t)(N_WALL + 1);
    f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K,
                                          0xffffffffu, left, 0);
    for (size_t i = 0; i < N_WALL; i++) {
        left--;
        f[n++] = (struct sock_filter)BPF_JUMP(
            BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)wall_allowed[i], left, 0);
    }
    f[n++] =
        (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS);
    f[n++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* Record with the syscall buffer: calls made from the library's one
 * untraced `syscall` instruction (seccomp_data.instruction_pointer is the
 * address after it) run without a stop; every other call stops the task
 * for the recorder (PTRACE_EVENT_SECCOMP), which then resumes it with
 * PTRACE_SYSCALL to see the call's exit. Programs that install their own
 * filter stack theirs on this one. Sets no_new_privs, as any unprivileged
 * filter must (visible in /proc/self/status as NoNewPrivs: 1). */
static int install_sb_filter(uint64_t ip)
{
    struct sock_filter f[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, instruction_pointer)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)ip, 0, 3),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
                 offsetof(struct seccomp_data, instruction_pointer) + 4),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, (uint32_t)(ip >> 32), 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_TRACE),
    };
    struct sock_fprog prog = {.len = sizeof(f) / sizeof(f[0]), .filter = f};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
        return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog, 0, 0);
}

/* The kernel's struct sigaction for rt_sigaction(2): a raw call, so that
 * signals 32 and 33, which glibc keeps for itself, are set too. */
struct ksigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    uint64_t mask;
};

void trace_signals_now(uint64_t *ignored, uint64_t *blocked)
{
    uint64_t set = 0, mask = 0;
    for (int sig = 1; sig <= 64; sig++) {
        struct ksigaction ka;
        if (syscall(SYS_rt_sigaction, sig, NULL, &ka, sizeof(uint64_t)) == 0 &&
            ka.handler == SIG_IGN)
            set |= 1ull << (sig - 1);
    }
    if (syscall(SYS_rt_sigprocmask, SIG_BLOCK, NULL, &mask, sizeof(uint64_t)) !=
        0)
        mask = 0;
    *ignored = set;
    *blocked = mask;
}

static void set_signals(const trace_spawn_opts *o)
{
    for (int sig = 1; sig <= 64; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP)
            continue;
        struct ksigaction ka = {0};
        ka.handler = (o->ignored >> (sig - 1)) & 1 ? SIG_IGN : SIG_DFL;
        syscall(SYS_rt_sigaction, sig, &ka, NULL, sizeof(uint64_t));
    }
    uint64_t mask = o->blocked;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &mask, NULL, sizeof(mask));
}

static void child_setup(const trace_spawn_opts *o)
{
    if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0)
        _exit(126);
    if (o->own_pgrp)
        setpgid(0, 0);
    personality(ADDR_NO_RANDOMIZE);
    if (o->cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(o->cpu, &set);
        sched_setaffinity(0, sizeof(set), &set);
    }
    /* RDTSC/RDTSCP now raise SIGSEGV; the setting survives execve. */
    if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
        _exit(126);
    raise(SIGSTOP);
    if (o->set_signals)
        set_signals(o);
    if (o->seccomp_wall && install_wall() != 0)
        _exit(126);
    if (o->sb_allow_ip && install_sb_filter(o->sb_allow_ip) != 0)
        _exit(126);
    execve(o->path, o->argv, o->envp);
    if (!o->seccomp_wall)
        dprintf(2, "rrt: cannot execute %s: %s\n", o->path, strerror(errno));
    _exit(127);
}

pid_t trace_spawn(const trace_spawn_opts *o)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child_setup(o);
    /* both sides set the group: whichever runs first, it is set before
     * the tracer hands the terminal to it */
    if (o->own_pgrp)
        setpgid(pid, pid);
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st) ||
        WSTOPSIG(st) != SIGSTOP) {
        kill(pid, SIGKILL);
        errno = ECHILD;
        return -1;
    }
    long opts = PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
                PTRACE_O_TRACEFORK | PTRACE_O_TRACEVFORK | PTRACE_O_TRACECLONE |
                PTRACE_O_EXITKILL |
                (o->sb_allow_ip ? PTRACE_O_TRACESECCOMP : 0);
    if (ptrace(PTRACE_SETOPTIONS, pid, NULL, (void *)opts) != 0) {
        int e = errno;
        kill(pid, SIGKILL);
        errno = e;
        return -1;
    }
    return pid;
}
