/* corpus: unbounded recursion runs into the stack guard; a SIGSEGV
 * handler on an alternate stack catches it */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

static sigjmp_buf back;
static volatile int depth;

static void on_segv(int sig)
{
    (void)sig;
    siglongjmp(back, 1);
}

static int recurse(int n)
{
    volatile char pad[1024];
    pad[0] = (char)n;
    depth = n;
    return recurse(n + 1) + pad[0];
}

int main(void)
{
    struct rlimit rl = {1 << 20, 1 << 20};
    setrlimit(RLIMIT_STACK, &rl);
    stack_t ss = {.ss_sp = malloc(65536), .ss_size = 65536};
    sigaltstack(&ss, NULL);
    struct sigaction sa = {.sa_handler = on_segv, .sa_flags = SA_ONSTACK};
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(back, 1) == 0) {
        recurse(0);
        return 1;
    }
    printf("overflowed deep %d\n", depth > 100);
    printf("rrt-corpus: ok\n");
    return 0;
}
