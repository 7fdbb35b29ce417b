/* corpus: exit=132 a thread blocks SIGILL and runs ud2: the kernel forces
 * SIGILL, the process dies of it */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static void on_ill(int sig)
{
    (void)sig;
    write(1, "handler ran\n", 12);
}

static void *worker(void *arg)
{
    (void)arg;
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGILL);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    __asm__ volatile("ud2");
    return NULL;
}

int main(void)
{
    pthread_t th;
    signal(SIGILL, on_ill);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
    return 0;
}
