/* corpus: nested handlers: SIGUSR1's handler raises SIGUSR2, and a SA_NODEFER
 * handler re-raises itself */
#include <signal.h>
#include <stdio.h>
#include <string.h>

static char trace[64];
static volatile int n;

static void on_usr2(int sig)
{
    (void)sig;
    trace[n++] = '2';
}

static void on_usr1(int sig)
{
    (void)sig;
    trace[n++] = '1';
    raise(SIGUSR2);
    trace[n++] = 'e';
}

static volatile int depth;

static void on_urg(int sig)
{
    trace[n++] = 'u';
    if (++depth < 4)
        raise(sig);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    sa.sa_handler = on_urg;
    sa.sa_flags = SA_NODEFER;
    sigaction(SIGURG, &sa, NULL);
    raise(SIGUSR1);
    raise(SIGURG);
    printf("%s\n", trace);
    if (strcmp(trace, "12euuuu") != 0)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
