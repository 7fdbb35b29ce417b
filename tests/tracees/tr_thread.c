/* Tracee: four threads take a mutex in turns and log, in shared memory,
 * which thread got it and the time it read. The order depends on the
 * scheduler, so an identical replay shows the interleaving was kept. */
#include <pthread.h>
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#define THREADS 4
#define ROUNDS 40

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int order[THREADS * ROUNDS];
static long long stamp[THREADS * ROUNDS];
static int n;

static void *run(void *arg)
{
    int id = (int)(long)arg;
    for (int i = 0; i < ROUNDS; i++) {
        struct timespec ts;
        pthread_mutex_lock(&lock);
        clock_gettime(CLOCK_MONOTONIC, &ts);
        order[n] = id;
        stamp[n++] = ts.tv_sec * 1000000000LL + ts.tv_nsec;
        pthread_mutex_unlock(&lock);
        if (i % 3 == id % 3)
            sched_yield();
    }
    return NULL;
}

int main(void)
{
    pthread_t t[THREADS];
    for (long i = 0; i < THREADS; i++)
        if (pthread_create(&t[i], NULL, run, (void *)i) != 0)
            return 1;
    for (int i = 0; i < THREADS; i++)
        pthread_join(t[i], NULL);
    unsigned long h = 0;
    printf("thread: order ");
    for (int i = 0; i < n; i++) {
        h = h * 31 + (unsigned long)order[i] * 7919 + (unsigned long)stamp[i];
        printf("%d", order[i]);
    }
    printf("\nthread: n=%d hash=%lx\n", n, h);
    return 0;
}
