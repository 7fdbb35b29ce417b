/* corpus: unshare(CLONE_NEWUSER | CLONE_NEWPID): the next child is pid 1 */
#include <sched.h>
#include <sys/wait.h>
#include "sys_common.h"

int main(void)
{
    if (unshare(CLONE_NEWUSER | CLONE_NEWPID) != 0) {
        printf("unshare: %s\n", strerrorname_np(errno));
        return corpus_ok();
    }
    pid_t c = fork();
    if (c == 0) {
        printf("child pid: %d\n", (int)getpid());
        fflush(stdout);
        _exit(3);
    }
    int st;
    need(waitpid(c, &st, 0) == c, "waitpid");
    printf("child exit: %d\n", WEXITSTATUS(st));
    return corpus_ok();
}
