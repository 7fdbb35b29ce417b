/* The program's own seccomp filters. They are installed for real at record
 * time (seccomp(2), prctl(PR_SET_SECCOMP)) and act on the calls that
 * follow: SECCOMP_RET_ERRNO fails a call without running it (an ordinary
 * recorded result), SECCOMP_RET_TRAP skips it and sends SIGSYS,
 * SECCOMP_RET_KILL_* kills. Replay installs nothing: it reproduces what
 * the filter did from the recorded results and signals. A trapped call
 * must then not be run at replay, nor its "outputs" written: the kernel
 * rolled its result back to the call's number, which looks like success. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>

#include "recorderi.h"

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
