/* corpus: sigsuspend lets in only what its mask allows; the handler sees the
 * suspend mask, the old mask is back after */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int usr1, usr2, usr2_blocked_in_handler;

static void on_sig(int sig)
{
    sigset_t now;
    sigprocmask(SIG_BLOCK, NULL, &now);
    if (sig == SIGUSR1) {
        usr1++;
        usr2_blocked_in_handler = sigismember(&now, SIGUSR2);
    } else {
        usr2++;
    }
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_sig;
    sigaction(SIGUSR1, &sa, NULL);
    sigaction(SIGUSR2, &sa, NULL);
    sigset_t both, only1, after;
    sigemptyset(&both);
    sigaddset(&both, SIGUSR1);
    sigaddset(&both, SIGUSR2);
    sigprocmask(SIG_BLOCK, &both, NULL);
    kill(getpid(), SIGUSR2);
    kill(getpid(), SIGUSR1);
    sigfillset(&only1);
    sigdelset(&only1, SIGUSR1);
    sigsuspend(&only1);
    sigprocmask(SIG_BLOCK, NULL, &after);
    printf("usr1 %d usr2 %d, usr2 blocked in the handler %d, both blocked "
           "after %d\n",
           usr1, usr2, usr2_blocked_in_handler,
           sigismember(&after, SIGUSR1) && sigismember(&after, SIGUSR2));
    if (usr1 != 1 || usr2 != 0 || !usr2_blocked_in_handler)
        return 1;
    sigprocmask(SIG_UNBLOCK, &both, NULL);
    printf("after unblocking usr2 %d\n", usr2);
    if (usr2 != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
