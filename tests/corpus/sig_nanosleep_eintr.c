/* corpus: nanosleep interrupted by a handled SIGALRM: EINTR and the time left
 * written back */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static void on_alrm(int sig)
{
    (void)sig;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 30000}};
    setitimer(ITIMER_REAL, &it, NULL);
    struct timespec req = {5, 0}, left = {0, 0};
    int r = nanosleep(&req, &left);
    int e = errno;
    printf("nanosleep %d %s, left between 4 and 5 s: %d\n", r,
           e == EINTR ? "EINTR" : "?", left.tv_sec == 4);
    if (r != -1 || e != EINTR || left.tv_sec != 4)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
