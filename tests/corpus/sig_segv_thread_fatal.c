/* corpus: exit=139 a thread's null write kills the process while main waits in
 * pthread_join */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static void *worker(void *arg)
{
    (void)arg;
    usleep(20000);
    *(volatile int *)8 = 1;
    return NULL;
}

int main(void)
{
    pthread_t th;
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    pthread_create(&th, NULL, worker, NULL);
    pthread_join(th, NULL);
    return 0;
}
