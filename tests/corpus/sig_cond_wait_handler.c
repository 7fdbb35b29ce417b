/* corpus: a signal to a thread blocked in pthread_cond_wait runs its handler;
 * the wait goes on until signalled */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static volatile int handled, go, waiting;

static void on_usr1(int sig)
{
    (void)sig;
    handled++;
}

static void *waiter(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&mu);
    waiting = 1;
    while (!go)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    return NULL;
}

int main(void)
{
    pthread_t th;
    signal(SIGUSR1, on_usr1);
    pthread_create(&th, NULL, waiter, NULL);
    for (;;) {
        pthread_mutex_lock(&mu);
        int w = waiting;
        pthread_mutex_unlock(&mu);
        if (w)
            break;
        usleep(1000);
    }
    usleep(20000);
    pthread_kill(th, SIGUSR1);
    usleep(20000);
    pthread_mutex_lock(&mu);
    go = 1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    pthread_join(th, NULL);
    printf("handled %d\n", handled);
    if (handled != 1)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
