/* corpus: exit=139 unbounded recursion without a handler dies of SIGSEGV */
#include <stdio.h>
#include <sys/resource.h>

static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    return recurse(n + 1) + pad[0];
}

int main(void)
{
    struct rlimit rl = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_STACK, &rl);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    return recurse(0);
}
