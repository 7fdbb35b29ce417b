/* corpus: with SIGSEGV and SIGILL blocked and handled, a thread runs CPUID and
 * RDTSC (which rrt traps): mask and handlers stay, a later fault runs the
 * handler */
#include <cpuid.h>
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <x86intrin.h>

static sigjmp_buf env;
static volatile int handled;

static void on_fault(int sig)
{
    handled = sig;
    siglongjmp(env, 1);
}

int main(void)
{
    struct sigaction sa, now;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_fault;
    sigaction(SIGSEGV, &sa, NULL);
    sigaction(SIGILL, &sa, NULL);
    sigset_t set, cur;
    sigemptyset(&set);
    sigaddset(&set, SIGSEGV);
    sigaddset(&set, SIGILL);
    sigprocmask(SIG_BLOCK, &set, NULL);
    unsigned a, b, c, d;
    __cpuid(0, a, b, c, d);
    unsigned long long t = __rdtsc();
    (void)t;
    sigprocmask(SIG_BLOCK, NULL, &cur);
    sigaction(SIGSEGV, NULL, &now);
    int segv_kept = now.sa_handler == on_fault;
    sigaction(SIGILL, NULL, &now);
    int ill_kept = now.sa_handler == on_fault;
    printf("still blocked: SEGV %d ILL %d; handlers kept: SEGV %d ILL %d\n",
           sigismember(&cur, SIGSEGV), sigismember(&cur, SIGILL), segv_kept,
           ill_kept);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    if (sigsetjmp(env, 1) == 0)
        *(volatile int *)8 = 1;
    printf("fault handled by %d\n", handled);
    if (!sigismember(&cur, SIGSEGV) || !sigismember(&cur, SIGILL) ||
        !segv_kept || !ill_kept || handled != SIGSEGV)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
