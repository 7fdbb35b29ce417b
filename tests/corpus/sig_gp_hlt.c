/* corpus: hlt in user mode: a general protection fault, SIGSEGV with si_code SI_KERNEL, caught */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits, code;

static void on_segv(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    uc->uc_mcontext.gregs[REG_RIP] += 1; /* hlt: f4 */
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_segv;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGSEGV, &sa, NULL);
    __asm__ volatile("hlt");
    __asm__ volatile("hlt");
    printf("SIGSEGV %d times, code 0x%x\n", hits, code);
    if (hits != 2 || code != 0x80)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
