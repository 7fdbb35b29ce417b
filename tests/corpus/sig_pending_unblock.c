/* corpus: a blocked signal stays pending (sigpending), and its handler runs
 * when sigprocmask unblocks it */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static volatile int hits;

static void on_usr1(int sig)
{
    (void)sig;
    hits++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sigset_t set, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigprocmask(SIG_BLOCK, &set, NULL);
    raise(SIGUSR1);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("pending %d hits %d\n", sigismember(&pend, SIGUSR1), hits);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    printf("after unblock hits %d\n", hits);
    if (hits != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
