/* corpus: a child stops itself with SIGSTOP; the parent sees it with
 * waitpid(WUNTRACED), continues it with SIGCONT, sees WCONTINUED, then its exit
 */
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int p[2], q[2];
    char b;
    if (pipe(p) != 0 || pipe(q) != 0)
        return 2;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        kill(getpid(), SIGSTOP);
        write(q[1], "c", 1); /* only once continued */
        /* exit only once the parent saw it continue */
        _exit(read(p[0], &b, 1) == 1 ? 7 : 8);
    }
    int st;
    if (waitpid(c, &st, WUNTRACED) != c)
        return 2;
    printf("stopped %d by %s\n", WIFSTOPPED(st),
           WIFSTOPPED(st) && WSTOPSIG(st) == SIGSTOP ? "SIGSTOP" : "?");
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGSTOP)
        return 1;
    struct pollfd pf = {q[0], POLLIN, 0};
    int ran = poll(&pf, 1, 200);
    printf("ran while stopped: %d\n", ran);
    if (ran != 0)
        return 1;
    kill(c, SIGCONT);
    if (waitpid(c, &st, WCONTINUED) != c)
        return 2;
    printf("continued %d\n", WIFCONTINUED(st));
    if (!WIFCONTINUED(st))
        return 1;
    if (read(q[0], &b, 1) != 1)
        return 1;
    write(p[1], "x", 1);
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
