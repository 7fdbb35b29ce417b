/* corpus: clone(CLONE_UNTRACED): the child must still be recorded */
#define _GNU_SOURCE
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[65536] __attribute__((aligned(16)));

static int child(void *arg)
{
    (void)arg;
    printf("child %s\n", getpid() > 1 ? "runs" : "?");
    fflush(stdout);
    return 7;
}

int main(void)
{
    pid_t p =
        clone(child, stack + sizeof(stack), CLONE_UNTRACED | SIGCHLD, NULL);
    if (p < 0)
        return 1;
    int st;
    if (waitpid(p, &st, 0) != p || !WIFEXITED(st) || WEXITSTATUS(st) != 7)
        return 2;
    printf("child exited 7\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
