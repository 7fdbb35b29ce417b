/* corpus: exit=139 a stack overflow with a SIGSEGV handler but no alternate
 * stack: no room for the frame, the kernel forces death by SIGSEGV */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>

static void on_segv(int sig)
{
    (void)sig;
    printf("the handler cannot run\n");
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
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_segv;
    sigaction(SIGSEGV, &sa, NULL);
    printf("rrt-corpus: ok\n");
    fflush(stdout);
    return recurse(NULL, 0);
}
