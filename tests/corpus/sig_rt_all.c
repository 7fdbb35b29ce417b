/* corpus: every real-time signal number, SIGRTMIN to SIGRTMAX (64), raised and
 * caught */
#include <signal.h>
#include <stdio.h>

static volatile int caught[65];

static void on_rt(int sig)
{
    caught[sig]++;
}

int main(void)
{
    int n = 0;
    for (int i = SIGRTMIN; i <= SIGRTMAX; i++) {
        signal(i, on_rt);
        raise(i);
    }
    for (int i = SIGRTMIN; i <= SIGRTMAX; i++)
        n += caught[i];
    printf("caught %d of %d, the last is %d\n", n, SIGRTMAX - SIGRTMIN + 1,
           caught[64]);
    if (n != SIGRTMAX - SIGRTMIN + 1 || caught[64] != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
