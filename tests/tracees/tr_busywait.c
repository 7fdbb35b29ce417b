/* A thread that busy-waits, with no system call and no trap, for a flag
 * that another thread sets only after a system call: rrt, which switches
 * tasks only at system calls and traps, must end such a recording at the
 * serialization limit instead of hanging. */
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
    while (!atomic_load(&flag))
        ;
    pthread_join(t, NULL);
    printf("the flag came\n");
    return 0;
}
