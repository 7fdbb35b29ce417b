/* corpus: sigtimedwait for SIGUSR2 is interrupted by a handled SIGALRM: EINTR
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static volatile int rang;

static void on_alrm(int sig)
{
    (void)sig;
    rang = 1;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    struct itimerval it = {{0, 0}, {0, 20000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec ts = {5, 0};
    int r = sigtimedwait(&set, NULL, &ts);
    int e = errno;
    printf("sigtimedwait %d %s rang %d\n", r, e == EINTR ? "EINTR" : "?", rang);
    if (r != -1 || e != EINTR || !rang)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
