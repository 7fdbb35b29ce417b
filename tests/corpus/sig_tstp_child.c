/* corpus: SIGTSTP with the default action stops a child; the parent's
 * waitpid(WUNTRACED) reports it, SIGCONT resumes it */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(void)
{
    int p[2];
    char b;
    if (pipe(p) != 0)
        return 2;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        setpgid(0, 0); /* not orphaned: its parent is in the session */
        raise(SIGTSTP);
        _exit(read(p[0], &b, 1) == 1 ? 5 : 6);
    }
    int st;
    if (waitpid(c, &st, WUNTRACED) != c)
        return 2;
    printf("stopped %d by %s\n", WIFSTOPPED(st),
           WIFSTOPPED(st) && WSTOPSIG(st) == SIGTSTP ? "SIGTSTP" : "?");
    if (!WIFSTOPPED(st) || WSTOPSIG(st) != SIGTSTP)
        return 1;
    kill(c, SIGCONT);
    write(p[1], "x", 1);
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("exited %d status %d\n", WIFEXITED(st), WEXITSTATUS(st));
    if (!WIFEXITED(st) || WEXITSTATUS(st) != 5)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
