/* corpus: a parent sends SIGTERM to a child whose three threads sleep: the
 * whole child dies of it */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static void *sleeper(void *arg)
{
    (void)arg;
    for (;;)
        pause();
    return NULL;
}

int main(void)
{
    int p[2];
    char b;
    if (pipe(p) != 0)
        return 2;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        pthread_t th[3];
        for (int i = 0; i < 3; i++)
            pthread_create(&th[i], NULL, sleeper, NULL);
        write(p[1], "r", 1);
        for (;;)
            pause();
    }
    if (read(p[0], &b, 1) != 1)
        return 2;
    usleep(20000);
    kill(c, SIGTERM);
    int st;
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("child killed by SIGTERM %d\n",
           WIFSIGNALED(st) && WTERMSIG(st) == SIGTERM);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGTERM)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
