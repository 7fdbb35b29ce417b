/* Tracee: a child process whose main thread calls exit_group while its
 * other thread sleeps in a call, and the parent keeps making calls. The
 * kernel reports the child's leader dead only after its thread has been
 * reaped, so nothing may wait for the leader before the thread's EXIT. */
#include <pthread.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static int hold[2];

static void *sleeper(void *arg)
{
    char c;
    (void)arg;
    return (void *)(long)read(hold[0], &c, 1); /* blocks forever */
}

int main(void)
{
    int go[2];
    if (pipe(go) != 0 || pipe(hold) != 0)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        pthread_t t;
        if (pthread_create(&t, NULL, sleeper, NULL) != 0)
            _exit(1);
        usleep(10000);
        if (write(go[1], "x", 1) != 1)
            _exit(1);
        _exit(7); /* exit_group, the thread still asleep */
    }
    char b;
    if (read(go[0], &b, 1) != 1)
        return 1;
    long n = 0;
    for (int i = 0; i < 200; i++)
        n += getppid() > 0;
    int st;
    waitpid(c, &st, 0);
    printf("calls=%ld child status=%d\n", n, WEXITSTATUS(st));
    return 0;
}
