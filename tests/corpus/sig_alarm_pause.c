/* corpus: alarm(1) then pause(): SIGALRM's handler runs, pause returns EINTR */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile int rang;

static void on_alrm(int sig)
{
    (void)sig;
    rang++;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    alarm(1);
    int r = pause();
    int e = errno;
    printf("pause %d errno %s rang %d\n", r, e == EINTR ? "EINTR" : "?", rang);
    if (r != -1 || e != EINTR || rang != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
