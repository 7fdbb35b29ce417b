/* corpus: a handler blocks SIGUSR2 with sigprocmask and returns: sigreturn
 * restores the mask it interrupted */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void on_usr1(int sig)
{
    sigset_t set;
    (void)sig;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
}

int main(void)
{
    signal(SIGUSR1, on_usr1);
    raise(SIGUSR1);
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    printf("after the handler: USR2 blocked %d, USR1 blocked %d\n",
           sigismember(&now, SIGUSR2), sigismember(&now, SIGUSR1));
    if (sigismember(&now, SIGUSR2) || sigismember(&now, SIGUSR1))
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
