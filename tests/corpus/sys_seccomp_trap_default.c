/* corpus: SECCOMP_RET_TRAP without a SIGSYS handler: the child dies of SIGSYS
 */
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "sys_common.h"
#include "sys_seccomp.h"

int main(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit(RLIMIT_CORE, &no_core);
        if (filter_one(SYS_getpgrp, SECCOMP_RET_TRAP, 0) != 0)
            _exit(2);
        syscall(SYS_getpgrp);
        _exit(0);
    }
    int st;
    need(waitpid(c, &st, 0) == c, "waitpid");
    printf("signaled: %d, signal %d\n", WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    need(WIFSIGNALED(st) && WTERMSIG(st) == SIGSYS, "SIGSYS");
    return corpus_ok();
}
