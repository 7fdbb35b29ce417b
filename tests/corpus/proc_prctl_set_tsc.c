/* corpus: the program's own prctl(PR_SET_TSC, PR_TSC_SIGSEGV): RDTSC raises
 * SIGSEGV in it */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <ucontext.h>
#include <x86intrin.h>

static volatile int faults;

static void on_segv(int sig, siginfo_t *si, void *ctx)
{
    (void)sig;
    (void)si;
    ucontext_t *uc = ctx;
    faults++;
    uc->uc_mcontext.gregs[REG_RIP] += 2; /* skip rdtsc */
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    if (prctl(PR_SET_TSC, PR_TSC_SIGSEGV, 0, 0, 0) != 0)
        return 1;
    int mode = -1;
    if (prctl(PR_GET_TSC, &mode, 0, 0, 0) != 0 || mode != PR_TSC_SIGSEGV)
        return 2;
    (void)__rdtsc();
    if (faults != 1)
        return 3;
    if (prctl(PR_SET_TSC, PR_TSC_ENABLE, 0, 0, 0) != 0)
        return 4;
    (void)__rdtsc();
    if (faults != 1)
        return 5;
    printf("one fault while RDTSC was disabled\n");
    printf("rrt-corpus: ok\n");
    return 0;
}
