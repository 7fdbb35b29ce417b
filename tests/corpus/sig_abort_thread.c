/* corpus: exit=134 abort() in a worker thread while main waits in pthread_join:
 * death by SIGABRT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *worker(void *arg)
{
    (void)arg;
    abort();
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
