/* Tracee: a process sharing the descriptor table without sharing memory
 * (clone(CLONE_FILES)) replaces a descriptor the other knew as a regular
 * file with an empty pipe, which a third process fills 0.1 s later. The
 * library must not trust what it cached of the descriptor: a read that
 * blocks inside it would keep the filling process from ever running. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static char stack[64 * 1024] __attribute__((aligned(16)));
static int p[2], target;

static int replace(void *arg)
{
    (void)arg;
    if (dup2(p[0], target) != target)
        _exit(1);
    _exit(0);
}

int main(int argc, char **argv)
{
    (void)argc;
    char buf[64];
    target = open(argv[0], O_RDONLY);
    /* twice: the first patches the site, the second caches the kind */
    if (target < 0 || read(target, buf, 4) != 4 || read(target, buf, 4) != 4 ||
        pipe(p) != 0)
        return 1;
    int st;
    pid_t c =
        clone(replace, stack + sizeof(stack), CLONE_FILES | SIGCHLD, NULL);
    if (c < 0 || waitpid(c, &st, 0) != c || !WIFEXITED(st) ||
        WEXITSTATUS(st) != 0)
        return 2;
    pid_t w = fork();
    if (w == 0) {
        usleep(100000);
        _exit(write(p[1], "hello", 5) == 5 ? 0 : 1);
    }
    ssize_t n = read(target, buf, sizeof(buf));
    if (waitpid(w, &st, 0) != w)
        return 3;
    printf("read %zd bytes from the pipe now at fd %d: %.5s\n", n, target,
           n > 0 ? buf : "");
    return 0;
}
