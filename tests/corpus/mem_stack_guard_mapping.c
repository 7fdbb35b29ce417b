/* corpus: a PROT_NONE page mapped in the stack's way stops a recursion
 * there: the child dies of SIGSEGV (its handler has no stack to run on) */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
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

int main(int argc, char **argv)
{
    (void)argv;
    depth = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
                 -1, 0);
    if (depth == MAP_FAILED)
        return 1;
    pid_t c = fork();
    if (c == 0) {
        signal(SIGSEGV, on_segv);
        uintptr_t guard = ((uintptr_t)&argc - 64 * 4096) & ~(uintptr_t)4095;
        if (mmap((void *)guard, 4096, PROT_NONE,
                 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1,
                 0) != (void *)guard)
            _exit(4);
        return recurse();
    }
    int st;
    waitpid(c, &st, 0);
    printf("child killed by %d, depth %d\n",
           WIFSIGNALED(st) ? WTERMSIG(st) : -1, *depth);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
        return 2;
    printf("rrt-corpus: ok\n");
    return 0;
}
