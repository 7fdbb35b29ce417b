/* A tracee for the gdb tests: a second thread computes a value in a
 * function gdb breaks on; the main thread waits for it. Built with -g. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static long worker_result;

long in_worker(long x)
{
    return x * 3 + 1;
}

static void *worker(void *arg)
{
    long v = (long)arg;
    worker_result = in_worker(v);
    return NULL;
}

int main(void)
{
    pthread_t th;
    if (pthread_create(&th, NULL, worker, (void *)14L) != 0)
        return 1;
    pthread_join(th, NULL);
    printf("worker %ld pid-ok %d\n", worker_result, getpid() > 0);
    return 0;
}
