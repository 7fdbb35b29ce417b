/* corpus: a stack overflow with a SIGSEGV handler but no alternate stack:
 * the handler's frame does not fit, the child dies of SIGSEGV; how deep
 * it got comes back through shared memory */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

static int *depth;

static int recurse(void)
{
    ++*depth;
    if (*depth > 10000000)
        return 3;
    int r = recurse() * 13 + 1;
    --*depth;
    return r;
}

static void on_segv(int sig)
{
    (void)sig;
    printf("the handler ran\n");
    exit(1);
}

int main(void)
{
    depth = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
    if (depth == MAP_FAILED)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        struct rlimit rl = {500000, 500000};
        signal(SIGSEGV, on_segv);
        setrlimit(RLIMIT_STACK, &rl);
        return recurse();
    }
    int st;
    waitpid(c, &st, 0);
    printf("child killed by %d, depth %d\n",
           WIFSIGNALED(st) ? WTERMSIG(st) : -1, *depth);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV || *depth < 1000)
        return 2;
    printf("rrt-corpus: ok\n");
    return 0;
}
