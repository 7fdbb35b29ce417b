/* Tracee: a thread makes buffered calls (getpid) while it holds a mutex,
 * so that the library's yield (every 2048 records, or at the recorder's
 * ask for records) falls inside the critical section. The other thread,
 * which waits for the token then, tries the mutex between traced calls
 * and makes a different call when it finds it taken. At record time the
 * yielding thread gets the token back later, leaves the section and
 * enters a traced call: a replay that left it where it yielded until its
 * next event would show the other thread the mutex still taken and
 * diverge there.
 * With the argument "take" the thread instead computes for over a second
 * in the section after a few buffered calls: the recorder then takes the
 * records while it runs (its timed flush), and the thread runs on, leaves
 * the section and enters its traced call, all with no event of its own. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static pthread_mutex_t m = PTHREAD_MUTEX_INITIALIZER;
static volatile int done;
static long sum;
static int take;
static long spin_n; /* take: about 1.5 s of the loop below */

static void spin(long n)
{
    for (volatile long i = 0; i < n; i++)
        ;
}

/* The recorder takes the records after two of its 0.5 s ticks without an
 * answer, so the section must compute for well over a second whatever the
 * host's speed: the loop is timed here (clock_gettime is recorded, so
 * replay computes the same count). */
static long calibrate(void)
{
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    spin(20000000);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double s =
        (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
    if (s <= 0.001)
        s = 0.001;
    double n = 20000000.0 * 1.5 / s;
    return n > 4e9 ? 4000000000L : (long)n;
}

static void *worker(void *arg)
{
    (void)arg;
    /* the first call is traced (it patches the site): from here on each
     * section is 64 records, so the yield at every 2048th comes at the
     * last one of a section, after which the thread makes no buffered
     * call before its traced one (no flush event of its own names it) */
    sum += getpid() > 0;
    if (take) {
        pthread_mutex_lock(&m);
        for (int k = 0; k < 4; k++)
            sum += getpid() > 0;
        spin(spin_n);
        pthread_mutex_unlock(&m);
        getpgid(0);
        done = 1;
        return NULL;
    }
    for (int i = 0; i < 3000; i++) {
        pthread_mutex_lock(&m);
        /* long enough for the other thread's call to return and its
         * task to wait for the token when the yield comes */
        spin(100000);
        for (int k = 0; k < 64; k++)
            sum += getpid() > 0;
        pthread_mutex_unlock(&m);
        getpgid(0); /* traced: the token changes hands */
    }
    done = 1;
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t th;
    take = argc > 1 && strcmp(argv[1], "take") == 0;
    if (take)
        spin_n = calibrate();
    if (pthread_create(&th, NULL, worker, NULL) != 0)
        return 1;
    long taken = 0, free_ = 0;
    while (!done) {
        if (pthread_mutex_trylock(&m) == 0) {
            pthread_mutex_unlock(&m);
            free_++;
            getpgid(0);
        } else {
            taken++;
            getsid(0); /* traced too, another call */
        }
    }
    pthread_join(th, NULL);
    printf("yields in a critical section: %ld calls, %s\n", sum,
           taken + free_ > 0 ? "ok" : "none");
    return 0;
}
