/* corpus: pthread_kill (tgkill) sends SIGUSR1 to a worker thread, whose handler
 * runs in it */
#define _GNU_SOURCE
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_t worker_th;
static volatile int in_worker, handled, ready;

static void on_usr1(int sig)
{
    (void)sig;
    in_worker = pthread_equal(pthread_self(), worker_th);
    handled = 1;
}

static void *worker(void *arg)
{
    (void)arg;
    ready = 1;
    while (!handled)
        usleep(1000);
    return NULL;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);
    pthread_create(&worker_th, NULL, worker, NULL);
    while (!ready)
        usleep(1000);
    pthread_kill(worker_th, SIGUSR1);
    pthread_join(worker_th, NULL);
    printf("handled %d in the worker %d\n", handled, in_worker);
    if (!handled || !in_worker)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
