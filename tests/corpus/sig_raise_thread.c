/* corpus: raise() in a thread runs the handler in that thread */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static pthread_t worker_th;
static volatile int in_worker, handled;

static void on_usr2(int sig)
{
    (void)sig;
    in_worker = pthread_equal(pthread_self(), worker_th);
    handled++;
}

static void *worker(void *arg)
{
    (void)arg;
    raise(SIGUSR2);
    raise(SIGUSR2);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, NULL);
    pthread_create(&worker_th, NULL, worker, NULL);
    pthread_join(worker_th, NULL);
    printf("handled %d in the worker %d\n", handled, in_worker);
    if (handled != 2 || !in_worker)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
