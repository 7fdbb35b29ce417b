/* corpus: SECCOMP_RET_TRAP skips the call and delivers SIGSYS to a handler */
#include <signal.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static volatile int seen_nr = -1, seen_code = -1;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    seen_nr = si->si_syscall;
    seen_code = si->si_code;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    show("seccomp", filter_one(SYS_getpgrp, SECCOMP_RET_TRAP, 0));
    long r = syscall(SYS_getpgrp);
    printf("getpgrp returned the call's number: %d\n", r == SYS_getpgrp);
    printf("SIGSYS for syscall %d, code %d\n", seen_nr, seen_code);
    need(seen_nr == SYS_getpgrp, "trapped");
    return corpus_ok();
}
