/* corpus: a child sleeping in nanosleep is stopped and continued by its parent:
 * the sleep finishes (restart_syscall) */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(void)
{
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct timespec ts = {0, 150000000};
        int r = nanosleep(&ts, NULL);
        _exit(r == 0 ? 9 : 8);
    }
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
