/* corpus: a multithreaded child, its threads blocked in calls, dies of SIGTERM
 * from its parent */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int fds[2], ready[2];

static void *reader(void *arg)
{
    char b;
    (void)arg;
    (void)!write(ready[1], "r", 1);
    (void)!read(fds[0], &b, 1);
    return NULL;
}

int main(void)
{
    if (pipe(fds) != 0 || pipe(ready) != 0)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        pthread_create(&t, NULL, reader, NULL);
        pthread_create(&t, NULL, reader, NULL);
        char b;
        (void)!read(fds[0], &b, 1);
        _exit(0);
    }
    char b;
    if (read(ready[0], &b, 1) != 1 || read(ready[0], &b, 1) != 1)
        return 2;
    usleep(10000);
    kill(c, SIGTERM);
    int st;
    if (waitpid(c, &st, 0) != c || !WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
        return 3;
    printf("the child and its threads died of SIGTERM\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
