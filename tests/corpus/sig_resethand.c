/* corpus: SA_RESETHAND: the handler runs once and the action is back to SIG_DFL
 */
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
    struct sigaction sa, now;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, NULL);
    raise(SIGUSR1);
    sigaction(SIGUSR1, NULL, &now);
    printf("hits %d, default now %d\n", hits, now.sa_handler == SIG_DFL);
    if (hits != 1 || now.sa_handler != SIG_DFL)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
