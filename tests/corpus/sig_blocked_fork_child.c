/* corpus: a forked child inherits a blocked SIGSEGV (with a handler) and
 * faults: the kernel forces its death, the parent sees SIGSEGV */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void on_segv(int sig)
{
    (void)sig;
    write(1, "handler ran\n", 12);
    _exit(3);
}

int main(void)
{
    signal(SIGSEGV, on_segv);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, NULL);
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        *(volatile int *)8 = 1;
        _exit(77);
    }
    int st;
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("child killed by SIGSEGV %d\n",
           WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
