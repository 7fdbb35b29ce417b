/* corpus: a read on an empty pipe interrupted by a SA_RESTART handler that
 * writes to the pipe: the read restarts and gets the byte */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static int p[2];
static volatile int rang;

static void on_alrm(int sig)
{
    (void)sig;
    rang++;
    write(p[1], "x", 1);
}

int main(void)
{
    if (pipe(p) != 0)
        return 2;
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_alrm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, NULL);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, NULL);
    char c = 0;
    ssize_t n = read(p[0], &c, 1);
    printf("read %zd '%c' rang %d\n", n, c, rang);
    if (n != 1 || c != 'x' || rang != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
