/* corpus: SIGILL from ud2; the handler steps the saved rip over it and returns
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>
#include <unistd.h>

static volatile int hits, code;

static void on_ill(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    if ((unsigned long)si->si_addr !=
        (unsigned long)uc->uc_mcontext.gregs[REG_RIP])
        _exit(3);
    uc->uc_mcontext.gregs[REG_RIP] += 2;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_ill;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGILL, &sa, NULL);
    for (int i = 0; i < 3; i++)
        __asm__ volatile("ud2");
    printf("SIGILL %d times, code %d\n", hits, code);
    if (hits != 3 || code != ILL_ILLOPN)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
