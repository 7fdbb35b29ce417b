/* corpus: a worker thread faults and its SIGSEGV handler siglongjmps out, in
 * the thread */
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static __thread sigjmp_buf env;
static pthread_t worker_th;
static volatile int in_worker, counter;

static void on_segv(int sig)
{
    (void)sig;
    in_worker = pthread_equal(pthread_self(), worker_th);
    siglongjmp(env, 1);
}

static void *worker(void *arg)
{
    (void)arg;
    for (int i = 0; i < 3; i++)
        if (sigsetjmp(env, 1) == 0) {
            counter += 2;
            *(volatile int *)(64 * (i + 1)) = 1;
        }
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    pthread_create(&worker_th, NULL, worker, NULL);
    pthread_join(worker_th, NULL);
    printf("in the worker %d, counter %d\n", in_worker, counter);
    if (!in_worker || counter != 6)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
