/* corpus: exit=139: a thread dies of SIGSEGV while others block in system
 * calls; the process dies */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];

static void *reader(void *arg)
{
    char b;
    (void)arg;
    (void)!read(fds[0], &b, 1);
    return NULL;
}

static void *crasher(void *arg)
{
    (void)arg;
    usleep(20000);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    *(volatile int *)8 = 1;
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pipe(fds) != 0)
        return 1;
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, crasher, NULL);
    char b;
    (void)!read(fds[0], &b, 1);
    return 1;
}
