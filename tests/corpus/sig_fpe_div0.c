/* corpus: SIGFPE from an integer division by zero; the handler skips the 3-byte
 * div and returns */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits, code;

static void on_fpe(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    uc->uc_mcontext.gregs[REG_RIP] += 3; /* div %rcx: 48 f7 f1 */
    uc->uc_mcontext.gregs[REG_RAX] = 77;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_fpe;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGFPE, &sa, NULL);
    unsigned long q = 100;
    __asm__ volatile("xor %%edx, %%edx\n\t"
                     "div %%rcx"
                     : "+a"(q)
                     : "c"(0UL)
                     : "rdx");
    printf("SIGFPE %d code %d quotient %lu\n", hits, code, q);
    if (hits != 1 || code != FPE_INTDIV || q != 77)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
