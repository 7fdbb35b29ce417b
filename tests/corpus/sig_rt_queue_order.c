/* corpus: five queued instances of two real-time signals, blocked then
 * released: each delivered, lower number first, in queue order */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int seen[16], n;

static void on_rt(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (n < 16)
        seen[n++] = (sig - SIGRTMIN) * 100 + si->si_value.sival_int;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_rt;
    sa.sa_flags = SA_SIGINFO;
    /* each handler blocks both, so they run one after the other */
    sigemptyset(&sa.sa_mask);
    sigaddset(&sa.sa_mask, SIGRTMIN + 1);
    sigaddset(&sa.sa_mask, SIGRTMIN + 2);
    sigaction(SIGRTMIN + 1, &sa, NULL);
    sigaction(SIGRTMIN + 2, &sa, NULL);
    sigset_t set, old;
    sigemptyset(&set);
    sigaddset(&set, SIGRTMIN + 1);
    sigaddset(&set, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &set, &old);
    for (int i = 0; i < 5; i++) {
        sigqueue(getpid(), SIGRTMIN + 2, (union sigval){.sival_int = i});
        sigqueue(getpid(), SIGRTMIN + 1, (union sigval){.sival_int = 10 + i});
    }
    sigprocmask(SIG_SETMASK, &old, NULL);
    for (int i = 0; i < n; i++)
        printf("%d ", seen[i]);
    printf("\n");
    if (n != 10 || seen[0] != 110 || seen[4] != 114 || seen[5] != 200 ||
        seen[9] != 204)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
