/* corpus: a child recurses into a PROT_NONE page below its stack: no room for
 * its SIGSEGV handler, it dies; the parent reports the depth from shared memory
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
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
    write(1, "handler ran\n", 12);
    _exit(1);
}

int main(int argc, char **argv)
{
    (void)argv;
    depth = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_SHARED,
                 -1, 0);
    if (depth == MAP_FAILED)
        return 2;
    fflush(stdout);
    pid_t c = fork();
    if (c == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_handler = on_segv;
        sigaction(SIGSEGV, &sa, NULL);
        void *p = (void *)(((unsigned long)&argc - 8 * 4096) & ~4095UL);
        if (mmap(p, 4096, PROT_NONE, MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED,
                 -1, 0) != p)
            _exit(2);
        return recurse();
    }
    int st;
    if (waitpid(c, &st, 0) != c)
        return 2;
    printf("child killed by SIGSEGV %d, depth %d\n",
           WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV, *depth);
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGSEGV)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
