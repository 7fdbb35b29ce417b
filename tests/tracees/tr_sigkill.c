/* Tracee: a child killed by SIGKILL from its parent, which has no
 * signal-delivery stop (so no SIGNAL event), and then, with an argument,
 * the program SIGKILLs itself. */
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    pid_t pid = fork();
    if (pid == 0) {
        close(fds[0]);
        close(fds[1]);
        for (;;)
            pause();
    }
    close(fds[1]);
    kill(pid, SIGKILL);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0)
        ;
    printf("sigkill: child killed=%d sig=%d\n", WIFSIGNALED(status),
           WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    fflush(stdout);
    if (argc > 1 && argv[1][0])
        kill(getpid(), SIGKILL);
    return 0;
}
