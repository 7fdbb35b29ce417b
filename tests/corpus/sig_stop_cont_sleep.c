/* corpus: a child sleeping in nanosleep is stopped and continued by its parent:
 * the sleep finishes (restart_syscall). The child says through a pipe that
 * it is about to sleep, and sleeps long enough (1 s) that a loaded machine
 * does not let it finish before the parent stops it. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    char b;
    fflush(stdout);
    if (pipe(p) != 0)
        return 3;
    pid_t c = fork();
    if (c == 0) {
        struct timespec ts = {1, 0};
        if (write(p[1], "s", 1) != 1)
            _exit(7);
        int r = nanosleep(&ts, NULL);
        _exit(r == 0 ? 9 : 8);
    }
    if (read(p[0], &b, 1) != 1)
        return 3;
    usleep(30000);
    kill(c, SIGSTOP);
    int st;
    if (waitpid(c, &st, WUNTRACED) != c || !WIFSTOPPED(st))
        return 1;
    printf("stopped by %s\n", WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : "?");
    usleep(30000);
    kill(c, SIGCONT);
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 9)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
