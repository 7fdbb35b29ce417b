/* corpus: SIGPIPE ignored: a write to a pipe with no reader fails with EPIPE;
 * caught: the handler sees it */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static volatile int caught;

static void on_pipe(int sig)
{
    (void)sig;
    caught++;
}

int main(void)
{
    int p[2];
    if (pipe(p) != 0)
        return 2;
    close(p[0]);
    signal(SIGPIPE, SIG_IGN);
    ssize_t a = write(p[1], "x", 1);
    int ea = errno;
    signal(SIGPIPE, on_pipe);
    ssize_t b = write(p[1], "x", 1);
    int eb = errno;
    printf("ignored: %zd %s; caught: %zd %s, handler %d\n", a,
           ea == EPIPE ? "EPIPE" : "?", b, eb == EPIPE ? "EPIPE" : "?", caught);
    if (a != -1 || ea != EPIPE || b != -1 || eb != EPIPE || caught != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
