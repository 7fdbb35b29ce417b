/* corpus: alarm(1) during sleep(10): the SA_SIGINFO handler prints and exits
 * the program */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void on_alrm(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    printf("SIGALRM %d code %d\n", sig == SIGALRM, si->si_code);
    printf("rrt-corpus: ok\n");
    exit(0);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_alrm;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    sleep(10);
    printf("sleep ended without the alarm\n");
    return 1;
}
