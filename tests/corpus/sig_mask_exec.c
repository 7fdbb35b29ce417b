/* corpus: the signal mask, an ignored signal and a pending signal survive
 * execve */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "child") == 0) {
        sigset_t now, pend;
        sigprocmask(SIG_BLOCK, NULL, &now);
        sigpending(&pend);
        struct sigaction sa;
        sigaction(SIGUSR2, NULL, &sa);
        printf("after exec: USR1 blocked %d, RTMIN+1 blocked %d, TERM blocked "
               "%d\n",
               sigismember(&now, SIGUSR1), sigismember(&now, SIGRTMIN + 1),
               sigismember(&now, SIGTERM));
        printf("USR2 ignored %d, USR1 pending %d\n", sa.sa_handler == SIG_IGN,
               sigismember(&pend, SIGUSR1));
        if (!sigismember(&now, SIGUSR1) || !sigismember(&now, SIGRTMIN + 1) ||
            sigismember(&now, SIGTERM) || sa.sa_handler != SIG_IGN ||
            !sigismember(&pend, SIGUSR1))
            return 1;
        printf("rrt-corpus: ok\n");
        return 0;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGRTMIN + 1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGUSR2, SIG_IGN);
    kill(getpid(), SIGUSR1);
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "child", (char *)NULL);
    return 3;
}
