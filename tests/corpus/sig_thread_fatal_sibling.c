/* corpus: exit=136 one worker divides by zero while another sleeps and main
 * joins: the whole process dies of SIGFPE */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static volatile int zero;

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        usleep(1000);
    return NULL;
}

static void *faulter(void *arg)
{
    (void)arg;
    usleep(20000);
    return (void *)(long)(100 / zero);
}

int main(void)
{
    pthread_t a, b;
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    pthread_create(&a, NULL, sleeper, NULL);
    pthread_create(&b, NULL, faulter, NULL);
    pthread_join(b, NULL);
    pthread_join(a, NULL);
    return 0;
}
