/* Tracee: execve from a process with another thread asleep in a call
 * that never returns. The kernel kills that thread during the exec and
 * waits for its tracer to reap it; the recording has its EXIT before the
 * execve's event. Run with no argument it execs itself with one. */
#include <pthread.h>
#include <stdio.h>
#include <unistd.h>

static int fds[2];

static void *sleeper(void *arg)
{
    char c;
    (void)arg;
    return (void *)(long)read(fds[0], &c, 1); /* blocks forever */
}

int main(int argc, char **argv)
{
    if (argc > 1) {
        printf("after exec: %s\n", argv[1]);
        return 0;
    }
    pthread_t t;
    if (pipe(fds) != 0 || pthread_create(&t, NULL, sleeper, NULL) != 0)
        return 1;
    usleep(20000); /* it is asleep in read by now */
    printf("exec with a thread blocked\n");
    fflush(stdout);
    execl("/proc/self/exe", argv[0], "done", (char *)NULL);
    return 1;
}
