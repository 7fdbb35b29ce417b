/* The program's own seccomp filters. They are installed for real at record
 * time (seccomp(2), prctl(PR_SET_SECCOMP)) and act on the calls that
 * follow: SECCOMP_RET_ERRNO fails a call without running it (an ordinary
 * recorded result), SECCOMP_RET_TRAP skips it and sends SIGSYS,
 * SECCOMP_RET_KILL_* kills. Replay installs nothing: it reproduces what
 * the filter did from the recorded results and signals. A trapped call
 * must then not be run at replay, nor its "outputs" written: the kernel
 * rolled its result back to the call's number, which looks like success. */
#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "recorderi.h"
#include "syscallbuf.h"

#ifndef SYS_SECCOMP
#define SYS_SECCOMP 1 /* si_code of a seccomp SIGSYS */
#endif

bool rec_seccomp_skipped(rtask *t, const struct user_regs_struct *regs)
{
    /* SECCOMP_RET_TRAP leaves rax = orig_rax (syscall_rollback) */
    if (t->forced || regs->rax != regs->orig_rax)
        return false;
    struct {
        uint64_t off;
        uint32_t flags;
        int32_t nr;
    } args = {0, 0, 1}; /* the thread's own queue, where the SIGSYS goes */
    uint8_t si[128];
    if (ptrace(PTRACE_PEEKSIGINFO, t->base.tid, &args, si) != 1)
        return false;
    int32_t signo, code, sc;
    memcpy(&signo, si, 4);
    memcpy(&code, si + 8, 4);
    memcpy(&sc, si + 24, 4); /* _sigsys: _call_addr at 16, _syscall at 24 */
    return signo == SIGSYS && code == SYS_SECCOMP && sc == (int32_t)t->nr;
}

/* Whether tid runs under a seccomp filter (/proc status "Seccomp: 2"). */
static bool filtered(pid_t tid)
{
    char path[64], line[128];
    bool yes = false;
    snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
    FILE *f = fopen(path, "re");
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "Seccomp:", 8) == 0) {
            yes = strtol(line + 8, NULL, 10) == 2;
            break;
        }
    if (f)
        fclose(f);
    return yes;
}

void rec_skip_call(rtask *t, struct user_regs_struct *regs)
{
    if (!filtered(t->base.tid) || !trace_syscall_defuse(t->nr, regs))
        regs->orig_rax = (uint64_t)-1;
}

/* ------------------------------------------------------------------ */
/* The syscall buffer's filter and the program's own (spec/events.md 5) */

int rec_seccomp_entry(recorder *r, rtask *t, struct user_regs_struct *regs)
{
    if (!r->o->syscall_buffer)
        return 0;
    long nr = t->nr;
    if (t->strict) {
        /* strict mode allows these four; the kernel ends the task with
         * SIGKILL at any other call (do_exit), here its process */
        if (nr == SYS_read || nr == SYS_write || nr == SYS_exit ||
            nr == SYS_rt_sigreturn)
            return 0;
        regs->orig_rax = (uint64_t)-1;
        ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
        if (syscall(SYS_tgkill, trace_tgid(t->base.tid), t->base.tid,
                    SIGKILL) == 0)
            return 1;
        rec_fail(r, "process %d: cannot end it in strict mode: %s",
                 (int)t->base.tid, strerror(errno));
        return -1;
    }
    if (t->own_filter)
        return 0; /* the kernel answers as it would without ours */
    /* Strict mode cannot be entered on top of a filter (EINVAL): the
     * recorder enters it in the kernel's place, and PR_GET_SECCOMP says
     * what it would say without the buffer's filter. */
    bool strict =
        (nr == SYS_seccomp && t->args[0] == SECCOMP_SET_MODE_STRICT) ||
        (nr == SYS_prctl && t->args[0] == PR_SET_SECCOMP &&
         t->args[1] == SECCOMP_MODE_STRICT);
    bool get = nr == SYS_prctl && t->args[0] == PR_GET_SECCOMP;
    if (!strict && !get)
        return 0;
    t->forced = true;
    t->forced_ret = 0;
    if (nr == SYS_seccomp && (t->args[1] || t->args[2]))
        t->forced_ret = -EINVAL; /* flags and args must be 0 */
    rec_skip_call(t, regs);
    ptrace(PTRACE_SETREGS, t->base.tid, NULL, regs);
    return 0;
}

bool rec_seccomp_exit(recorder *r, rtask *t, const rrt_ev_syscall *e)
{
    if (!r->o->syscall_buffer || !trace_sb_seccomp_set(t->nr, t->args, e->ret))
        return true;
    bool strict = t->forced; /* only strict mode is entered by the recorder */
    bool tsync =
        t->nr == SYS_seccomp && (t->args[1] & SECCOMP_FILTER_FLAG_TSYNC);
    pid_t tgid = trace_tgid(t->base.tid);
    /* From now on each call stops at its entry (PTRACE_SYSCALL), which the
     * kernel reports before any filter runs: the program's own may answer
     * a call before ours could make it stop. Its threads (TSYNC) too. */
    for (trace_task *b = r->tasks; b; b = b->next) {
        rtask *u = (rtask *)b;
        if (u == t || (tsync && trace_tgid(u->base.tid) == tgid)) {
            u->seccomp = false;
            u->own_filter = true;
        }
    }
    t->strict = strict;
    if (!trace_sb_ctl_flag(t->base.memfd, offsetof(struct sb_ctl, off)))
        return rec_fail(r, "process %d: cannot turn its syscall buffer off",
                        (int)t->base.tid);
    return true;
}
