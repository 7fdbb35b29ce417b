/* corpus: a prctl(PR_SET_SECCOMP) filter traps mprotect: the call is skipped */
#include <signal.h>
#include <sys/mman.h>
#include "sys_common.h"
#include "sys_seccomp.h"

static volatile int trapped;

static void on_sys(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    trapped = si->si_syscall;
}

int main(void)
{
    struct sigaction sa = {0};
    sa.sa_sigaction = on_sys;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSYS, &sa, NULL);
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    need(p != MAP_FAILED, "mmap");
    show("prctl", filter_one(SYS_mprotect, SECCOMP_RET_TRAP, 1));
    show("prctl get mode", prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
    long r = syscall(SYS_mprotect, p, 4096, PROT_READ);
    printf("mprotect returned its number: %d, SIGSYS for %d\n",
           r == SYS_mprotect, trapped);
    p[0] = 'w'; /* still writable: the call did not run */
    printf("page still writable: %c\n", p[0]);
    need(trapped == SYS_mprotect, "trapped");
    return corpus_ok();
}
