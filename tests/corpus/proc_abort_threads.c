/* corpus: exit=134: abort() while other threads block in system calls: the
 * whole process dies of SIGABRT */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static int fds[2];

static void *reader(void *arg)
{
    char b;
    (void)arg;
    (void)!read(fds[0], &b, 1);
    return NULL;
}

int main(void)
{
    pthread_t t;
    if (pipe(fds) != 0)
        return 1;
    pthread_create(&t, NULL, reader, NULL);
    pthread_create(&t, NULL, reader, NULL);
    usleep(20000);
    printf("threads blocked; abort\n");
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    abort();
}
