/* corpus: a child cloned into a new user namespace; replay unshares nothing */
#include <sched.h>
#include <signal.h>
#include <sys/wait.h>
#include "sys_common.h"

int main(void)
{
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) {
        printf("child uid: %d\n", (int)getuid());
        fflush(stdout);
        _exit(7);
    }
    if (pid < 0) {
        show("clone", pid);
        return corpus_ok();
    }
    int st;
    need(waitpid((pid_t)pid, &st, 0) == pid, "waitpid");
    printf("child exit: %d\n", WEXITSTATUS(st));
    return corpus_ok();
}
