/* corpus: a thread spins on RDTSC until another thread, which must run a system
 * call first, sets a flag */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <unistd.h>
#include <x86intrin.h>

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
    unsigned long long t0 = __rdtsc(), spins = 0;
    while (!atomic_load(&flag)) {
        if (__rdtsc() < t0)
            return 2;
        spins++;
    }
    pthread_join(t, NULL);
    printf("the flag came after some spinning\n");
    printf("rrt-corpus: ok\n");
    return spins ? 0 : 0;
}
