/* corpus: exit=139 a fault while SIGSEGV is blocked (a handler installed): the
 * kernel forces it, death */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static void on_segv(int sig)
{
    (void)sig;
    printf("handler ran\n");
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigprocmask(SIG_BLOCK, &set, NULL);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    *(volatile int *)8 = 1;
    return 0;
}
