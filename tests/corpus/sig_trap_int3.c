/* corpus: SIGTRAP from int3, caught; the handler returns past it and sees what
 * ran before it */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <ucontext.h>

static volatile int hits, code;
static volatile unsigned long rip;
static volatile int counter, seen[3];

static void on_trap(int sig, siginfo_t *si, void *p)
{
    ucontext_t *uc = p;
    (void)sig;
    hits++;
    code = si->si_code;
    rip = uc->uc_mcontext.gregs[REG_RIP];
    if (hits <= 3)
        seen[hits - 1] = counter;
}

int main(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = on_trap;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGTRAP, &sa, NULL);
    for (int i = 0; i < 3; i++) {
        counter += 10; /* user code between the traps, no system call */
        __asm__ volatile("int3");
    }
    printf("SIGTRAP %d times, code 0x%x, saw %d %d %d\n", hits, code, seen[0],
           seen[1], seen[2]);
    if (hits != 3 || code != 0x80 /* SI_KERNEL */ || seen[2] != 30)
        return 1;
    printf("rrt-corpus: ok\n");
    return 0;
}
