/* corpus: a process-directed signal goes to the one thread that does not block
 * it */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static pthread_t taker;
static volatile int in_taker, handled, ready;

static void on_usr1(int sig)
{
    (void)sig;
    in_taker = pthread_equal(pthread_self(), taker);
    handled = 1;
}

static void *take(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_UNBLOCK, &set, NULL);
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
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    pthread_create(&taker, NULL, take, NULL);
    while (!ready)
        usleep(1000);
    kill(getpid(), SIGUSR1);
    pthread_join(taker, NULL);
    printf("handled %d by the unblocked thread %d\n", handled, in_taker);
    if (!handled || !in_taker)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
