/* corpus: seccomp(SECCOMP_SET_MODE_STRICT) in a child: write works, getppid
 * kills */
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include "sys_common.h"

int main(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        if (syscall(SYS_seccomp, SECCOMP_SET_MODE_STRICT, 0, NULL) != 0)
            _exit(2);
        static const char msg[] = "child in strict mode\n";
        syscall(SYS_write, 1, msg, sizeof(msg) - 1);
        syscall(SYS_getppid);
        syscall(SYS_exit, 0);
    }
    int st;
    need(waitpid(c, &st, 0) == c, "waitpid");
    printf("child killed: %d by %d\n", WIFSIGNALED(st),
           WIFSIGNALED(st) ? WTERMSIG(st) : -1);
    need(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "SIGKILL");
    return corpus_ok();
}
