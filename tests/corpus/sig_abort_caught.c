/* corpus: abort() with a SIGABRT handler that siglongjmps out of it */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static sigjmp_buf env;
static volatile int caught;

static void on_abrt(int sig)
{
    (void)sig;
    caught++;
    siglongjmp(env, 1);
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_abrt;
    sigaction(SIGABRT, &sa, NULL);
    if (sigsetjmp(env, 1) == 0)
        abort();
    printf("abort caught %d\n", caught);
    if (caught != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
