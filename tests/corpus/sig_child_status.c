/* corpus: children die of SIGSEGV, SIGABRT (core dump allowed) and SIGKILL; the
 * parent's waitpid statuses and SIGCHLD siginfo say so */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile int chld_code, chld_status;

static void on_chld(int sig, siginfo_t *si, void *uc)
{
    (void)sig, (void)uc;
    chld_code = si->si_code;
    chld_status = si->si_status;
}

static int run(int how)
{
    pid_t c = fork();
    if (c == 0) {
        if (how == 0)
            *(volatile int *)8 = 1;
        if (how == 1) {
            struct rlimit rl = {1 << 20, 1 << 20};
            setrlimit(RLIMIT_CORE, &rl);
            abort();
        }
        kill(getpid(), SIGKILL);
        _exit(0);
    }
    int st;
    if (waitpid(c, &st, 0) != c)
        return -1;
    return st;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_chld;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigaction(SIGCHLD, &sa, NULL);
    fflush(stdout);
    int a = run(0), b = run(1), c = run(2);
    printf("segv: signaled %d sig %d\n", WIFSIGNALED(a), WTERMSIG(a));
    printf("abrt: signaled %d sig %d\n", WIFSIGNALED(b), WTERMSIG(b));
    printf("kill: signaled %d sig %d\n", WIFSIGNALED(c), WTERMSIG(c));
    printf("last SIGCHLD code %d status %d\n", chld_code, chld_status);
    if (WTERMSIG(a) != SIGSEGV || WTERMSIG(b) != SIGABRT ||
        WTERMSIG(c) != SIGKILL || chld_code != CLD_KILLED ||
        chld_status != SIGKILL)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
