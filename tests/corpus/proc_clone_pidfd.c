/* corpus: clone(CLONE_PIDFD): the kernel writes a pidfd for the child;
 * waitid(P_PIDFD) on it */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x1000
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int main(void)
{
    /* a few descriptors first, so the pidfd's number means something */
    for (int i = 0; i < 3; i++)
        if (open("/dev/null", O_RDONLY) < 0)
            return 1;
    int pidfd = -1;
    long c = syscall(SYS_clone, CLONE_PIDFD | SIGCHLD, 0, &pidfd, 0, 0);
    if (c == 0)
        _exit(6);
    if (c < 0 || pidfd < 0)
        return 2;
    siginfo_t si = {0};
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &si, WEXITED) != 0)
        return 3;
    if (si.si_pid != c || si.si_status != 6)
        return 4;
    printf("pidfd %d saw the child exit 6\n", pidfd);
    printf("rrt-corpus: ok\n");
    return 0;
}
