/* Tracee: the main thread exits the process while other threads are
 * blocked in system calls that never return (a futex wait, a read of a
 * pipe nobody writes), as a thread pool's workers are when a program
 * ends. Those calls leave no event; replay must let exit_group end them. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static int fds[2];
static int started;

static void *waiter(void *arg)
{
    pthread_mutex_lock(&mu);
    started++;
    pthread_cond_broadcast(&cv);
    if (arg) { /* blocks in futex forever */
        for (;;)
            pthread_cond_wait(&cv, &mu);
    }
    pthread_mutex_unlock(&mu);
    char c;
    return (void *)(long)read(fds[0], &c, 1); /* blocks forever */
}

int main(void)
{
    pthread_t a, b;
    if (pipe(fds) != 0 || pthread_create(&a, NULL, waiter, &fds) != 0 ||
        pthread_create(&b, NULL, waiter, NULL) != 0)
        return 1;
    pthread_mutex_lock(&mu);
    while (started < 2)
        pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    usleep(20000); /* both are asleep in the kernel by now */
    printf("exiting with 2 threads blocked\n");
    fflush(stdout);
    exit(3);
}
