/* corpus: a thread overflows its own stack; the SIGSEGV handler runs on that
 * thread's alternate stack and siglongjmps out */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static __thread sigjmp_buf env;
static __thread char *alt;
static volatile int on_alt, caught;

static void on_segv(int sig)
{
    char here;
    (void)sig;
    on_alt = &here > alt && &here < alt + 65536;
    caught++;
    siglongjmp(env, 1);
}

static int recurse(volatile char *prev, int depth)
{
    volatile char buf[512];
    buf[0] = (char)depth;
    buf[511] = prev ? prev[0] : 0;
    return recurse(buf, depth + 1) + buf[3];
}

static void *worker(void *arg)
{
    (void)arg;
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    if (sigsetjmp(env, 1) == 0)
        recurse(NULL, 0);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setstacksize(&at, 256 * 1024);
    pthread_t th;
    pthread_create(&th, &at, worker, NULL);
    pthread_join(th, NULL);
    printf("caught %d on the thread's alternate stack %d\n", caught, on_alt);
    if (caught != 1 || !on_alt)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
