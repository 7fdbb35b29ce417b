/* corpus: unbounded recursion overflows the stack; a SIGSEGV handler on an
 * alternate stack siglongjmps out */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

static sigjmp_buf env;
static volatile int on_alt;
static char *alt;

static void on_segv(int sig)
{
    char here;
    (void)sig;
    on_alt = &here > alt && &here < alt + 65536;
    siglongjmp(env, 1);
}

static int recurse(volatile char *prev, int depth)
{
    volatile char buf[1024];
    buf[0] = (char)depth;
    buf[1023] = prev ? prev[0] : 0;
    return recurse(buf, depth + 1) + buf[5];
}

int main(void)
{
    struct rlimit rl = {8 << 20, 8 << 20};
    setrlimit(RLIMIT_STACK, &rl);
    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, NULL);
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sa.sa_flags = SA_ONSTACK | SA_NODEFER;
    sigaction(SIGSEGV, &sa, NULL);
    if (sigsetjmp(env, 1) == 0) {
        recurse(NULL, 0);
        return 1;
    }
    printf("stack overflow caught on the alternate stack: %d\n", on_alt);
    if (!on_alt)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
