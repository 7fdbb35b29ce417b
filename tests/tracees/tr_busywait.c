/* A thread that busy-waits, with no system call and no trap, for a flag
 * that another thread sets only after a system call: rrt, which switches
 * tasks only at system calls and traps, must end such a recording at the
 * serialization limit instead of hanging. With the argument
 * "stopped-child", a child stopped by SIGSTOP waits meanwhile (rrt then
 * polls for its SIGCONT, and must still keep the limit). */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static atomic_int flag;

static void *setter(void *arg)
{
    (void)arg;
    usleep(1000);
    atomic_store(&flag, 1);
    return NULL;
}

int main(int argc, char **argv)
{
    pthread_t t;
    if (argc > 1 && strcmp(argv[1], "stopped-child") == 0) {
        pid_t c = fork();
        if (c == 0) {
            kill(getpid(), SIGSTOP);
            _exit(0);
        }
        usleep(20000);
    }
    pthread_create(&t, NULL, setter, NULL);
    while (!atomic_load(&flag))
        ;
    pthread_join(t, NULL);
    printf("the flag came\n");
    return 0;
}
