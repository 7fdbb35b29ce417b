/* corpus: SIGTRAP from int3, caught; the handler returns past it */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits, code;
static volatile unsigned long rip;

static void on_trap(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    rip = uc->uc_mcontext.gregs[REG_RIP];
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    for (int i = 0; i < 3; i++)
        __asm__ volatile("int3");
    printf("SIGTRAP %d times, code 0x%x\n", hits, code);
    if (hits != 3 || code != 0x80 /* SI_KERNEL */)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
