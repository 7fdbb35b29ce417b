/* Tracee: fork, exec of /bin/echo (or argv[1]) in the child, wait in the
 * parent. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    const char *prog = argc > 1 ? argv[1] : "/bin/echo";
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        char arg[64];
        snprintf(arg, sizeof(arg), "forkexec: child %d says hi", getpid());
        execl(prog, "echo", arg, (char *)NULL);
        _exit(127);
    }
    int st;
    waitpid(pid, &st, 0);
    printf("forkexec: parent %d waited for %d, status %d\n", getpid(), pid,
           WEXITSTATUS(st));
    return 0;
}
