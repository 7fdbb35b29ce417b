/* A tracee for the gdb tests: parent and child both call the function gdb
 * breaks on after a fork; the child then execs /bin/true. Built with -g. */
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

long side(long who)
{
    return who * 2;
}

int main(void)
{
    fflush(stdout);
    pid_t pid = fork();
    if (pid == 0) {
        side(7);
        execl("/bin/true", "true", (char *)NULL);
        _exit(127);
    }
    long v = side(5);
    int st = 0;
    waitpid(pid, &st, 0);
    printf("parent %ld child-status %d\n", v, WEXITSTATUS(st));
    return 0;
}
