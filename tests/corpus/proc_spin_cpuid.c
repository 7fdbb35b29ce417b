/* corpus: a thread spins on CPUID until another thread, which must run a system
 * call first, sets a flag */
#include <cpuid.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>

static atomic_int flag;

static void *setter(void *arg)
{
    (void)arg;
    usleep(1000);
    atomic_store(&flag, 1);
    return NULL;
}

int main(void)
{
    pthread_t t;
    pthread_create(&t, NULL, setter, NULL);
    unsigned a, b, c, d, first = 0;
    while (!atomic_load(&flag)) {
        __cpuid(0, a, b, c, d);
        if (!first)
            first = a;
        else if (a != first)
            return 2;
    }
    pthread_join(t, NULL);
    printf("the flag came while spinning on CPUID\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
