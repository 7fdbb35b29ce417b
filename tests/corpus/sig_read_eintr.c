/* corpus: a read on an empty pipe interrupted by SIGALRM without SA_RESTART: -1
 * EINTR */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile int rang;

static void on_alrm(int sig)
{
    (void)sig;
    rang = 1;
}

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char c;
    ssize_t n = read(p[0], &c, 1);
    int e = errno;
    printf("read %zd %s rang %d\n", n, e == EINTR ? "EINTR" : strerror(e),
           rang);
    if (n != -1 || e != EINTR || !rang)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
